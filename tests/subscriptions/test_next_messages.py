"""A `next` message of data alone is written from its payload encoded once for every
subscriber sharing the result (server/ws_handlers.py): the text on the wire is the one the
view's encoder makes of the whole message."""

from __future__ import annotations

import json

import asyncpg
import orjson

from db import unchecked
from server.ws_handlers import DataPayloads
from tests.factories import entry_gid, make_entry, make_user
from tests.subscriptions.conftest import ServerProcess
from tests.subscriptions.wsclient import ENTRY_COUNTS, raw_events, start


def test_a_payload_is_encoded_once_for_the_same_data() -> None:
    encoded: list[object] = []

    def encode(value: object) -> str:
        encoded.append(value)
        return orjson.dumps(value).decode()

    payloads = DataPayloads()
    shared = {"entryCounts": {"counts": {"shareCount": 1}}}
    first = payloads.encoded(shared, encode)
    assert payloads.encoded(shared, encode) is first
    assert len(encoded) == 1
    equal_but_another = {"entryCounts": {"counts": {"shareCount": 1}}}
    assert payloads.encoded(equal_but_another, encode) == first
    assert len(encoded) == 2, "kept by identity: an equal dict may be changed, so it is encoded"
    assert payloads.encoded(None, encode) == '{"data":null}'


async def test_subscribers_of_one_change_get_the_text_the_encoder_makes_of_the_message(
    server: ServerProcess, conn: asyncpg.Connection
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    subscribers = [
        await start(server.ws_url, ENTRY_COUNTS, {"id": entry_gid(entry)}) for _ in range(3)
    ]
    try:
        snapshots = [await raw_events(s.ws, 1) for s in subscribers]
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        changes = [await raw_events(s.ws, 1) for s in subscribers]
    finally:
        for subscriber in subscribers:
            await subscriber.ws.close()
    for (text,) in snapshots + changes:
        # Compact, in the order of the message's keys: what orjson makes of it whole.
        assert text == orjson.dumps(json.loads(text)).decode()
        assert text.startswith('{"id":"1","type":"next","payload":{"data":')
    changed = json.loads(changes[0][0])["payload"]["data"]
    assert changed["entryCounts"]["counts"]["resonanceCount"] == 1
    assert len({text for (text,) in changes}) == 1


async def test_a_next_message_with_errors_is_the_text_the_encoder_makes_of_it(
    server: ServerProcess,
) -> None:
    unknown_entry = "RW50cnk6OTk5OTk5OQ=="  # Entry:9999999
    subscriber = await start(server.ws_url, ENTRY_COUNTS, {"id": unknown_entry})
    try:
        (text,) = await raw_events(subscriber.ws, 1)
    finally:
        await subscriber.ws.close()
    message = json.loads(text)
    assert message["type"] == "next"
    assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert text == orjson.dumps(message).decode()
