"""Over WebSocket, each operation is charged to the client's rate budget when it starts."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from math import ceil
from typing import Any

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection

from schema.limits import PARSE_BYTES_PER_UNIT
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import token_for
from tests.subscriptions.conftest import ServerProcess, serve
from tests.subscriptions.wsclient import (
    ENTRY_COUNTS,
    PROTOCOLS,
    TRANSPORT_WS,
    open_connection,
)


def subscription_for(protocol: str) -> str:
    """ENTRY_COUNTS as a document of its own for each protocol, so each test's viewer pays
    for parsing it."""
    return f"{ENTRY_COUNTS}# over {protocol:>20}\n"  # the same length for each


# Parsing the subscription (a unit per 10 bytes, once), then three operations costing 1.
PARSING = max(ceil(len(subscription_for(p)) / PARSE_BYTES_PER_UNIT) for p in PROTOCOLS)
BUDGET = PARSING + 3


@pytest.fixture(scope="module")
def budgeted_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    yield from serve(database_url, tmp_path_factory, MAX_COST_PER_MINUTE=str(BUDGET))


async def send(
    ws: ClientConnection, protocol: str, operation: str, query: str, **variables: Any
) -> None:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": operation, "type": kind, "payload": payload}))


async def first_answer(ws: ClientConnection, operation: str) -> dict[str, Any]:
    """The first message for `operation` (keep-alives and other operations skipped)."""
    async with asyncio.timeout(5):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message.get("id") == operation:
                return message


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_each_subscription_and_query_is_charged_when_it_starts(
    conn: asyncpg.Connection, budgeted_server: ServerProcess, protocol: str
) -> None:
    author = await make_user(conn)
    entry = entry_gid(await make_entry(conn, author))
    viewer = token_for(uuid.uuid4())  # a budget of its own
    ws = await open_connection(
        budgeted_server.ws_url, protocol=protocol, init_payload={"authToken": viewer}
    )
    try:
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        document = subscription_for(protocol)
        assert ceil(len(document) / PARSE_BYTES_PER_UNIT) == PARSING
        for operation in ("1", "2", "3"):
            await send(ws, protocol, operation, document, id=entry)
            assert (await first_answer(ws, operation))["type"] in ("next", "data")
        await send(ws, protocol, "4", document, id=entry)
        refused = await first_answer(ws, "4")
    finally:
        await ws.close()
    assert refused["type"] == "error"
    payload = refused["payload"]
    [error] = payload if protocol == TRANSPORT_WS else [payload]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] >= 1
    assert error["extensions"]["cost"] == 1
