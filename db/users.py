"""Reads of users: every row carries the viewer's flags and hides the email from all but its
owner and admins (db/columns.py).

The writes are db/mutations.py's (profiles, follows: the API's, checked) and
db/unchecked.py's (tests and the benchmark); the counter columns are the triggers' alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from uuid import UUID

import asyncpg

from db.columns import (
    FULL_USER,
    TYPED_AUDIENCE,
    UserShape,
    fetch_pages,
    newest_first_window,
    user_columns,
)
from db.executor import Executor
from db.visibility import Audience
from db.windows import Window, WindowSql

_BY_IDS = f"SELECT {user_columns('u')} FROM users u WHERE u.id = ANY($3::uuid[])"
_BY_USERNAME = f"SELECT {user_columns('u')} FROM users u WHERE lower(u.username) = lower($3)"


async def fetch_users_by_ids(
    db: Executor, audience: Audience, ids: Sequence[UUID]
) -> list[asyncpg.Record]:
    return await db.fetch(_BY_IDS, *audience, list(ids))


async def fetch_user_by_username(
    db: Executor, audience: Audience, username: str
) -> asyncpg.Record | None:
    """Usernames match case-insensitively, as they are unique."""
    row: asyncpg.Record | None = await db.fetchrow(_BY_USERNAME, *audience, username)
    return row


@lru_cache(maxsize=32)
def _follows_page(anchor: str, other: str, shape: UserShape, sql: WindowSql) -> str:
    """Users on the `other` side of follows whose `anchor` side is each key, newest first."""
    return f"""
{TYPED_AUDIENCE}
SELECT p.parent_key, x.* FROM unnest($3::uuid[]) AS p (parent_key)
CROSS JOIN LATERAL (
    SELECT f.created_at AS edge_created_at, f.id AS edge_id, {user_columns("u", shape=shape)}
    FROM user_follows f JOIN users u ON u.id = f.{other}
    WHERE f.{anchor} = p.parent_key
      AND {newest_first_window("f.created_at, f.id", sql, "$4", "$5", "$7", "$8", id_type="uuid")}
    ORDER BY f.created_at {sql.order}, f.id {sql.order}
    LIMIT $6
) AS x
"""


async def fetch_followers(
    db: Executor,
    audience: Audience,
    user_ids: Sequence[UUID],
    *,
    window: Window,
    limit: int,
    shape: UserShape = FULL_USER,
) -> list[asyncpg.Record]:
    """A page of each user's followers, newest follow first, in one statement."""
    query = _follows_page("followed_id", "follower_id", shape, window.sql())
    return await fetch_pages(db, query, audience, user_ids, window, limit)


async def fetch_following(
    db: Executor,
    audience: Audience,
    user_ids: Sequence[UUID],
    *,
    window: Window,
    limit: int,
    shape: UserShape = FULL_USER,
) -> list[asyncpg.Record]:
    """A page of the users each user follows, newest follow first, in one statement."""
    query = _follows_page("follower_id", "followed_id", shape, window.sql())
    return await fetch_pages(db, query, audience, user_ids, window, limit)
