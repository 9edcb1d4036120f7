"""Writes of user rows. Counter columns are the triggers' alone and never appear here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from db.columns import fetch_pages, user_columns
from db.executor import Executor
from db.visibility import Audience


async def insert_user(
    conn: asyncpg.Connection,
    *,
    user_id: UUID,
    username: str,
    email: str | None = None,
    name: str | None = None,
    bio: str | None = None,
    location: str | None = None,
    avatar: str | None = None,
    role: str = "user",
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        """
        INSERT INTO users (id, username, email, name, bio, location, avatar, role)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING *
        """,
        user_id,
        username,
        email,
        name,
        bio,
        location,
        avatar,
        role,
    )
    return row


# The users whose counts the cascade changes: those the user follows and those following it.
_NEIGHBOURS = """
SELECT id FROM users WHERE id IN (
    SELECT followed_id FROM user_follows WHERE follower_id = $1
    UNION SELECT follower_id FROM user_follows WHERE followed_id = $1
) AND id {side} $1
ORDER BY id
FOR NO KEY UPDATE
"""
_NEIGHBOURS_BELOW = _NEIGHBOURS.format(side="<")
_NEIGHBOURS_ABOVE = _NEIGHBOURS.format(side=">")


async def delete_user(conn: asyncpg.Connection, user_id: UUID) -> bool:
    """Delete a user and, by cascade, all the user made and did.

    The cascade updates the follow counts of every user it follows or is followed by. Those
    rows, and the user's own, are locked first, in id order, the order the follow trigger
    locks its two rows in: a follow or unfollow running meanwhile waits instead of
    deadlocking. The user's own row gets the lock a delete takes, the others the lock of a
    counts update (which lets inserts that only reference them through a key go on).
    """
    async with conn.transaction():
        await conn.execute(_NEIGHBOURS_BELOW, user_id)
        await conn.execute("SELECT FROM users WHERE id = $1 FOR UPDATE", user_id)
        await conn.execute(_NEIGHBOURS_ABOVE, user_id)
        status: str = await conn.execute("DELETE FROM users WHERE id = $1", user_id)
    return status == "DELETE 1"


# Reads: every row carries the viewer's flags and hides the email from all but its owner.

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


def _follows_page(anchor: str, other: str) -> str:
    """Users on the `other` side of follows whose `anchor` side is each key, newest first."""
    return f"""
SELECT p.parent_key, x.* FROM unnest($3::uuid[]) AS p (parent_key)
CROSS JOIN LATERAL (
    SELECT f.created_at AS edge_created_at, f.id AS edge_id, {user_columns("u")}
    FROM user_follows f JOIN users u ON u.id = f.{other}
    WHERE f.{anchor} = p.parent_key
      AND (f.created_at, f.id) < (COALESCE($4::timestamptz, 'infinity'),
                                  COALESCE($5::uuid, '00000000-0000-0000-0000-000000000000'))
    ORDER BY f.created_at DESC, f.id DESC
    LIMIT $6
) AS x
"""


_FOLLOWERS = _follows_page("followed_id", "follower_id")
_FOLLOWING = _follows_page("follower_id", "followed_id")

FollowKeyset = tuple[datetime, UUID]


async def fetch_followers(
    db: Executor,
    audience: Audience,
    user_ids: Sequence[UUID],
    *,
    after: FollowKeyset | None,
    limit: int,
) -> list[asyncpg.Record]:
    """A page of each user's followers, newest follow first, in one statement."""
    return await fetch_pages(db, _FOLLOWERS, audience, user_ids, after, limit)


async def fetch_following(
    db: Executor,
    audience: Audience,
    user_ids: Sequence[UUID],
    *,
    after: FollowKeyset | None,
    limit: int,
) -> list[asyncpg.Record]:
    """A page of the users each user follows, newest follow first, in one statement."""
    return await fetch_pages(db, _FOLLOWING, audience, user_ids, after, limit)
