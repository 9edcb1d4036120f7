"""Refreshing trending_entries: once per interval for all server processes, one at a time."""

from __future__ import annotations

import asyncpg

from db.trending import REFRESH_LOCK_KEY, refresh_trending
from tests.factories import make_user

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


async def test_the_view_keeps_the_1000_highest_scoring_entries_of_each_window(
    conn: asyncpg.Connection,
) -> None:
    fan, other = await make_user(conn), await make_user(conn)
    author = await make_user(conn)
    ids = await conn.fetchval(
        "WITH made AS (INSERT INTO stream_entries (user_id, content)"
        " SELECT $1, 'entry ' || n FROM generate_series(1, 1005) AS n RETURNING id)"
        " SELECT array_agg(id ORDER BY id) FROM made",
        author["id"],
    )
    await conn.execute(
        "INSERT INTO user_resonances (user_id, entry_id) SELECT $1, unnest($2::bigint[])",
        fan["id"],
        ids,
    )
    lowest = ids[0]
    await conn.execute(
        "INSERT INTO user_resonances (user_id, entry_id) VALUES ($1, $2)", other["id"], lowest
    )
    assert await refresh_trending(conn)

    for window in ("hour", "day", "week"):
        ranked = await conn.fetch(
            "SELECT entry_id, score FROM trending_entries WHERE time_window = $1"
            " ORDER BY score DESC, entry_id DESC",
            window,
        )
        assert len(ranked) == 1000
        assert (ranked[0]["entry_id"], ranked[0]["score"]) == (lowest, 2)
        # Among the equal scores, the newest ids stay (the order trending is read in).
        assert [r["entry_id"] for r in ranked[1:]] == sorted(ids[6:], reverse=True)
