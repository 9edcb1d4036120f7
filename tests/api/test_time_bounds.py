"""Time bounds: a statement past DB_STATEMENT_TIMEOUT_MS, or a query or mutation past
REQUEST_TIMEOUT_MS, ends with TIMEOUT; the server carries on, on the very same connection.

The slow statement is a db function swapped for one that runs pg_sleep (in this process), or
a table the test holds locked (for a server process, over the WebSocket).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from db import mutations as db_mutations
from db.pool import create_pool
from db.trending import refresh_trending
from resolvers import users
from server.app import create_app
from server.settings import Settings
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import token_for
from tests.ops.conftest import Served
from tests.subscriptions import wsclient

# Guards against a hang; the bounds under test are far shorter.
PATIENCE_SECONDS = 20
LOOKUP = '{ user(username: "ada") { id } }'
ANOTHER = "{ entries(first: 1) { nodes { id } } }"
SLEEPING = (
    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'"
)


@asynccontextmanager
async def serving(
    settings: Settings, *, statement_timeout_ms: int = 5_000, request_timeout_ms: int = 10_000
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with these time bounds and a pool of one connection, so the request after a
    cancelled statement runs on the connection it ran on."""
    bounded = replace(
        settings,
        pool_min_size=1,
        pool_max_size=1,
        statement_timeout_ms=statement_timeout_ms,
        request_timeout_ms=request_timeout_ms,
    )
    app = create_app(bounded)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def post(client: httpx.AsyncClient, query: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    async with asyncio.timeout(PATIENCE_SECONDS):
        response = await client.post("/graphql", json={"query": query}, **kw)
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def _sleep(db: Any, *args: object) -> None:
    await db.execute("SELECT pg_sleep(60)")


@pytest.fixture
def slow_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """`user(username:)` runs a statement that takes a minute."""
    monkeypatch.setattr(users, "fetch_user_by_username", _sleep)


@pytest.mark.usefixtures("slow_lookup")
async def test_a_statement_past_the_statement_timeout_is_timeout_and_the_next_is_served(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    async with serving(settings, statement_timeout_ms=300, request_timeout_ms=0) as client:
        status, body = await post(client, LOOKUP)
        assert (status, body["data"]) == (200, None)
        [error] = body["errors"]
        assert error["extensions"] == {"code": "TIMEOUT"}
        assert error["message"] == "a database statement ran past its time bound"
        status, body = await post(client, ANOTHER)
        assert (status, body.get("errors")) == (200, None)


@pytest.mark.usefixtures("slow_lookup")
async def test_a_query_past_its_deadline_is_timeout_and_its_statement_is_cancelled(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    async with serving(settings, statement_timeout_ms=0, request_timeout_ms=300) as client:
        status, body = await post(client, LOOKUP)
        assert (status, body["data"]) == (200, None)
        [error] = body["errors"]
        assert error["extensions"] == {"code": "TIMEOUT"}
        assert error["message"] == "the request ran past its time bound of 0.3 s"
        # The only connection comes back once PostgreSQL has stopped the statement.
        status, body = await post(client, ANOTHER)
        assert (status, body.get("errors")) == (200, None)
        assert await conn.fetchval(SLEEPING) == 0


async def test_a_mutation_past_its_deadline_is_timeout(
    settings: Settings, conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_mutations, "share", _sleep)
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    share = f'mutation {{ share(entryId: "{entry_gid(entry)}") {{ id }} }}'
    headers = {"Authorization": f"Bearer {token_for(author['id'])}"}
    async with serving(settings, request_timeout_ms=300) as client:
        status, body = await post(client, share, headers=headers)
    assert (status, body["data"]) == (200, None)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TIMEOUT"]


async def test_the_pools_connections_carry_the_statement_timeout(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    pool = await create_pool(settings.database_url, min_size=1, statement_timeout_ms=1234)
    try:
        assert await pool.fetchval("SHOW statement_timeout") == "1234ms"
    finally:
        await pool.close()


async def test_the_trending_refresh_the_servers_own_work_is_not_bound_by_it(
    database_url: str, conn: asyncpg.Connection
) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1, statement_timeout_ms=200)
    try:
        async with pool.acquire() as pooled:
            # The view's query waits for this lock: the refresh takes longer than the bound.
            async with conn.transaction():
                await conn.execute("LOCK TABLE user_resonances IN ACCESS EXCLUSIVE MODE")
                refreshing = asyncio.create_task(refresh_trending(pooled))
                await asyncio.sleep(0.5)
                assert not refreshing.done()
            async with asyncio.timeout(PATIENCE_SECONDS):
                assert await refreshing
    finally:
        await pool.close()


# Over the WebSocket, in a server process: the same deadline for queries, none for
# subscriptions, whose snapshot reads the statement timeout bounds.

DEADLINE_MS = 300
STATEMENT_TIMEOUT_MS = 2000


@pytest.fixture(scope="module")
def bounded_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    bounds = {
        "REQUEST_TIMEOUT_MS": str(DEADLINE_MS),
        "DB_STATEMENT_TIMEOUT_MS": str(STATEMENT_TIMEOUT_MS),
    }
    with pytest.MonkeyPatch.context() as env:
        for name, value in bounds.items():
            env.setenv(name, value)
        server = Served(database_url, Path(tmp_path_factory.mktemp("bounds")) / "server.log")
    yield server
    server.stop()


def ws_url(server: Served) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


@asynccontextmanager
async def locked(conn: asyncpg.Connection, table: str) -> AsyncIterator[None]:
    """Every statement reading `table` waits while inside."""
    async with conn.transaction():
        await conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield


async def test_a_query_over_the_websocket_past_its_deadline_is_timeout(
    bounded_server: Served, conn: asyncpg.Connection
) -> None:
    ws = await wsclient.open_connection(ws_url(bounded_server))
    try:
        subscriber = wsclient.Subscriber(ws, wsclient.TRANSPORT_WS)
        assert (await subscriber.message())["type"] == "connection_ack"
        async with locked(conn, "users"):
            payload = {"query": LOOKUP}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            message = await subscriber.message()
        assert message["type"] == "error", message
        assert [e["extensions"]["code"] for e in message["payload"]] == ["TIMEOUT"]
    finally:
        await ws.close()


async def test_a_subscription_outlives_the_deadline(
    bounded_server: Served, conn: asyncpg.Connection
) -> None:
    """Its snapshot read waits three deadlines for the lock, then the counts come."""
    entry = await make_entry(conn, await make_user(conn))
    variables = {"id": entry_gid(entry)}
    async with locked(conn, "stream_entries"):
        subscriber = await wsclient.start(ws_url(bounded_server), wsclient.ENTRY_COUNTS, variables)
        await asyncio.sleep(3 * DEADLINE_MS / 1000)
    try:
        event = await subscriber.event()
        assert event["entryCounts"]["entryId"] == variables["id"]
    finally:
        await subscriber.ws.close()


async def test_a_subscriptions_snapshot_read_past_the_statement_timeout_is_timeout(
    bounded_server: Served, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    variables = {"id": entry_gid(entry)}
    async with locked(conn, "stream_entries"):
        subscriber = await wsclient.start(ws_url(bounded_server), wsclient.ENTRY_COUNTS, variables)
        try:
            message = await subscriber.message()
            end = await subscriber.message()
        finally:
            await subscriber.ws.close()
    assert message["type"] == "next", message
    assert message["payload"]["data"] is None
    assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["TIMEOUT"]
    assert end["type"] == "complete"
