"""Opaque global ids (Relay object identification): base64 of "Type:key"."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

from resolvers.errors import BadUserInput


def encode_id(type_name: str, key: object) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode("ascii")


def decode_id(global_id: str) -> tuple[str, str]:
    """(type name, key) of a global id; BAD_USER_INPUT when it is not one of ours."""
    try:
        type_name, _, key = base64.b64decode(global_id, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(f"{global_id!r} is not a valid id") from None
    if not type_name or not key:
        raise BadUserInput(f"{global_id!r} is not a valid id")
    return type_name, key


def entry_pk(global_id: str, field: str = "id") -> int:
    type_name, key = decode_id(global_id)
    if type_name != "Entry" or not key.isdigit() or len(key) > 18:
        raise BadUserInput(f"{field} is not an Entry id")
    return int(key)


def user_pk(global_id: str, field: str = "id") -> UUID:
    type_name, key = decode_id(global_id)
    try:
        if type_name != "User":
            raise ValueError(type_name)
        return UUID(key)
    except ValueError:
        raise BadUserInput(f"{field} is not a User id") from None
