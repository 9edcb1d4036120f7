"""Writes of entry rows. A parent_id makes a branch: the triggers record it and count it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg


async def insert_entry(
    conn: asyncpg.Connection,
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


async def delete_entry(conn: asyncpg.Connection, entry_id: int) -> bool:
    """Delete an entry and its interactions; its branches stay, as roots."""
    status: str = await conn.execute("DELETE FROM stream_entries WHERE id = $1", entry_id)
    return status == "DELETE 1"
