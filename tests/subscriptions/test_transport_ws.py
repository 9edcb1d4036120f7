"""Over both WebSocket protocols, every abuse gets a coded answer: an operation that fails gets
an `error` with codes, a malformed message closes the socket with 4400 (1009 when too large),
an idle socket is closed (4408), and an expired token closes it (4403) and runs nothing after.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.factories import make_user, user_gid
from tests.graphql import token_for
from tests.subscriptions.conftest import ServerProcess, serve
from tests.subscriptions.wsclient import (
    LEGACY_WS,
    PROTOCOLS,
    TRANSPORT_WS,
    USER_COUNTS,
    eventually,
    open_connection,
)

PATIENCE = 10.0
FOLLOW = "mutation ($id: ID!) { follow(userId: $id) { followerCount } }"
UNFOLLOW = "mutation ($id: ID!) { unfollow(userId: $id) { followerCount } }"


async def connected(url: str, protocol: str, **kwargs: Any) -> ClientConnection:
    """A connection the server acknowledged."""
    ws = await open_connection(url, protocol=protocol, **kwargs)
    ack = json.loads(await asyncio.wait_for(ws.recv(), PATIENCE))
    assert ack["type"] == "connection_ack", ack
    return ws


def operation(
    protocol: str, query: Any, variables: Any = None, op_id: str = "1", **payload: Any
) -> str:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    fields = {"query": query, **payload}
    if variables is not None:
        fields["variables"] = variables
    return json.dumps({"id": op_id, "type": kind, "payload": fields})


async def message_for(ws: ClientConnection, op_id: str) -> dict[str, Any]:
    """The next message about operation `op_id` (keep-alives and others skipped)."""
    async with asyncio.timeout(PATIENCE):
        while True:
            message: dict[str, Any] = json.loads(await ws.recv())
            if message.get("id") == op_id:
                return message


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    assert message["type"] == "error", message
    payload = message["payload"]
    return payload if isinstance(payload, list) else [payload]


async def close_of(ws: ClientConnection) -> tuple[int | None, str]:
    """Read until the server closes the socket: its close code and reason."""
    try:
        async with asyncio.timeout(PATIENCE):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")


@asynccontextmanager
async def session(server: ServerProcess, protocol: str) -> AsyncIterator[ClientConnection]:
    """An acknowledged anonymous connection, closed at the end."""
    ws = await connected(server.ws_url, protocol)
    async with ws:
        yield ws


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("query", "words"),
    [("subscription { ", "Syntax Error"), ("{ viewer { " + "id " * 6000 + "} }", "5000 tokens")],
    ids=["a syntax error", "over the token limit"],
)
async def test_a_document_that_does_not_parse_is_an_error_with_a_code(
    server: ServerProcess, protocol: str, query: str, words: str
) -> None:
    async with session(server, protocol) as ws:
        await ws.send(operation(protocol, query))
        errors = errors_of(await message_for(ws, "1"))
        assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
        assert words in errors[0]["message"]
        # The connection carries on.
        await ws.send(operation(protocol, "{ viewer { id } }", op_id="2"))
        assert (await message_for(ws, "2"))["payload"] == {"data": {"viewer": None}}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_unknown_operation_name_is_bad_user_input(
    server: ServerProcess, protocol: str
) -> None:
    async with session(server, protocol) as ws:
        await ws.send(operation(protocol, "query A { viewer { id } }", operationName="B"))
        errors = errors_of(await message_for(ws, "1"))
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "B" in errors[0]["message"]


MALFORMED: dict[str, str | bytes | None] = {
    "a binary frame": b'{"type": "ping"}',
    "a JSON array": "[1, 2]",
    "a string": '"connection_init"',
    "not JSON": "{type: subscribe}",
    "nested 40 levels": '{"type": "ping", "payload": {"a": ' + "[" * 40 + "]" * 40 + "}}",
    "nested 10,000 levels": "[" * 10_000 + "]" * 10_000,
    "a lone surrogate": '{"type": "ping", "payload": {"a": "\\ud800"}}',
    "no type": '{"id": "1"}',
    "an unknown type": '{"type": "hello"}',
    "a non-string query": None,
    "variables that are a list": None,
    "an id that is a number": None,
}


def malformed(case: str, protocol: str) -> str | bytes:
    if case == "a non-string query":
        return operation(protocol, 42)
    if case == "variables that are a list":
        return operation(protocol, "{ viewer { id } }", [1])
    if case == "an id that is a number":
        return operation(protocol, "{ viewer { id } }").replace('"id": "1"', '"id": 1')
    text = MALFORMED[case]
    assert text is not None
    return text


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_malformed_message_closes_the_socket_with_4400(
    server: ServerProcess, protocol: str, case: str
) -> None:
    async with session(server, protocol) as ws:
        await ws.send(malformed(case, protocol))
        code, reason = await close_of(ws)
    assert code == 4400
    assert reason


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_5_mb_message_closes_the_socket_with_1009_before_it_is_read(
    server: ServerProcess, protocol: str
) -> None:
    async with session(server, protocol) as ws:
        with suppress(ConnectionClosed):  # the server may close before it is all sent
            await ws.send(operation(protocol, "{ viewer { id } }" + " " * 5_000_000))
        code, reason = await close_of(ws)
    assert code == 1009
    assert "102400" in reason


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_the_operation_past_the_limit_of_100_gets_an_error_with_a_code(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    user = await make_user(conn)
    variables = {"id": user_gid(user)}
    async with session(server, protocol) as ws:
        for n in range(101):
            await ws.send(operation(protocol, USER_COUNTS, variables, op_id=str(n)))
        errors = errors_of(await message_for(ws, "100"))
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["max"] == 100


@pytest.fixture(scope="module")
def impatient_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A server that waits one second for connection_init."""
    yield from serve(database_url, tmp_path_factory, WS_INIT_TIMEOUT_SECONDS="1")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_socket_that_sends_no_connection_init_is_closed_after_the_timeout(
    impatient_server: ServerProcess, protocol: str
) -> None:
    opened = time.monotonic()
    async with connect(impatient_server.ws_url, subprotocols=[Subprotocol(protocol)]) as ws:
        code, _ = await close_of(ws)
    assert code == 4408
    assert time.monotonic() - opened >= 0.9


async def expiring(conn: asyncpg.Connection) -> tuple[asyncpg.Record, str, float]:
    """A user with a profile, a token of theirs valid for 1-2 s, and when it expires."""
    user = await make_user(conn)
    token = token_for(user["id"], expires_in=2)
    return user, token, int(time.time() + 2)


async def following(conn: asyncpg.Connection, follower: Any, followed: Any) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM user_follows WHERE follower_id = $1 AND followed_id = $2)",
        follower["id"],
        followed["id"],
    )
    return found


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_socket_whose_token_expires_is_closed_with_4403_and_runs_nothing_after(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    viewer, token, expires_at = await expiring(conn)
    author = await make_user(conn)
    variables = {"id": user_gid(author)}
    ws = await connected(server.ws_url, protocol, init_payload={"authToken": token})
    async with ws:
        await ws.send(operation(protocol, USER_COUNTS, variables, op_id="counts"))
        assert (await message_for(ws, "counts"))["type"] in ("next", "data")
        await ws.send(operation(protocol, FOLLOW, variables, op_id="follow"))
        followed = await message_for(ws, "follow")
        assert followed["payload"]["data"] == {"follow": {"followerCount": 1}}, followed

        await asyncio.sleep(max(0.0, expires_at - time.time()) + 0.05)
        with suppress(ConnectionClosed):  # when closed already, the message never left
            await ws.send(operation(protocol, UNFOLLOW, variables, op_id="unfollow"))
        code, reason = await close_of(ws)

    assert code == 4403
    assert "expired" in reason
    assert await following(conn, viewer, author), "the unfollow ran after the token expired"

    async def nothing_left() -> bool:
        return (await server.stats())["subscribers"] == 0

    await eventually(nothing_left)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_token_from_the_handshake_header_expires_too(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    _, token, _ = await expiring(conn)
    ws = await connected(server.ws_url, protocol, header_token=token)
    async with ws:
        code, _ = await close_of(ws)
    assert code == 4403


async def test_a_legacy_socket_runs_queries_too(server: ServerProcess) -> None:
    ws = await connected(server.ws_url, LEGACY_WS)
    async with ws:
        await ws.send(operation(LEGACY_WS, "{ viewer { id } }"))
        assert await message_for(ws, "1") == {
            "type": "data",
            "id": "1",
            "payload": {"data": {"viewer": None}},
        }
        assert (await message_for(ws, "1"))["type"] == "complete"
