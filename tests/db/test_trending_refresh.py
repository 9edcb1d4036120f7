"""Refreshing trending_entries: once per interval for all server processes, one at a time."""

from __future__ import annotations

import asyncpg

from db.trending import REFRESH_LOCK_KEY, refresh_trending

LAST_REFRESH = "SELECT refreshed_at FROM trending_refreshes WHERE view_name = 'trending_entries'"


async def test_a_refresh_records_when_it_started(conn: asyncpg.Connection) -> None:
    before = await conn.fetchval(LAST_REFRESH)
    started = await conn.fetchval("SELECT clock_timestamp()")
    assert await refresh_trending(conn)
    recorded = await conn.fetchval(LAST_REFRESH)
    assert recorded > before
    assert recorded >= started


async def test_a_view_refreshed_within_the_interval_is_left_be(conn: asyncpg.Connection) -> None:
    assert await refresh_trending(conn)
    recorded = await conn.fetchval(LAST_REFRESH)
    assert not await refresh_trending(conn, unless_within=60)
    assert await conn.fetchval(LAST_REFRESH) == recorded


async def test_a_view_refreshed_longer_ago_than_the_interval_is_refreshed(
    conn: asyncpg.Connection,
) -> None:
    await conn.execute(
        "UPDATE trending_refreshes SET refreshed_at = now() - interval '2 minutes'"
        " WHERE view_name = 'trending_entries'"
    )
    assert await refresh_trending(conn, unless_within=60)


async def test_while_another_process_refreshes_a_second_one_does_not(
    pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    async with pool.acquire() as other:
        assert await other.fetchval("SELECT pg_try_advisory_lock($1)", REFRESH_LOCK_KEY)
        try:
            assert not await refresh_trending(conn)
        finally:
            await other.execute("SELECT pg_advisory_unlock($1)", REFRESH_LOCK_KEY)
    assert await refresh_trending(conn)
