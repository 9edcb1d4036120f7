"""Tiny builders for test data: rows written directly (db/unchecked.py), with none of the
API's checks, so a test can set up any state; and readers of the counters as stored."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import asyncpg

from db.unchecked import insert_entry, insert_user
from resolvers.ids import encode_id

_serial = itertools.count(1)


async def make_user(conn: asyncpg.Connection, **fields: Any) -> asyncpg.Record:
    n = next(_serial)
    fields.setdefault("user_id", uuid.uuid4())
    fields.setdefault("username", f"user_{n}")
    return await insert_user(conn, **fields)


async def make_entry(
    conn: asyncpg.Connection, author: asyncpg.Record, **fields: Any
) -> asyncpg.Record:
    fields.setdefault("content", f"entry {next(_serial)}")
    return await insert_entry(conn, user_id=author["id"], **fields)


async def counts(conn: asyncpg.Connection, entry_id: int) -> dict[str, int]:
    row = await conn.fetchrow(
        "SELECT resonance_count, branch_count, amplification_count, share_count"
        " FROM entry_interaction_counts WHERE entry_id = $1",
        entry_id,
    )
    assert row is not None, f"entry {entry_id} has no counts row"
    return dict(row)


async def follow_counts(conn: asyncpg.Connection, user_id: uuid.UUID) -> tuple[int, int]:
    row = await conn.fetchrow(
        "SELECT follower_count, following_count FROM users WHERE id = $1", user_id
    )
    assert row is not None
    return row["follower_count"], row["following_count"]


def entry_gid(row: asyncpg.Record | int) -> str:
    return encode_id("Entry", row if isinstance(row, int) else row["id"])


def user_gid(row: asyncpg.Record | uuid.UUID) -> str:
    return encode_id("User", row if isinstance(row, uuid.UUID) else row["id"])
