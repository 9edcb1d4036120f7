"""Trending entries, served from the trending_entries materialized view."""

from __future__ import annotations

from functools import lru_cache

import asyncpg

from db.columns import ENTRY_COLUMNS, ENTRY_FROM, FULL_ENTRY, EntryShape, entry_columns
from db.executor import Executor
from db.visibility import Audience, visible_entry
from db.windows import Window, WindowSql

# Any constant works: it only has to be the same in every server process.
REFRESH_LOCK_KEY = 7_301_207

_TRENDING = f"""
SELECT t.score, {ENTRY_COLUMNS}
FROM trending_entries t
JOIN ({ENTRY_FROM}) ON e.id = t.entry_id
WHERE t.time_window = $3 AND e.privacy = 'public' AND {visible_entry("e")}
ORDER BY t.score DESC, t.entry_id DESC
LIMIT $4
"""


@lru_cache(maxsize=64)
def _trending_page(shape: EntryShape, sql: WindowSql) -> str:
    # Scores are counts of interactions: no row reaches the bounds' defaults.
    return f"""
SELECT t.score, {entry_columns(shape)}
FROM trending_entries t
JOIN ({ENTRY_FROM}) ON e.id = t.entry_id
WHERE t.time_window = $3 AND e.privacy = 'public' AND {visible_entry("e")}
  AND (t.score, t.entry_id) {sql.after} (COALESCE($5::integer, 2147483647), COALESCE($6::bigint, 0))
  AND (t.score, t.entry_id) {sql.before} (COALESCE($7::integer, -1), COALESCE($8::bigint, 0))
ORDER BY t.score {sql.order}, t.entry_id {sql.order}
LIMIT $4
"""


# The time now when the last refresh is older than $1 seconds (or unrecorded), else nothing.
_DUE = """
SELECT clock_timestamp() WHERE NOT EXISTS (
    SELECT FROM trending_refreshes
    WHERE view_name = 'trending_entries'
      AND refreshed_at > clock_timestamp() - make_interval(secs => $1)
)
"""

# The view holds the interactions as of when its refresh started.
_REFRESHED = """
INSERT INTO trending_refreshes (view_name, refreshed_at) VALUES ('trending_entries', $1)
ON CONFLICT (view_name) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at
"""


async def fetch_trending(
    db: Executor, audience: Audience, *, window: str, limit: int
) -> list[asyncpg.Record]:
    """Public entries with the most interactions in the window ('hour', 'day', 'week')."""
    return await db.fetch(_TRENDING, *audience, window, limit)


async def fetch_trending_page(
    db: Executor,
    audience: Audience,
    *,
    window: str,
    part: Window,
    limit: int,
    shape: EntryShape = FULL_ENTRY,
) -> list[asyncpg.Record]:
    """fetch_trending a page at a time: keyset on (score, entry id), most first, read in
    `part`'s direction; rows of `shape` with their score."""
    after_score, after_id, before_score, before_id = part.bounds(2)
    query = _trending_page(shape, part.sql())
    return await db.fetch(
        query, *audience, window, limit, after_score, after_id, before_score, before_id
    )


async def refresh_trending(conn: asyncpg.Connection, *, unless_within: float = 0) -> bool:
    """Refresh the view unless another process is at it, or it was refreshed less than
    `unless_within` seconds ago; True when this call refreshed it."""
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", REFRESH_LOCK_KEY):
        return False
    try:
        started = await conn.fetchval(_DUE, unless_within)
        if started is None:
            return False
        async with conn.transaction():
            # The server's own work, seconds long on a big week: past the pool's statement
            # timeout, which bounds what clients cause.
            await conn.execute("SET LOCAL statement_timeout = 0")
            await conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY trending_entries")
            await conn.execute(_REFRESHED, started)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", REFRESH_LOCK_KEY)
    return True
