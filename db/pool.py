"""The asyncpg pool: JSON as Python objects, UUIDs as uuid.UUID, statements counted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg

from db import jsonb

_counters: ContextVar[tuple[list[int], ...]] = ContextVar("statement_counters", default=())
_captures: ContextVar[tuple[list[tuple[str, tuple[Any, ...]]], ...]] = ContextVar(
    "statement_captures", default=()
)

# asyncpg introspects array types on first use, per connection: done here, at connect, so no
# request pays (or counts) those extra round trips.
_WARM_UP = "SELECT NULL::bigint[], NULL::uuid[], NULL::text[], NULL::integer[], NULL::boolean[]"


def _count_statement(record: Any) -> None:
    for counter in _counters.get():
        counter[0] += 1
    for capture in _captures.get():
        capture.append((record.query, tuple(record.args)))


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Count the SQL statements run while inside (in this task and the tasks it starts)."""
    counter = [0]
    token = _counters.set((*_counters.get(), counter))
    try:
        yield counter
    finally:
        _counters.reset(token)


@contextmanager
def capturing_statements() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Record each statement run while inside, with its arguments (the benchmark's floor
    replays exactly what the server ran)."""
    capture: list[tuple[str, tuple[Any, ...]]] = []
    token = _captures.set((*_captures.get(), capture))
    try:
        yield capture
    finally:
        _captures.reset(token)


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode json/jsonb to Python objects (asyncpg returns them as str by default); a stored
    value the response cannot carry decodes to jsonb.Unsendable, never an error."""
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, schema="pg_catalog", encoder=jsonb.encode, decoder=jsonb.decode
        )


async def _init(conn: asyncpg.Connection) -> None:
    await init_connection(conn)
    await conn.prepare(_WARM_UP)
    conn.add_query_logger(_count_statement)


async def _reset(conn: asyncpg.Connection) -> None:
    """Replaces asyncpg's reset query, a round trip on every release: pooled connections
    hold no session state (LISTEN has its own connection), only a transaction to end."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 20) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init, reset=_reset
    )
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    """One connection with the pool's codecs, for commands and tests."""
    conn: asyncpg.Connection = await asyncpg.connect(dsn)
    await init_connection(conn)
    return conn
