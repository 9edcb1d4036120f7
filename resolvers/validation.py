"""Input limits from the contract, each failure a BAD_USER_INPUT that names the field.

username 3-30 of [A-Za-z0-9_]; title up to 300 characters; content 1-10,000 (not blank);
bio up to 500; up to 20 tags of 1-50 [a-z0-9_-] (stored lower-case); metadata JSON up to
16 KiB. The contract leaves name, location, agent, avatar and email open; they get bounds a
client will not meet by accident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from resolvers.errors import BadUserInput
from resolvers.tags import normalise_tag

USERNAME = re.compile(r"[A-Za-z0-9_]{3,30}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
URL = re.compile(r"https?://\S+")

MAX_TITLE = 300
MAX_CONTENT = 10_000
MAX_BIO = 500
MAX_NAME = 100
MAX_LOCATION = 100
MAX_AGENT = 100
MAX_AVATAR = 2048
MAX_EMAIL = 254
MAX_TAGS = 20
MAX_METADATA_BYTES = 16 * 1024


def username(value: str, field: str) -> str:
    if not USERNAME.fullmatch(value):
        raise BadUserInput(f"{field} must be 3 to 30 characters of A-Z, a-z, 0-9 and _")
    return value


def text(value: str | None, field: str, *, max_length: int) -> str | None:
    """Optional text: None stays None (clears the field), else at most `max_length`."""
    if value is not None and len(value) > max_length:
        raise BadUserInput(f"{field} must be at most {max_length} characters, got {len(value)}")
    return value


def content(value: str | None, field: str) -> str:
    if value is None:
        raise BadUserInput(f"{field} cannot be null")
    if not value.strip():
        raise BadUserInput(f"{field} must not be blank")
    if len(value) > MAX_CONTENT:
        raise BadUserInput(f"{field} must be at most {MAX_CONTENT} characters, got {len(value)}")
    return value


def email(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_EMAIL or not EMAIL.fullmatch(value):
        raise BadUserInput(f"{field} must be an email address")
    return value


def url(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_AVATAR or not URL.fullmatch(value):
        raise BadUserInput(f"{field} must be an http(s) address of at most {MAX_AVATAR} characters")
    return value


def tags(values: Sequence[str] | None, field: str) -> list[str]:
    """Lower-cased, duplicates dropped in order; None means no tags."""
    if values is None:
        return []
    if len(values) > MAX_TAGS:
        raise BadUserInput(f"{field} must hold at most {MAX_TAGS} tags, got {len(values)}")
    normalised = [normalise_tag(tag, f"{field}[{i}]") for i, tag in enumerate(values)]
    return list(dict.fromkeys(normalised))


def metadata(value: Any, field: str) -> Any:
    if value is None:
        return None
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_METADATA_BYTES:
        raise BadUserInput(f"{field} must be at most 16 KiB of JSON, got {size} bytes")
    return value


def required(value: Any, field: str) -> Any:
    if value is None:
        raise BadUserInput(f"{field} cannot be null")
    return value
