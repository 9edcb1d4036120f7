"""Timestamps read and written through the text codec (db/timestamps.py) are the values
asyncpg's own binary codec gives: equal, in UTC, written alike by isoformat()."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.pool import connect, create_pool
from db.timestamps import SESSION_SETTINGS

# Every instant a datetime holds in UTC, whatever the offset it was written with.
instants = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@pytest.fixture
async def ours(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture
async def asyncpgs(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """asyncpg's codecs, in a session whose time zone is not UTC."""
    conn = await asyncpg.connect(database_url, server_settings={"TimeZone": "Asia/Kolkata"})
    yield conn
    await conn.close()


def _same(a: datetime, b: datetime) -> bool:
    return a == b and a.isoformat() == b.isoformat() and a.tzinfo is b.tzinfo


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instant=instants, offset=offsets)
async def test_a_timestamp_reads_back_as_asyncpgs_codec_reads_it(
    ours: asyncpg.Connection, asyncpgs: asyncpg.Connection, instant: datetime, offset: timezone
) -> None:
    written = instant.astimezone(offset)
    query = "SELECT $1::timestamptz, ($1::timestamptz)::text"
    mine, text = await ours.fetchrow(query, written)
    theirs, _ = await asyncpgs.fetchrow(query, written)
    assert _same(mine, theirs), text
    assert mine.tzinfo is UTC


@pytest.mark.parametrize(
    "sql", ["'infinity'::timestamptz", "'-infinity'::timestamptz", "NULL::timestamptz"]
)
async def test_infinities_and_null_read_as_asyncpg_reads_them(
    ours: asyncpg.Connection, asyncpgs: asyncpg.Connection, sql: str
) -> None:
    assert await ours.fetchval(f"SELECT {sql}") == await asyncpgs.fetchval(f"SELECT {sql}")


@pytest.mark.parametrize(
    "value",
    [
        datetime.max,
        datetime.min,
        datetime(2026, 12, 7, 18, 46, 53, 791894),  # naive: the process's local time
        date(2026, 12, 7),
        datetime(2026, 12, 7, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
async def test_a_parameter_is_written_as_asyncpg_writes_it(
    ours: asyncpg.Connection, asyncpgs: asyncpg.Connection, value: datetime | date
) -> None:
    query = "SELECT ($1::timestamptz)::text"
    await asyncpgs.execute("SET TimeZone = 'UTC'")
    assert await ours.fetchval(query, value) == await asyncpgs.fetchval(query, value)


async def test_a_value_that_is_no_timestamp_is_refused_as_asyncpg_refuses_it(
    ours: asyncpg.Connection,
) -> None:
    with pytest.raises(asyncpg.DataError, match=r"expected a datetime\.date or datetime\.datetime"):
        await ours.fetchval("SELECT $1::timestamptz", "2026-12-07")


async def test_a_year_past_9999_is_an_error_not_a_wrong_value(ours: asyncpg.Connection) -> None:
    with pytest.raises(ValueError):
        await ours.fetchval("SELECT '10000-01-01 00:00+00'::timestamptz")


async def test_the_pool_opens_its_connections_with_the_session_settings(
    database_url: str,
) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        for name, value in SESSION_SETTINGS.items():
            assert (await pool.fetchval(f"SHOW {name}")).startswith(value)
        assert (await pool.fetchval("SELECT now()")).tzinfo is UTC
    finally:
        await pool.close()
