"""Row writes with none of the API's checks: for tests, the benchmark's floor and operators.

No viewer, no profile, no visibility: each writes the row it is told to and lets the
triggers move the counters, so a test can build any state and the benchmark can measure the
bare cost of a write. The API never calls these; its writes are db/mutations.py, which check
what the API promises in the same statement. The names say which row is written
(`insert_resonance`), never the API operation (`resonate`), so each operation has one name.

Inserts and deletes of interactions are idempotent (ON CONFLICT DO NOTHING, DELETE of a
missing row) and return whether a row changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from db.executor import Executor


async def insert_user(
    conn: Executor,
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


async def delete_user(conn: Executor, user_id: UUID) -> bool:
    """Delete a user and, by cascade, all the user made and did, through delete_user() (0009),
    which locks the user and its follow neighbours in id order first, so a follow or unfollow
    running meanwhile waits instead of deadlocking."""
    deleted: bool = await conn.fetchval("SELECT delete_user($1)", user_id)
    return deleted


async def insert_entry(
    conn: Executor,
    *,
    user_id: UUID,
    content: str,
    type: str = "logbook",
    title: str | None = None,
    agent: str | None = None,
    privacy: str = "public",
    tags: Sequence[str] = (),
    metadata: Any = None,
    parent_id: int | None = None,
) -> asyncpg.Record:
    """A parent_id makes a branch: the triggers record it and count it."""
    row: asyncpg.Record = await conn.fetchrow(
        """
        INSERT INTO stream_entries
            (user_id, content, type, title, agent, privacy, tags, metadata, parent_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        RETURNING *
        """,
        user_id,
        content,
        type,
        title,
        agent,
        privacy,
        list(tags),
        metadata,
        parent_id,
    )
    return row


async def delete_entry_row(conn: Executor, entry_id: int) -> bool:
    """Delete an entry and its interactions; its branches stay, as roots."""
    status: str = await conn.execute("DELETE FROM stream_entries WHERE id = $1", entry_id)
    return status == "DELETE 1"


async def insert_resonance(conn: Executor, *, user_id: UUID, entry_id: int) -> bool:
    status: str = await conn.execute(
        "INSERT INTO user_resonances (user_id, entry_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        user_id,
        entry_id,
    )
    return status == "INSERT 0 1"


async def delete_resonance(conn: Executor, *, user_id: UUID, entry_id: int) -> bool:
    status: str = await conn.execute(
        "DELETE FROM user_resonances WHERE user_id = $1 AND entry_id = $2", user_id, entry_id
    )
    return status == "DELETE 1"


async def insert_amplification(conn: Executor, *, user_id: UUID, entry_id: int) -> bool:
    status: str = await conn.execute(
        "INSERT INTO user_amplifications (user_id, entry_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        user_id,
        entry_id,
    )
    return status == "INSERT 0 1"


async def delete_amplification(conn: Executor, *, user_id: UUID, entry_id: int) -> bool:
    status: str = await conn.execute(
        "DELETE FROM user_amplifications WHERE user_id = $1 AND entry_id = $2", user_id, entry_id
    )
    return status == "DELETE 1"


async def record_share(conn: Executor, *, entry_id: int) -> int:
    """Count one share (record_share, 0002); returns the new share count."""
    count: int = await conn.fetchval("SELECT share_count FROM record_share($1)", entry_id)
    return count


async def insert_follow(conn: Executor, *, follower_id: UUID, followed_id: UUID) -> bool:
    status: str = await conn.execute(
        "INSERT INTO user_follows (follower_id, followed_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        follower_id,
        followed_id,
    )
    return status == "INSERT 0 1"


async def delete_follow(conn: Executor, *, follower_id: UUID, followed_id: UUID) -> bool:
    status: str = await conn.execute(
        "DELETE FROM user_follows WHERE follower_id = $1 AND followed_id = $2",
        follower_id,
        followed_id,
    )
    return status == "DELETE 1"
