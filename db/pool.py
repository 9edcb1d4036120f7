"""The asyncpg pool: JSON as Python objects, UUIDs as uuid.UUID, an optional query hook."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import asyncpg

QueryLogger = Callable[[Any], None]


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode json/jsonb to Python objects (asyncpg returns them as str by default)."""
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, schema="pg_catalog", encoder=json.dumps, decoder=json.loads
        )


async def create_pool(
    dsn: str,
    *,
    min_size: int = 2,
    max_size: int = 20,
    query_logger: QueryLogger | None = None,
) -> asyncpg.Pool:
    """Create the pool; `query_logger` sees every statement (tests count them with it)."""

    async def init(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        if query_logger is not None:
            conn.add_query_logger(query_logger)

    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=init
    )
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    """One connection with the pool's codecs, for commands and tests."""
    conn: asyncpg.Connection = await asyncpg.connect(dsn)
    await init_connection(conn)
    return conn
