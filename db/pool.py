"""The asyncpg pool: JSON as Python objects, UUIDs as uuid.UUID, statements counted, each
statement bounded in time, each planned once, and connections the server ended never used."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import asyncpg

from db import jsonb, timestamps
from db.errors import stale_connection, unavailable
from db.executor import Executor

T = TypeVar("T")

_counters: ContextVar[tuple[list[int], ...]] = ContextVar("statement_counters", default=())
_captures: ContextVar[tuple[list[tuple[str, tuple[Any, ...]]], ...]] = ContextVar(
    "statement_captures", default=()
)

# asyncpg introspects array types on first use, per connection: done here, at connect, so no
# request pays (or counts) those extra round trips.
_WARM_UP = "SELECT NULL::bigint[], NULL::uuid[], NULL::text[], NULL::integer[], NULL::boolean[]"


def _record_statement(query: str, args: tuple[Any, ...]) -> None:
    """Count and capture a statement the pool runs: here, where an asyncpg query logger would
    time each statement in a context manager, build a record of it and schedule a callback
    (17 us a statement)."""
    for counter in _counters.get():
        counter[0] += 1
    for capture in _captures.get():
        capture.append((query, args))


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Count the SQL statements the pool runs while inside (in this task and the tasks it
    starts); not those of a connection taken with `acquire` (a transaction of a task)."""
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


@contextmanager
def statements_unseen() -> Iterator[None]:
    """Statements run while inside are neither counted nor captured (in this task and the
    tasks it starts): the differential tests run each query a second time, through the
    reference executor, and what counts or captures statements must see the request's own."""
    counters = _counters.set(())
    captures = _captures.set(())
    try:
        yield
    finally:
        _captures.reset(captures)
        _counters.reset(counters)


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode json/jsonb to Python objects (asyncpg returns them as str by default); a stored
    value the response cannot carry decodes to jsonb.Unsendable, never an error. Timestamps
    travel as text (db/timestamps.py): the connection must have opened with its
    SESSION_SETTINGS."""
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, schema="pg_catalog", encoder=jsonb.encode, decoder=jsonb.decode
        )
    await conn.set_type_codec(
        "timestamptz",
        schema="pg_catalog",
        encoder=timestamps.encode,
        decoder=timestamps.decode,
        format="text",
    )


async def _init(conn: asyncpg.Connection) -> None:
    await init_connection(conn)
    await conn.prepare(_WARM_UP)


async def _reset(conn: asyncpg.Connection) -> None:
    """Replaces asyncpg's reset query, a round trip on every release: pooled connections
    hold no session state (LISTEN has its own connection), only a transaction to end."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


# How the pool's sessions plan. PostgreSQL plans a prepared statement anew for every
# execution (a custom plan) whenever its plan for any values (the generic plan) looks
# costlier, and for our statements it always does: the visibility predicate folds away with
# the values known, and a LIMIT of a parameter is taken as a tenth of the table. Measured on
# the benchmark's data, PostgreSQL's CPU a statement: the list page 0.84-0.93 ms with custom
# plans, 0.34-0.38 generic; the entry page's four 3.0 ms, 1.0 generic; the feed's page the
# same either way. So each statement is planned once per connection, for any values. JIT is
# off: a generic plan's cost (that tenth of the table) passes its threshold, and compiling
# then costs 25 ms a statement, while none of these statements runs long enough to gain.
# A statement whose best plan depends on its values runs through `fetch_planned_for_its_values`.
# Memoize is off: a Memoize node builds its cache at every execution's start, sized by the
# rows the planner expects (that tenth of the table again), and a page of at most a hundred
# rows never repeats a key enough to repay it. The list page's statement with one: 0.48 ms of
# PostgreSQL's CPU, 0.19 without; no other statement of the benchmark's pages changed.
PLANNING = {"plan_cache_mode": "force_generic_plan", "jit": "off", "enable_memoize": "off"}

# How long opening a connection may take: an unreachable host answers nothing at all.
CONNECT_TIMEOUT_SECONDS = 5.0


class _Pool(asyncpg.Pool):  # type: ignore[misc]
    """asyncpg's pool, with two differences for the four statement methods the request path
    uses (execute, fetch, fetchrow, fetchval):

    - A statement takes an idle connection and puts it back itself (`_take_idle`,
      `_may_put_back`). asyncpg's `Pool.fetch` wraps each statement in an acquire context, a
      queue get, a connection proxy and a shielded release coroutine: about 80 us of CPU, as
      much as the statement's own round trip (`SELECT 1`: 190 us through the pool, 110 us
      taken this way). Whatever is out of the ordinary goes asyncpg's way: no connection
      idle (the statement then waits in the pool's queue), a connection of an older
      generation, closed, at its query limit, cancelling or in a transaction.
    - A statement that finds its connection already ended by the server
      (db.errors.stale_connection: it never ran) runs again on a new connection. The server
      ending one idle session (a shutdown or restart) usually ends them all, so every open
      connection is replaced rather than tried in turn.
    """

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> str:
        return await self._on_a_live_connection("execute", query, args, kwargs)  # type: ignore[no-any-return]

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> list[Any]:
        return await self._on_a_live_connection("fetch", query, args, kwargs)  # type: ignore[no-any-return]

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        return await self._on_a_live_connection("fetchrow", query, args, kwargs)

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        return await self._on_a_live_connection("fetchval", query, args, kwargs)

    async def _on_a_live_connection(
        self, method: str, query: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        _record_statement(query, args)  # once: a statement run again had never run
        try:
            return await self._statement(method, query, args, kwargs)
        except asyncpg.InternalClientError as error:
            if not stale_connection(error):
                raise
        await self.expire_connections()
        return await self._statement(method, query, args, kwargs)

    async def _statement(
        self, method: str, query: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        holder = self._take_idle()
        if holder is None:
            async with self.acquire() as connection:
                return await getattr(connection, method)(query, *args, **kwargs)
        in_use = holder._in_use
        try:
            return await getattr(holder._con, method)(query, *args, **kwargs)
        finally:
            # A connection that closed meanwhile was handed back by its close.
            if holder._in_use is in_use:
                if self._may_put_back(holder):
                    holder._release()
                    holder._setup_inactive_callback()
                else:
                    await asyncio.shield(holder.release(None))

    def _take_idle(self) -> Any:
        """An idle holder with an open connection of this generation, marked in use as
        asyncpg's acquire marks it; None when asyncpg's acquire must run."""
        if self._closing or self._closed or not self._initialized or self._setup is not None:
            return None
        idle = self._queue._queue  # as the queue's get would take one: first come, first served
        generation = self._generation
        for index in range(len(idle) - 1, -1, -1):  # the most recently used first, as asyncpg
            holder = idle[index]
            connection = holder._con
            if (
                connection is not None
                and holder._generation == generation
                and not connection.is_closed()
            ):
                del idle[index]
                holder._maybe_cancel_inactive_callback()
                holder._timeout = None
                holder._in_use = self._loop.create_future()
                return holder
        return None

    def _may_put_back(self, holder: Any) -> bool:
        """What asyncpg's release would find nothing to do about: the connection open, under
        its query limit, of this generation, not cancelling a statement, in no transaction."""
        connection = holder._con
        if connection is None or connection.is_closed():
            return False
        protocol = connection._protocol
        return bool(
            protocol.queries_count < holder._max_queries
            and holder._generation == self._generation
            and not protocol._is_cancelling()
            and not connection.is_in_transaction()
            and connection._top_xact is None
        )


class _OutageInALine(logging.Filter):
    """asyncpg's pool logs each failure to reopen its connections with a traceback; while the
    database is down that is news in a line, not a bug."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and unavailable(error):
            record.msg = f"{record.getMessage()}: {error}"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


_ASYNCPG_POOL_LOG = logging.getLogger("asyncpg.pool")
_ASYNCPG_POOL_LOG.addFilter(_OutageInALine())
logger = logging.getLogger("resonance.pool")

# How long closing the pool waits for its connections to come back (requests still running
# at shutdown, or a connection never released) before it terminates them.
CLOSE_TIMEOUT_SECONDS = 10.0


async def close_pool(pool: asyncpg.Pool, within: float = CLOSE_TIMEOUT_SECONDS) -> None:
    """Close gracefully, or terminate what is still out after `within` seconds: asyncpg's own
    close waits for every connection forever, so one never released would hang the shutdown."""
    try:
        await asyncio.wait_for(pool.close(), within)
    except TimeoutError:
        logger.warning("connections still in use after %g s: terminated", within)
        pool.terminate()


async def create_pool(
    dsn: str,
    *,
    min_size: int = 2,
    max_size: int = 20,
    statement_timeout_ms: int | None = None,
) -> asyncpg.Pool:
    """The pool; with `statement_timeout_ms` (0: none), PostgreSQL cancels any statement on
    its connections that runs longer (set when each connects: no round trip)."""
    server_settings = {**timestamps.SESSION_SETTINGS, **PLANNING}
    if statement_timeout_ms is not None:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    # What asyncpg.create_pool does, with this class (it takes no class of pool).
    pool: asyncpg.Pool = await _Pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        init=_init,
        reset=_reset,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        timeout=CONNECT_TIMEOUT_SECONDS,
        server_settings=server_settings,
    )
    return pool


async def fetch_planned_for_its_values(db: Executor, query: str, *args: Any) -> list[Any]:
    """`db.fetch(query, *args)` planned for these values, not once for any (PLANNING): for a
    statement whose best plan turns on them, as entries with a tag do on how common the tag
    is (its generic plan reads every entry with a common tag and sorts them: 0.7 s on the
    benchmark's data, 1 ms planned for the tag). Four round trips, not one: the setting is
    made in a transaction, so it ends with it however the statement ends."""
    on_a_replica = getattr(db, "fetch_planned_for_its_values", None)
    if on_a_replica is not None:  # a replica's reads (db/replicas.py): the primary's if it fails
        rows: list[Any] = await on_a_replica(query, *args)
        return rows
    _record_statement(query, args)
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as connection:
            return await _planned_for_its_values(connection, query, args)
    return await _planned_for_its_values(db, query, args)


async def _planned_for_its_values(
    connection: Executor, query: str, args: tuple[Any, ...]
) -> list[Any]:
    async with connection.transaction():  # type: ignore[attr-defined]
        await connection.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        return await connection.fetch(query, *args)


async def connect(dsn: str) -> asyncpg.Connection:
    """One connection with the pool's codecs, for commands and tests."""
    conn: asyncpg.Connection = await asyncpg.connect(
        dsn, server_settings=timestamps.SESSION_SETTINGS
    )
    await init_connection(conn)
    return conn
