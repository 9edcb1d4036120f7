"""The broker and the mailboxes in this process, over the real database."""

from __future__ import annotations

import asyncio
import os
import signal
from contextlib import aclosing
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from starlette.requests import Request
from starlette.routing import Route
from strawberry.types import ExecutionResult

from db import unchecked
from db.counts import Counts
from db.listen import ENTRY_COUNTS, CountsBroker, Mailbox
from db.pool import counting_statements, create_pool
from resolvers.snapshots import Snapshots
from resolvers.subscriptions import resolve_entry_counts
from schema import schema
from server.app import GraphQLApp, create_app
from server.settings import Settings
from tests.factories import entry_gid, make_entry, make_user
from tests.subscriptions.inprocess import live_context
from tests.subscriptions.wsclient import ENTRY_COUNTS as ENTRY_COUNTS_DOCUMENT
from tests.subscriptions.wsclient import eventually


def change(version: int) -> dict[str, Any]:
    return {"id": 1, "version": version, "resonance_count": version}


async def test_a_mailbox_holds_only_the_newest_change() -> None:
    mailbox = Mailbox()
    for version in (3, 1, 5, 4, 2):
        mailbox.put(change(version))
    assert await mailbox.get() == change(5)
    mailbox.put(change(5))
    mailbox.put(change(6))
    assert await mailbox.get() == change(6)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await mailbox.get()


async def test_a_mailbox_asked_for_a_snapshot_drops_what_it_held() -> None:
    mailbox = Mailbox()
    mailbox.put(change(7))
    mailbox.need_snapshot()
    assert await mailbox.get() is None
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await mailbox.get()


async def test_a_waiting_reader_wakes_for_a_change_and_for_a_snapshot() -> None:
    mailbox = Mailbox()
    reading = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)
    assert not reading.done()
    mailbox.put(change(2))
    assert await asyncio.wait_for(reading, 1) == change(2)
    reading = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)
    mailbox.need_snapshot()
    assert await asyncio.wait_for(reading, 1) is None


async def test_a_cancelled_read_leaves_the_mailbox_to_the_next_one() -> None:
    mailbox = Mailbox()
    reading = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    mailbox.put(change(3))
    assert await asyncio.wait_for(mailbox.get(), 1) == change(3)


async def test_a_mailbox_refuses_a_second_reader_at_once() -> None:
    mailbox = Mailbox()
    first = asyncio.create_task(mailbox.get())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="one reader"):
        await mailbox.get()
    mailbox.put(change(4))
    assert await asyncio.wait_for(first, 1) == change(4)


async def test_a_malformed_notification_is_ignored_and_the_next_one_delivered(
    broker: CountsBroker, conn: asyncpg.Connection
) -> None:
    with broker.subscribe(ENTRY_COUNTS, "424242") as mailbox:
        for payload in ("not json", "NaN", "1", '{"no": "id"}', '{"id": 424242'):
            await conn.execute("SELECT pg_notify($1, $2)", ENTRY_COUNTS, payload)
        good = '{"id": 424242, "version": 9, "resonance_count": 1}'
        await conn.execute("SELECT pg_notify($1, $2)", ENTRY_COUNTS, good)
        async with asyncio.timeout(5):
            delivered = await mailbox.get()
    assert delivered == {"id": 424242, "version": 9, "resonance_count": 1}


async def wait_for_version(probe: Mailbox, version: int) -> None:
    """Until the broker has dispatched the change of `version` (to every mailbox)."""
    async with asyncio.timeout(5):
        while True:
            seen = await probe.get()
            if seen is not None and seen["version"] >= version:
                return


async def terminate(conn: asyncpg.Connection, application_name: str) -> None:
    terminated = await conn.fetchval(
        "SELECT bool_and(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
        " WHERE application_name = $1",
        application_name,
    )
    assert terminated, f"no backend named {application_name}"


async def test_a_slow_subscriber_gets_the_newest_counts_once_and_never_older_ones(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    fans = [await make_user(conn) for _ in range(6)]
    events = resolve_entry_counts(live_context(broker, pool), entry_gid(entry))

    async with asyncio.timeout(10):
        assert (await anext(events))["resonance_count"] == 0
        with broker.subscribe(ENTRY_COUNTS, str(entry["id"])) as probe:
            for fan in fans[:5]:
                await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
            await wait_for_version(probe, 5)
        assert broker.subscriber_count() == 1
        # Five changes while the subscriber was not reading: it is owed the last one only.
        newest = await anext(events)
        assert (newest["resonance_count"], newest["version"]) == (5, 5)

        # A lost LISTEN connection makes every subscription read a snapshot; one no newer
        # than what was sent is not sent again.
        await terminate(conn, broker.application_name)

        async def reconnected() -> bool:
            return broker.reconnects == 1

        await eventually(reconnected)

        async def next_event() -> Counts:
            return await anext(events)

        with counting_statements() as statements:
            following = asyncio.create_task(next_event())

            async def snapshot_read() -> bool:
                return statements[0] == 1

            await eventually(snapshot_read)
        assert not following.done()
        await unchecked.insert_resonance(conn, user_id=fans[5]["id"], entry_id=entry["id"])
        assert (await following)["resonance_count"] == 6

    await events.aclose()
    assert broker.registry_size() == 0


async def test_a_failure_while_subscribed_is_internal_and_its_text_is_not_sent(
    broker: CountsBroker, database_url: str, conn: asyncpg.Connection
) -> None:
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    closed = await create_pool(database_url, min_size=1, max_size=1)
    await closed.close()
    results = await schema.subscribe(
        ENTRY_COUNTS_DOCUMENT,
        variable_values={"id": entry_gid(entry)},
        context_value=live_context(broker, closed),
    )
    assert not isinstance(results, ExecutionResult)

    async with asyncio.timeout(5), aclosing(results):
        result = await anext(results)
    assert result.errors is not None
    assert [(e.message, (e.extensions or {}).get("code")) for e in result.errors] == [
        ("Internal server error", "INTERNAL")
    ]
    assert broker.registry_size() == 0


def local_postgres_process(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().startswith("postgres")
    except OSError:
        return False


async def test_a_listen_connection_that_stops_answering_is_replaced(
    database_url: str, conn: asyncpg.Connection
) -> None:
    """A frozen backend looks like a half-open socket: no error, just silence."""
    broker = CountsBroker(database_url, application_name="resonance-listen-frozen", keepalive=0.2)
    await broker.start()
    backend = await conn.fetchval(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1", broker.application_name
    )
    if not local_postgres_process(backend):
        await broker.stop()
        pytest.skip("PostgreSQL does not run on this machine")
    try:
        os.kill(backend, signal.SIGSTOP)
    except PermissionError:
        await broker.stop()
        pytest.skip("not allowed to pause a PostgreSQL backend")
    try:

        async def reconnected() -> bool:
            return broker.reconnects == 1

        await eventually(reconnected, seconds=5)
    finally:
        os.kill(backend, signal.SIGCONT)

    author = await make_user(conn)
    entry = await make_entry(conn, author)
    try:
        with broker.subscribe(ENTRY_COUNTS, str(entry["id"])) as mailbox:
            await unchecked.record_share(conn, entry_id=entry["id"])
            await wait_for_version(mailbox, 1)
    finally:
        await broker.stop()


async def test_every_context_the_app_makes_names_the_processs_broker_and_snapshot_loaders(
    settings: Settings,
) -> None:
    app = create_app(settings)
    [graphql] = [r.app for r in app.routes if isinstance(r, Route) and r.path == "/graphql"]
    assert isinstance(graphql, GraphQLApp)
    scope = {"type": "http", "app": app, "method": "POST", "path": "/graphql", "headers": []}
    async with app.router.lifespan_context(app):
        contexts = [await graphql.get_context(Request(scope), None) for _ in range(2)]
        broker, snapshots = app.state.broker, app.state.snapshots
    assert isinstance(broker, CountsBroker)
    assert isinstance(snapshots, Snapshots)
    assert all(c.broker is broker and c.snapshots is snapshots for c in contexts)
