"""Subscriptions over HTTP: graphql-sse (distinct connections) and Apollo Client's multipart
subscriptions, with the WebSocket's rules: the snapshot first then each change, a bad token
refused, an entry the viewer may not see NOT_FOUND, and a client that leaves releases its
subscription."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from db import unchecked
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import token_for
from tests.subscriptions.conftest import ServerProcess
from tests.subscriptions.wsclient import ENTRY_COUNTS

SSE = {"Accept": "text/event-stream"}
# What Apollo Client 3.7+ sends for a subscription over HTTP.
MULTIPART = {"Accept": 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json'}
STREAMS = {"sse": SSE, "multipart": MULTIPART}
ZERO = {"resonanceCount": 0, "branchCount": 0, "amplificationCount": 0, "shareCount": 0}
WAIT = 10.0


class Stream:
    """The payloads a stream carries, whichever its framing."""

    def __init__(self, response: httpx.Response, kind: str) -> None:
        self.response = response
        self.kind = kind
        self._chunks = response.aiter_text()
        self._buffer = ""

    async def payload(self) -> dict[str, Any]:
        """The next result (SSE's `next` event, multipart's `payload`), heartbeats skipped."""
        return await asyncio.wait_for(self._next(), WAIT)

    async def _next(self) -> dict[str, Any]:
        while True:
            found = self._take()
            if found is not None:
                return found
            self._buffer += await self._chunks.__anext__()

    def _take(self) -> dict[str, Any] | None:
        separator = "\r\n\r\n" if self.kind == "sse" else "\r\n--graphql"
        while separator in self._buffer:
            part, self._buffer = self._buffer.split(separator, 1)
            if self.kind == "sse":
                lines = dict(line.split(": ", 1) for line in part.splitlines() if ": " in line)
                if lines.get("event") == "next":
                    result: dict[str, Any] = json.loads(lines["data"])
                    return result
            else:
                body = part.split("\r\n\r\n", 1)[-1].strip()
                if body.startswith("{") and "payload" in (parsed := json.loads(body)):
                    payload: dict[str, Any] = parsed["payload"]
                    return payload
        return None


@asynccontextmanager
async def stream(
    server: ServerProcess, kind: str, entry_id: int, token: str | None = None
) -> AsyncIterator[Stream]:
    headers = dict(STREAMS[kind])
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = {"query": ENTRY_COUNTS, "variables": {"id": entry_gid(entry_id)}}
    async with (
        httpx.AsyncClient(base_url=server.http_url, timeout=WAIT) as client,
        client.stream("POST", "/graphql", json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        yield Stream(response, kind)


def counts(result: dict[str, Any]) -> dict[str, int]:
    found: dict[str, int] = result["data"]["entryCounts"]["counts"]
    return found


@pytest.mark.parametrize("kind", STREAMS)
async def test_a_stream_sends_the_snapshot_then_each_change(
    server: ServerProcess, conn: asyncpg.Connection, kind: str
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    async with stream(server, kind, entry["id"]) as events:
        assert counts(await events.payload()) == ZERO
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        assert counts(await events.payload()) == ZERO | {"resonanceCount": 1}
        await unchecked.record_share(conn, entry_id=entry["id"])
        assert counts(await events.payload()) == ZERO | {"resonanceCount": 1, "shareCount": 1}


@pytest.mark.parametrize("kind", STREAMS)
async def test_a_stream_answers_with_its_media_type(
    server: ServerProcess, conn: asyncpg.Connection, kind: str
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    async with stream(server, kind, entry["id"]) as events:
        media_type = events.response.headers["content-type"]
        assert media_type.startswith("text/event-stream" if kind == "sse" else "multipart/mixed")


@pytest.mark.parametrize("kind", STREAMS)
async def test_a_bad_token_refuses_the_stream_with_401(server: ServerProcess, kind: str) -> None:
    body = {"query": ENTRY_COUNTS, "variables": {"id": entry_gid(1)}}
    headers = {**STREAMS[kind], "Authorization": "Bearer not-a-token"}
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        response = await client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("kind", STREAMS)
async def test_an_entry_the_viewer_may_not_see_is_not_found(
    server: ServerProcess, conn: asyncpg.Connection, kind: str
) -> None:
    entry = await make_entry(conn, await make_user(conn), privacy="private")
    async with stream(server, kind, entry["id"]) as events:
        result = await events.payload()
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["NOT_FOUND"]


@pytest.mark.parametrize("kind", STREAMS)
async def test_a_follower_streams_an_entry_for_followers(
    server: ServerProcess, conn: asyncpg.Connection, kind: str
) -> None:
    author, follower = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author, privacy="followers")
    await unchecked.insert_follow(conn, follower_id=follower["id"], followed_id=author["id"])
    async with stream(server, kind, entry["id"], token=token_for(follower["id"])) as events:
        assert counts(await events.payload()) == ZERO


@pytest.mark.parametrize("kind", STREAMS)
async def test_a_client_that_leaves_releases_its_subscription(
    server: ServerProcess, conn: asyncpg.Connection, kind: str
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    before = (await server.stats())["subscribers"]
    async with stream(server, kind, entry["id"]) as events:
        await events.payload()
        assert (await server.stats())["subscribers"] == before + 1
    for _ in range(100):
        if (await server.stats())["subscribers"] == before:
            break
        await asyncio.sleep(0.05)
    assert (await server.stats())["subscribers"] == before


async def test_a_subscription_posted_as_plain_json_says_how_to_stream_it(
    server: ServerProcess,
) -> None:
    body = {"query": ENTRY_COUNTS, "variables": {"id": entry_gid(1)}}
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        response = await client.post("/graphql", json=body)
    assert response.status_code == 400
    assert "text/event-stream" in response.json()["errors"][0]["message"]


async def test_a_stream_may_be_asked_for_by_get(
    server: ServerProcess, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    params = {"query": ENTRY_COUNTS, "variables": json.dumps({"id": entry_gid(entry)})}
    async with (
        httpx.AsyncClient(base_url=server.http_url, timeout=WAIT) as client,
        client.stream("GET", "/graphql", params=params, headers=SSE) as response,
    ):
        assert counts(await Stream(response, "sse").payload()) == ZERO
