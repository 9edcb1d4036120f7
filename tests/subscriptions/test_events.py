"""entryCounts and userCounts over both protocols: the snapshot first, then each change."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from db import unchecked
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import token_for
from tests.subscriptions.conftest import ServerProcess
from tests.subscriptions.wsclient import (
    ENTRY_COUNTS,
    LEGACY_WS,
    PROTOCOLS,
    TRANSPORT_WS,
    USER_COUNTS,
    Subscriber,
    open_connection,
    subscribe,
)

ZERO = {"resonanceCount": 0, "branchCount": 0, "amplificationCount": 0, "shareCount": 0}


def counts(event: dict[str, Any]) -> dict[str, int]:
    result: dict[str, int] = event["entryCounts"]["counts"]
    return result


async def error_codes(subscriber: Subscriber) -> list[str]:
    """The codes of the error that ends the subscription (then `complete` follows)."""
    message = await subscriber.message()
    assert message["type"] in ("next", "data"), message
    assert message["payload"]["data"] is None, message
    end = await subscriber.message()
    assert end["type"] == "complete", end
    return [e["extensions"]["code"] for e in message["payload"]["errors"]]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_entry_counts_sends_the_snapshot_then_each_change(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    await unchecked.record_share(conn, entry_id=entry["id"])
    variables = {"id": entry_gid(entry)}

    async with subscribe(server.ws_url, ENTRY_COUNTS, variables, protocol=protocol) as sub:
        snapshot = await sub.event()
        assert snapshot == {
            "entryCounts": {"entryId": entry_gid(entry), "counts": ZERO | {"shareCount": 1}}
        }

        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        assert counts(await sub.event()) == ZERO | {"shareCount": 1, "resonanceCount": 1}
        await unchecked.insert_amplification(conn, user_id=fan["id"], entry_id=entry["id"])
        assert counts(await sub.event())["amplificationCount"] == 1
        await make_entry(conn, fan, parent_id=entry["id"])
        assert counts(await sub.event())["branchCount"] == 1
        await unchecked.delete_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        assert counts(await sub.event()) == {
            "resonanceCount": 0,
            "branchCount": 1,
            "amplificationCount": 1,
            "shareCount": 1,
        }


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_user_counts_sends_the_snapshot_then_each_change(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    star, fan, other = await make_user(conn), await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=star["id"], followed_id=other["id"])
    gid = user_gid(star)

    async with subscribe(server.ws_url, USER_COUNTS, {"id": gid}, protocol=protocol) as sub:
        snapshot = await sub.event()
        assert snapshot == {"userCounts": {"userId": gid, "followerCount": 0, "followingCount": 1}}

        await unchecked.insert_follow(conn, follower_id=fan["id"], followed_id=star["id"])
        assert (await sub.event())["userCounts"]["followerCount"] == 1
        await unchecked.delete_follow(conn, follower_id=star["id"], followed_id=other["id"])
        assert (await sub.event())["userCounts"] == {
            "userId": gid,
            "followerCount": 1,
            "followingCount": 0,
        }


async def test_changes_to_other_rows_are_not_sent(
    server: ServerProcess, conn: asyncpg.Connection
) -> None:
    author = await make_user(conn)
    watched, other = await make_entry(conn, author), await make_entry(conn, author)

    async with subscribe(server.ws_url, ENTRY_COUNTS, {"id": entry_gid(watched)}) as sub:
        await sub.event()
        await unchecked.record_share(conn, entry_id=other["id"])
        await unchecked.record_share(conn, entry_id=watched["id"])
        # Notifications arrive in commit order: had the other entry's change been sent, it
        # would come first.
        event = await sub.event()
        assert event["entryCounts"]["entryId"] == entry_gid(watched)
        assert counts(event)["shareCount"] == 1


def token_payload(kind: str, token: str) -> dict[str, Any]:
    if kind == "Authorization":
        return {"Authorization": f"Bearer {token}"}
    return {"authToken": token}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("kind", ["Authorization", "authToken", "header"])
async def test_the_author_sees_a_private_entry_with_the_token_in(
    server: ServerProcess, conn: asyncpg.Connection, kind: str, protocol: str
) -> None:
    author = await make_user(conn)
    entry = await make_entry(conn, author, privacy="private")
    token = token_for(author["id"])
    auth: dict[str, Any] = (
        {"header_token": token}
        if kind == "header"
        else {"init_payload": token_payload(kind, token)}
    )

    async with subscribe(
        server.ws_url, ENTRY_COUNTS, {"id": entry_gid(entry)}, protocol=protocol, **auth
    ) as sub:
        assert counts(await sub.event()) == ZERO


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscribing_to_an_entry_the_viewer_may_not_see_is_not_found(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    author, stranger = await make_user(conn), await make_user(conn)
    private = await make_entry(conn, author, privacy="private")
    for_followers = await make_entry(conn, author, privacy="followers")
    stranger_auth = {"Authorization": f"Bearer {token_for(stranger['id'])}"}

    cases: list[tuple[int, dict[str, Any] | None]] = [
        (private["id"], None),
        (private["id"], stranger_auth),
        (for_followers["id"], stranger_auth),
        (10**12, None),
    ]
    for entry_id, init_payload in cases:
        async with subscribe(
            server.ws_url,
            ENTRY_COUNTS,
            {"id": entry_gid(entry_id)},
            protocol=protocol,
            init_payload=init_payload,
        ) as sub:
            assert await error_codes(sub) == ["NOT_FOUND"], (entry_id, init_payload)


async def test_a_follower_may_subscribe_to_an_entry_for_followers(
    server: ServerProcess, conn: asyncpg.Connection
) -> None:
    author, follower = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author, privacy="followers")
    await unchecked.insert_follow(conn, follower_id=follower["id"], followed_id=author["id"])
    init = {"authToken": token_for(follower["id"])}

    async with subscribe(
        server.ws_url, ENTRY_COUNTS, {"id": entry_gid(entry)}, init_payload=init
    ) as sub:
        assert counts(await sub.event()) == ZERO


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_unknown_user_or_a_malformed_id_is_an_error_with_a_code(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    unknown = user_gid(uuid.uuid4())
    async with subscribe(server.ws_url, USER_COUNTS, {"id": unknown}, protocol=protocol) as sub:
        assert await error_codes(sub) == ["NOT_FOUND"]
    async with subscribe(server.ws_url, ENTRY_COUNTS, {"id": "nope"}, protocol=protocol) as sub:
        assert await error_codes(sub) == ["BAD_USER_INPUT"]


async def refused(ws: ClientConnection, protocol: str) -> dict[str, Any]:
    """How the server refused the connection: the close code, and graphql-ws's error."""
    seen: dict[str, Any] = {}
    try:
        while True:
            message = json.loads(await ws.recv())
            assert message["type"] != "connection_ack", "the connection was accepted"
            if message["type"] == "connection_error":
                seen["payload"] = message["payload"]
    except ConnectionClosed as closed:
        seen["code"] = closed.rcvd.code if closed.rcvd else None
    assert seen.get("code") == 4403, seen
    if protocol != TRANSPORT_WS:
        assert seen.get("payload", {}).get("code") == "UNAUTHENTICATED", seen
    return seen


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("where", ["Authorization", "authToken", "header"])
async def test_a_bad_token_refuses_the_connection(
    server: ServerProcess, conn: asyncpg.Connection, where: str, protocol: str
) -> None:
    user = await make_user(conn)
    bad = token_for(user["id"], secret="not-the-server-secret-but-long-enough")
    if where == "header":
        ws = await open_connection(server.ws_url, protocol=protocol, header_token=bad)
    else:
        ws = await open_connection(
            server.ws_url, protocol=protocol, init_payload=token_payload(where, bad)
        )
    async with ws:
        await refused(ws, protocol)


async def test_an_expired_token_in_connection_init_refuses_the_connection(
    server: ServerProcess, conn: asyncpg.Connection
) -> None:
    user = await make_user(conn)
    expired = token_for(user["id"], expires_in=-60)
    ws = await open_connection(
        server.ws_url, protocol=LEGACY_WS, init_payload={"authToken": expired}
    )
    async with ws:
        assert "expired" in (await refused(ws, LEGACY_WS))["payload"]["message"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_document_that_does_not_validate_is_bad_user_input(
    server: ServerProcess, protocol: str
) -> None:
    ws = await open_connection(server.ws_url, protocol=protocol)
    try:
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        kind = "subscribe" if protocol == TRANSPORT_WS else "start"
        document = {"query": "subscription { nope }"}
        await ws.send(json.dumps({"id": "1", "type": kind, "payload": document}))
        message: dict[str, Any] = {"type": "ka"}
        while message["type"] == "ka":
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
    finally:
        await ws.close()
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors", [payload])
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], message


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_messages_are_text_frames(server: ServerProcess, protocol: str) -> None:
    """Browsers' clients parse text frames only (a binary frame arrives as a Blob)."""
    ws = await open_connection(server.ws_url, protocol=protocol)
    try:
        raw = await asyncio.wait_for(ws.recv(), 5)
    finally:
        await ws.close()
    assert isinstance(raw, str)
    assert json.loads(raw)["type"] == "connection_ack"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_deleting_the_entry_ends_the_subscription_with_not_found_then_complete(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    async with subscribe(
        server.ws_url, ENTRY_COUNTS, {"id": entry_gid(entry)}, protocol=protocol
    ) as sub:
        assert counts(await sub.event()) == ZERO
        await conn.execute("DELETE FROM stream_entries WHERE id = $1", entry["id"])
        assert await error_codes(sub) == ["NOT_FOUND"]
