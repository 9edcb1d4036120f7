"""A small GraphQL-over-WebSocket client for tests, speaking both protocols."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
PROTOCOLS = (TRANSPORT_WS, LEGACY_WS)

ENTRY_COUNTS = """
subscription EntryCounts($id: ID!) {
  entryCounts(entryId: $id) {
    entryId
    counts { resonanceCount branchCount amplificationCount shareCount }
  }
}
"""

USER_COUNTS = """
subscription UserCounts($id: ID!) {
  userCounts(userId: $id) { userId followerCount followingCount }
}
"""


# Messages that keep a connection alive, not part of any subscription.
KEEP_ALIVES = ("ka", "ping", "pong")


async def raw_events(ws: ClientConnection, count: int) -> list[str]:
    """The text of the next `count` messages that are not keep-alives, as the server wrote
    it."""
    texts: list[str] = []
    async with asyncio.timeout(5):
        while len(texts) < count:
            text = await ws.recv()
            assert isinstance(text, str), text
            if json.loads(text)["type"] not in KEEP_ALIVES:
                texts.append(text)
    return texts


class SubscriptionFailed(AssertionError):
    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(f"the server ended the subscription: {message}")
        self.message = message


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    """Wait until `check()` holds, asking again and again; fail after `seconds`."""
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110 (the state is in another process)
            await asyncio.sleep(0.01)


class Subscriber:
    """One connection running one subscription (id "1").

    Each read fails when nothing arrives within `patience` seconds.
    """

    def __init__(self, ws: ClientConnection, protocol: str, patience: float = 5.0) -> None:
        self.ws = ws
        self.protocol = protocol
        self.patience = patience

    async def message(self) -> dict[str, Any]:
        """The next message for the subscription (keep-alives skipped)."""
        async with asyncio.timeout(self.patience):
            while True:
                message: dict[str, Any] = json.loads(await self.ws.recv())
                if message["type"] not in KEEP_ALIVES:
                    return message

    async def event(self) -> dict[str, Any]:
        """The next event's `data`; fails on an error or the end of the subscription."""
        message = await self.message()
        if message["type"] not in ("next", "data") or message["payload"].get("errors"):
            raise SubscriptionFailed(message)
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def until(self, done: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Every event up to and including the first that is `done`."""
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(self.patience):
            while not seen or not done(seen[-1]):
                seen.append(await self.event())
        return seen

    async def complete(self) -> None:
        kind = "complete" if self.protocol == TRANSPORT_WS else "stop"
        await self.ws.send(json.dumps({"id": "1", "type": kind}))


async def open_connection(
    url: str,
    *,
    protocol: str = TRANSPORT_WS,
    init_payload: dict[str, Any] | None = None,
    header_token: str | None = None,
) -> ClientConnection:
    """A connection whose connection_init was sent; its answer is still to be read."""
    headers = {"Authorization": f"Bearer {header_token}"} if header_token else None
    ws = await connect(url, subprotocols=[Subprotocol(protocol)], additional_headers=headers)
    await ws.send(json.dumps({"type": "connection_init", "payload": init_payload or {}}))
    return ws


async def start(
    url: str,
    query: str,
    variables: dict[str, Any],
    *,
    protocol: str = TRANSPORT_WS,
    init_payload: dict[str, Any] | None = None,
    header_token: str | None = None,
    patience: float = 5.0,
) -> Subscriber:
    ws = await open_connection(
        url, protocol=protocol, init_payload=init_payload, header_token=header_token
    )
    subscriber = Subscriber(ws, protocol, patience)
    ack = await subscriber.message()
    assert ack["type"] == "connection_ack", ack
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": "1", "type": kind, "payload": payload}))
    return subscriber


@asynccontextmanager
async def subscribe(
    url: str,
    query: str,
    variables: dict[str, Any],
    *,
    protocol: str = TRANSPORT_WS,
    init_payload: dict[str, Any] | None = None,
    header_token: str | None = None,
) -> AsyncIterator[Subscriber]:
    subscriber = await start(
        url,
        query,
        variables,
        protocol=protocol,
        init_payload=init_payload,
        header_token=header_token,
    )
    try:
        yield subscriber
    finally:
        await subscriber.ws.close()
