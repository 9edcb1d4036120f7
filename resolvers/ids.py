"""Opaque global ids (Relay object identification): base64 of "Type:key".

Anything else is BAD_USER_INPUT naming the argument, keys included (resolvers/keys.py): an
Entry's key is a bigint in ASCII digits, a User's a UUID.
"""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

from resolvers import keys
from resolvers.errors import BadUserInput


def encode_id(type_name: str, key: object) -> str:
    # base64.b64encode is this call behind a Python wrapper: two ids a row on every page.
    return binascii.b2a_base64(f"{type_name}:{key}".encode(), newline=False).decode("ascii")


def decode_id(global_id: str, field: str = "id") -> tuple[str, str]:
    """(type name, key) of a global id; BAD_USER_INPUT when it is not one of ours."""
    try:
        # binascii.Error (not base64) and UnicodeDecodeError (not UTF-8) are ValueErrors.
        type_name, _, key = base64.b64decode(global_id, validate=True).decode().partition(":")
    except ValueError:
        raise BadUserInput(f"{field} is not a valid id") from None
    if not type_name or not key:
        raise BadUserInput(f"{field} is not a valid id")
    return type_name, key


def entry_pk(global_id: str, field: str = "id") -> int:
    type_name, key = decode_id(global_id, field)
    try:
        if type_name != "Entry":
            raise ValueError(type_name)
        return keys.bigint(key)
    except ValueError:
        raise BadUserInput(f"{field} is not an Entry id") from None


def user_pk(global_id: str, field: str = "id") -> UUID:
    type_name, key = decode_id(global_id, field)
    try:
        if type_name != "User":
            raise ValueError(type_name)
        return keys.uuid(key)
    except ValueError:
        raise BadUserInput(f"{field} is not a User id") from None
