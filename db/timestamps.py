"""The timestamptz codec: PostgreSQL's text form, read by `datetime.fromisoformat`.

asyncpg reads the binary form by adding a `timedelta` to an epoch: about 7,000 instructions a
value (callgrind, a page of 20 branches: 359,000 a statement, 259,000 with fromisoformat
alone, 287,000 with this module's function around it). A page of entries carries one to
three timestamps a row. The values are the same: aware datetimes in UTC, equal and written
alike by `isoformat()`.

The text form depends on two settings of the session, given when each connection opens
(SESSION_SETTINGS, no round trip): DateStyle ISO, the only form fromisoformat reads, and
TimeZone UTC, so every value comes back in UTC as asyncpg gives it. PostgreSQL's infinities
come back as asyncpg's (naive datetime.max and datetime.min); a year past 9999 or before 1
raises, as asyncpg's codec does (OverflowError there, ValueError here): the columns are all
`DEFAULT now()`, which no client sets.

asyncpg decodes a row type (a composite) in binary only, so a statement cannot return one
with a timestamp in it (`SELECT record_share($1)`): it selects the row's columns instead
(`SELECT share_count FROM record_share($1)`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

SESSION_SETTINGS = {"DateStyle": "ISO", "TimeZone": "UTC"}

_INFINITIES = {"infinity": datetime.max, "-infinity": datetime.min}
_parse = datetime.fromisoformat


def decode(text: str) -> datetime:
    try:
        return _parse(text)
    except ValueError:
        infinity = _INFINITIES.get(text)
        if infinity is None:
            raise
        return infinity


def encode(value: datetime | date) -> str:
    """As asyncpg's binary encoder reads a value: a naive datetime, or a date at midnight,
    in the process's local time zone; datetime.max and datetime.min are the infinities."""
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            kind = type(value).__name__
            raise TypeError(f"expected a datetime.date or datetime.datetime instance, got {kind!r}")
        value = datetime(value.year, value.month, value.day).astimezone()
    if value == datetime.max:
        return "infinity"
    if value == datetime.min:
        return "-infinity"
    return value.astimezone(UTC).isoformat()
