"""Resonances, amplifications, shares and follows: row writes whose counters move by trigger.

Each function is idempotent where the contract says so (ON CONFLICT DO NOTHING, DELETE of a
missing row) and returns whether a row changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from db.columns import NEWEST_FIRST_AFTER, fetch_pages, user_columns
from db.executor import Executor
from db.visibility import Audience


async def resonate(conn: asyncpg.Connection, *, user_id: UUID, entry_id: int) -> bool:
    status: str = await conn.execute(
        "INSERT INTO user_resonances (user_id, entry_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        user_id,
        entry_id,
    )
    return status == "INSERT 0 1"


async def unresonate(conn: asyncpg.Connection, *, user_id: UUID, entry_id: int) -> bool:
    status: str = await conn.execute(
        "DELETE FROM user_resonances WHERE user_id = $1 AND entry_id = $2", user_id, entry_id
    )
    return status == "DELETE 1"


async def amplify(conn: asyncpg.Connection, *, user_id: UUID, entry_id: int) -> bool:
    status: str = await conn.execute(
        "INSERT INTO user_amplifications (user_id, entry_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        user_id,
        entry_id,
    )
    return status == "INSERT 0 1"


async def unamplify(conn: asyncpg.Connection, *, user_id: UUID, entry_id: int) -> bool:
    status: str = await conn.execute(
        "DELETE FROM user_amplifications WHERE user_id = $1 AND entry_id = $2", user_id, entry_id
    )
    return status == "DELETE 1"


async def share(conn: asyncpg.Connection, *, entry_id: int) -> int:
    """Count one share; returns the new share count."""
    count: int = await conn.fetchval("SELECT share_count FROM record_share($1)", entry_id)
    return count


async def follow(conn: asyncpg.Connection, *, follower_id: UUID, followed_id: UUID) -> bool:
    status: str = await conn.execute(
        "INSERT INTO user_follows (follower_id, followed_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        follower_id,
        followed_id,
    )
    return status == "INSERT 0 1"


async def unfollow(conn: asyncpg.Connection, *, follower_id: UUID, followed_id: UUID) -> bool:
    status: str = await conn.execute(
        "DELETE FROM user_follows WHERE follower_id = $1 AND followed_id = $2",
        follower_id,
        followed_id,
    )
    return status == "DELETE 1"


def _interactors_page(table: str) -> str:
    """Users who resonated with (or amplified) each entry, newest first."""
    return f"""
SELECT p.parent_key, x.* FROM unnest($3::bigint[]) AS p (parent_key)
CROSS JOIN LATERAL (
    SELECT i.created_at AS edge_created_at, i.id AS edge_id, {user_columns("u")}
    FROM {table} i JOIN users u ON u.id = i.user_id
    WHERE i.entry_id = p.parent_key
      AND (i.created_at, i.id) < ({NEWEST_FIRST_AFTER.format(ts="$4", id="$5")})
    ORDER BY i.created_at DESC, i.id DESC
    LIMIT $6
) AS x
"""


_RESONATORS = _interactors_page("user_resonances")
_AMPLIFIERS = _interactors_page("user_amplifications")

InteractionKeyset = tuple[datetime, int]


async def fetch_resonators(
    db: Executor,
    audience: Audience,
    entry_ids: Sequence[int],
    *,
    after: InteractionKeyset | None,
    limit: int,
) -> list[asyncpg.Record]:
    return await fetch_pages(db, _RESONATORS, audience, entry_ids, after, limit)


async def fetch_amplifiers(
    db: Executor,
    audience: Audience,
    entry_ids: Sequence[int],
    *,
    after: InteractionKeyset | None,
    limit: int,
) -> list[asyncpg.Record]:
    return await fetch_pages(db, _AMPLIFIERS, audience, entry_ids, after, limit)
