"""A pooled connection the server ended while it sat idle is never used for a statement.

PostgreSQL ending a session (a shutdown, a restart, pg_terminate_backend) sends the idle
connection an error and then closes it; asyncpg reads the error at once but the close only
later. A connection handed out in between used to fail its statement with "cannot switch to
state 12; another operation (2) is in progress", answered INTERNAL. A proxy that forwards the
error but holds the close back makes that moment last as long as the test needs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from db.errors import stale_connection, unavailable
from db.pool import create_pool
from tests.conftest import with_database


class HoldingProxy:
    """A TCP proxy to PostgreSQL that forwards everything but the server's closing of a
    connection, which waits until `release()`."""

    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self._released = asyncio.Event()
        self.server_closed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def release(self) -> None:
        self._released.set()

    async def stop(self) -> None:
        self.release()
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        server_r, server_w = await asyncio.open_connection(*self._upstream)
        await asyncio.gather(
            self._pipe(client_r, server_w, hold=False),
            self._pipe(server_r, client_w, hold=True),
            return_exceptions=True,
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, hold: bool
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        if hold:
            self.server_closed.set()
            await self._released.wait()
        writer.close()


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[HoldingProxy]:
    parts = urlsplit(database_url)
    running = HoldingProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await running.start()
    yield running
    await running.stop()


def _through(database_url: str, proxy: HoldingProxy) -> str:
    name = urlsplit(database_url).path.lstrip("/")
    return with_database(f"postgresql://postgres@127.0.0.1:{proxy.port}", name)


async def _end_sessions(conn: asyncpg.Connection, pids: list[int]) -> None:
    for pid in pids:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)


async def test_a_statement_skips_a_connection_the_server_ended_meanwhile(
    database_url: str, proxy: HoldingProxy, conn: asyncpg.Connection
) -> None:
    pool = await create_pool(_through(database_url, proxy), min_size=1, max_size=1)
    try:
        ended = await pool.fetchval("SELECT pg_backend_pid()")
        await _end_sessions(conn, [ended])
        await proxy.server_closed.wait()
        await asyncio.sleep(0.1)  # the error reaches the idle connection; its close does not
        assert await pool.fetchval("SELECT pg_backend_pid()") != ended
    finally:
        proxy.release()
        await pool.close()


async def test_every_connection_open_then_is_replaced_not_tried_in_turn(
    database_url: str, proxy: HoldingProxy, conn: asyncpg.Connection
) -> None:
    pool = await create_pool(_through(database_url, proxy), min_size=3, max_size=3)
    try:
        async with pool.acquire() as a, pool.acquire() as b, pool.acquire() as c:
            ended = [await each.fetchval("SELECT pg_backend_pid()") for each in (a, b, c)]
        await _end_sessions(conn, ended)
        await proxy.server_closed.wait()
        await asyncio.sleep(0.1)
        pids = [await pool.fetchval("SELECT pg_backend_pid()") for _ in ended]
        assert set(pids).isdisjoint(ended)
    finally:
        proxy.release()
        await pool.close()


async def test_such_a_connection_is_unavailable_to_those_who_hold_it(
    database_url: str, proxy: HoldingProxy, conn: asyncpg.Connection
) -> None:
    """Code holding a connection of its own (a transaction) cannot be given another: the
    error it gets says the database went away, which is what happened."""
    pool = await create_pool(_through(database_url, proxy), min_size=1, max_size=1)
    try:
        async with pool.acquire() as held:
            await _end_sessions(conn, [await held.fetchval("SELECT pg_backend_pid()")])
            await proxy.server_closed.wait()
            await asyncio.sleep(0.1)
            with pytest.raises(asyncpg.InternalClientError) as raised:
                await held.fetchval("SELECT 1")
        assert stale_connection(raised.value)
        assert unavailable(raised.value)
    finally:
        proxy.release()
        await pool.close()
