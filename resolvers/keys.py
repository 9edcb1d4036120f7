"""Strict parsers for the keys inside ids and cursors: only what the columns hold.

Each raises ValueError on anything else, before the value reaches asyncpg or PostgreSQL:
ASCII digits only (`int()` also takes "1_0" and other scripts' digits) within the column's
range; a date with its offset, as `isoformat()` writes it, that stays within the years
datetime, asyncpg and timestamptz share once in UTC; a UUID in its 8-4-4-4-12 form. Callers
turn the error into BAD_USER_INPUT naming the argument.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID

BIGINT_MAX = 2**63 - 1
INT4_MAX = 2**31 - 1

_NATURAL = re.compile(r"0|[1-9][0-9]{0,18}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def bigint(text: str) -> int:
    """A non-negative bigint (entry and interaction ids)."""
    return _natural(text, BIGINT_MAX)


def int4(text: str) -> int:
    """A non-negative integer (branch_order)."""
    return _natural(text, INT4_MAX)


def uuid(text: str) -> UUID:
    if not _UUID.fullmatch(text):
        raise ValueError("not a UUID")
    return UUID(text)


def timestamp(text: str) -> datetime:
    """A datetime as `isoformat()` writes it, with its offset, in UTC."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None or parsed.isoformat() != text:
        raise ValueError("not an ISO 8601 timestamp with an offset")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 0 or 10000 once in UTC
        raise ValueError("out of range") from None


def _natural(text: str, maximum: int) -> int:
    if not _NATURAL.fullmatch(text):
        raise ValueError("not ASCII digits")
    value = int(text)
    if value > maximum:
        raise ValueError("out of range")
    return value
