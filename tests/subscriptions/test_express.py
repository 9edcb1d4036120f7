"""A change taken at once (db.listen.Express): a subscriber waiting with nothing in flight
gets the change's message written in the broker's turn, with no task woken, and exactly the
message its own loop would have sent; anything else goes through its mailbox as before."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from db import unchecked
from db.listen import Change, Express, Mailbox
from server.ws_protocol import WebSocketProtocol
from tests.factories import entry_gid, make_entry, make_user
from tests.subscriptions.conftest import ServerProcess
from tests.subscriptions.wsclient import (
    ENTRY_COUNTS,
    Subscriber,
    eventually,
    raw_events,
    start,
)


def change(version: int) -> Change:
    return Change({"id": 1, "version": version, "share_count": version})


class Recorder(Express):
    """An express that writes into a list, or refuses (`accept=False`), or fails."""

    def __init__(self, accept: bool = True, fail: bool = False) -> None:
        super().__init__()
        self.written: list[Any] = []
        self.event = lambda c: ("event", c["version"])
        self.result = lambda e: ("result", e[1])

        def write(answer: Any) -> bool:
            if fail:
                raise ValueError("a bug")
            if accept:
                self.written.append(answer)
            return accept

        self.write = write


async def waiting(mailbox: Mailbox) -> asyncio.Task[Any]:
    reading = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)
    return reading


async def test_a_waiting_reader_takes_a_change_at_once_and_is_not_woken() -> None:
    express = Recorder()
    mailbox = Mailbox(express)
    reading = await waiting(mailbox)
    assert mailbox.put(change(2))
    await asyncio.sleep(0)
    assert express.written == [("result", 2)]
    assert mailbox.version == 2
    assert not reading.done()
    reading.cancel()


async def test_without_a_waiting_reader_the_change_is_kept_for_it() -> None:
    express = Recorder()
    mailbox = Mailbox(express)
    assert not mailbox.put(change(2))  # the reader is busy (its last message in flight)
    assert express.written == []
    assert await mailbox.get() == change(2)


async def test_a_change_no_newer_than_the_readers_is_neither_taken_nor_kept() -> None:
    express = Recorder()
    mailbox = Mailbox(express)
    mailbox.version = 5
    reading = await waiting(mailbox)
    assert not mailbox.put(change(5))
    assert not mailbox.put(change(3))
    assert express.written == []
    assert mailbox.put(change(6))
    assert express.written == [("result", 6)]
    reading.cancel()


@pytest.mark.parametrize("express", [Recorder(accept=False), Recorder(fail=True), Express()])
async def test_a_change_not_taken_at_once_wakes_the_reader_as_before(express: Express) -> None:
    mailbox = Mailbox(express)
    reading = await waiting(mailbox)
    assert not mailbox.put(change(2))
    assert await asyncio.wait_for(reading, 1) == change(2)
    assert mailbox.version == -1  # the reader moves it when it hands the change on


async def test_a_reader_owed_a_snapshot_is_not_written_to_at_once() -> None:
    express = Recorder()
    mailbox = Mailbox(express)
    mailbox.need_snapshot()
    assert not mailbox.put(change(2))
    assert express.written == []
    assert await mailbox.get() is None


def test_the_protocol_writes_nothing_at_once_while_its_buffer_is_over_its_mark() -> None:
    protocol = WebSocketProtocol.__new__(WebSocketProtocol)
    protocol.writable = asyncio.Event()  # cleared: uvicorn paused writing
    assert not protocol.write_text_now("{}")


async def _warm(server: ServerProcess, gid: str) -> None:
    """The first subscription of a document in a process goes through Strawberry's pipeline,
    whose events are not taken at once (it is not in the document cache yet): one is made
    and closed first."""
    first = await start(server.ws_url, ENTRY_COUNTS, {"id": gid})
    await first.event()
    await first.ws.close()


async def _subscribers(server: ServerProcess, gid: str, count: int) -> list[Subscriber]:
    """`count` subscribers who had their snapshots."""
    await _warm(server, gid)
    subscribers = [await start(server.ws_url, ENTRY_COUNTS, {"id": gid}) for _ in range(count)]
    for subscriber in subscribers:
        assert (await subscriber.event())["entryCounts"]["counts"]["shareCount"] == 0
    return subscribers


async def test_every_waiting_subscriber_gets_each_change_at_once_in_order(
    server: ServerProcess, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    subscribers = await _subscribers(server, entry_gid(entry), 5)
    before = (await server.stats())["expressed"]
    try:
        for shares in (1, 2, 3):
            await unchecked.record_share(conn, entry_id=entry["id"])
            for subscriber in subscribers:
                event = await subscriber.event()
                assert event["entryCounts"]["counts"]["shareCount"] == shares

        async def all_at_once() -> bool:
            return (await server.stats())["expressed"] - before == 15

        await eventually(all_at_once)
    finally:
        for subscriber in subscribers:
            await subscriber.ws.close()


async def test_a_message_written_at_once_is_the_one_the_subscribers_loop_sends(
    server: ServerProcess, conn: asyncpg.Connection
) -> None:
    """Byte for byte: the snapshot goes through the subscription's loop, the change at once."""
    entry = await make_entry(conn, await make_user(conn))
    gid = entry_gid(entry)
    await _warm(server, gid)
    subscriber = await start(server.ws_url, ENTRY_COUNTS, {"id": gid})
    try:
        (snapshot,) = await raw_events(subscriber.ws, 1)
        before = (await server.stats())["expressed"]
        await unchecked.record_share(conn, entry_id=entry["id"])
        (at_once,) = await raw_events(subscriber.ws, 1)
        assert (await server.stats())["expressed"] == before + 1
        assert '"shareCount":0' in snapshot
        assert at_once == snapshot.replace('"shareCount":0', '"shareCount":1')
    finally:
        await subscriber.ws.close()
