"""Writes of user rows. Counter columns are the triggers' alone and never appear here."""

from __future__ import annotations

from uuid import UUID

import asyncpg


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


async def delete_user(conn: asyncpg.Connection, user_id: UUID) -> bool:
    """Delete a user and, by cascade, all the user made and did."""
    status: str = await conn.execute("DELETE FROM users WHERE id = $1", user_id)
    return status == "DELETE 1"
