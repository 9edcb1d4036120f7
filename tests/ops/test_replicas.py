"""Reads from a real streaming replica (DATABASE_REPLICA_URLS): a primary of the test's own on
loopback, a replica made of it by `pg_basebackup -R`, the app serving both.

A replica whose replay is paused (`pg_wal_replay_pause()`) still answers, from before the
pause: a row written on the primary afterwards is what tells which server a read reached.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psycopg
import pytest

from db.migrate import apply_all
from db.pool import connect
from db.unchecked import insert_resonance
from server.settings import Settings
from tests.conftest import JWT_SECRET, free_port
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import app_client, data, post
from tests.ops.cluster import Cluster, Standby
from tests.ops.conftest import Served
from tests.subscriptions.wsclient import ENTRY_COUNTS, subscribe

SSE = {"Accept": "text/event-stream"}

ENTRY = "query ($id: ID!) { entry(id: $id) { id } }"
# The bound when a test needs a paused replica still read from: far past any test's length.
PATIENT_MS = 600_000


class Replicated:
    def __init__(self, primary: Cluster, standby: Standby) -> None:
        self.primary, self.standby = primary, standby
        self.primary_url = primary.database_url("resonance")
        self.replica_url = standby.database_url("resonance")

    def settings(self, max_lag_ms: int = PATIENT_MS, *more_replicas: str) -> Settings:
        return Settings(
            database_url=self.primary_url,
            database_replica_urls=(self.replica_url, *more_replicas),
            replica_max_lag_ms=max_lag_ms,
            migrate_on_start=False,
            jwt_secret=JWT_SECRET,
            trending_refresh_seconds=3600,
            pool_min_size=1,
            pool_max_size=4,
            max_cost_per_minute=0,
        )


@pytest.fixture(scope="module")
def replicated() -> Iterator[Replicated]:
    """A migrated primary and its replica, started once for the module."""
    with Cluster() as primary:
        with psycopg.connect(primary.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE resonance")
        apply_all(primary.database_url("resonance"))
        with Standby(primary) as standby:
            yield Replicated(primary, standby)


@pytest.fixture
async def on_primary(replicated: Replicated) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the primary; the replica replaying and caught up before the test and
    after it (a test may pause it, or stop it)."""
    conn = await connect(replicated.primary_url)
    await catch_up(replicated)
    yield conn
    await conn.close()
    await catch_up(replicated)


async def replay(replicated: Replicated, *, paused: bool) -> None:
    conn = await asyncpg.connect(replicated.replica_url)
    try:
        await conn.execute(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()")
    finally:
        await conn.close()


async def catch_up(replicated: Replicated, within: float = 30) -> None:
    """The replica replaying, and past every WAL position the primary has now."""
    if not is_running(replicated.standby):
        replicated.standby.start()
    await replay(replicated, paused=False)
    primary = await asyncpg.connect(replicated.primary_url)
    replica = await asyncpg.connect(replicated.replica_url)
    try:
        target = await primary.fetchval("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + within
        while await replica.fetchval("SELECT pg_last_wal_replay_lsn() < $1::pg_lsn", target):
            assert time.monotonic() < deadline, "the replica did not catch up"
            await asyncio.sleep(0.02)
    finally:
        await primary.close()
        await replica.close()


def is_running(cluster: Cluster) -> bool:
    return (cluster.data / "postmaster.pid").exists()


async def readyz_until(
    client: httpx.AsyncClient, status: str, index: int = 0, within: float = 15
) -> dict[str, Any]:
    """/readyz, asked until it shows replica `index` with `status`."""
    deadline = time.monotonic() + within
    while True:
        response = await client.get("/readyz")
        body: dict[str, Any] = response.json()
        if body["replicas"][index]["status"] == status:
            assert response.status_code == 200, body
            return body
        assert time.monotonic() < deadline, f"replica {index} never {status}: {body}"
        await asyncio.sleep(0.05)


async def entry_seen(client: httpx.AsyncClient, entry: str, **as_who: Any) -> bool:
    found = await data(client, ENTRY, {"id": entry}, **as_who)
    return found["entry"] is not None


async def test_anonymous_queries_read_from_the_replica(
    replicated: Replicated, on_primary: asyncpg.Connection
) -> None:
    author = await make_user(on_primary)
    async with app_client(replicated.settings()) as client:
        await replay(replicated, paused=True)
        written = entry_gid(await make_entry(on_primary, author))
        assert not await entry_seen(client, written)
        await catch_up(replicated)
        assert await entry_seen(client, written)


async def test_a_viewer_sees_its_own_write_at_once(
    replicated: Replicated, on_primary: asyncpg.Connection
) -> None:
    viewer = await make_user(on_primary)
    await catch_up(replicated)
    async with app_client(replicated.settings()) as client:
        await replay(replicated, paused=True)
        created = await data(
            client,
            'mutation { createEntry(input: {content: "mine"}) { id author { id } } }',
            as_user=viewer["id"],
        )
        written = created["createEntry"]["id"]
        assert await entry_seen(client, written, as_user=viewer["id"])
        # Everyone else still reads the replica, which has not replayed it.
        assert not await entry_seen(client, written)
        other = await make_user(on_primary)
        assert not await entry_seen(client, written, as_user=other["id"])


async def test_nothing_of_a_mutation_reads_the_replica(
    replicated: Replicated, on_primary: asyncpg.Connection
) -> None:
    viewer = await make_user(on_primary)
    author = await make_user(on_primary)
    await catch_up(replicated)
    async with app_client(replicated.settings()) as client:
        await replay(replicated, paused=True)
        # On the primary only: a write, re-read or selection on the replica would miss it.
        entry = entry_gid(await make_entry(on_primary, author))
        resonated = await data(
            client,
            "mutation ($id: ID!) { resonate(entryId: $id) { id viewerHasResonated"
            " counts { resonanceCount } author { id }"
            " resonators(first: 5) { nodes { id } } } }",
            {"id": entry},
            as_user=viewer["id"],
        )
    answer = resonated["resonate"]
    assert answer["id"] == entry
    assert answer["viewerHasResonated"] is True
    assert answer["counts"]["resonanceCount"] == 1
    assert len(answer["resonators"]["nodes"]) == 1


async def test_a_replica_lagging_past_the_bound_is_skipped(
    replicated: Replicated, on_primary: asyncpg.Connection
) -> None:
    author = await make_user(on_primary)
    async with app_client(replicated.settings(max_lag_ms=200)) as client:
        await readyz_until(client, "ok")
        await replay(replicated, paused=True)
        written = entry_gid(await make_entry(on_primary, author))
        body = await readyz_until(client, "lagging")
        assert body["status"] == "ready"
        assert body["replicas"][0]["lagMs"] > 200
        assert await entry_seen(client, written)  # from the primary
        await catch_up(replicated)
        await readyz_until(client, "ok")


async def test_a_stopped_replica_is_skipped_with_no_error(
    replicated: Replicated, on_primary: asyncpg.Connection
) -> None:
    author = await make_user(on_primary)
    async with app_client(replicated.settings()) as client:
        await readyz_until(client, "ok")
        replicated.standby.stop()
        written = entry_gid(await make_entry(on_primary, author))
        # Before any probe has seen it go: the request finds it gone and reads the primary.
        for _ in range(3):
            assert await entry_seen(client, written)
        body = await readyz_until(client, "down")
        assert body["status"] == "ready"
        assert body["replicas"][0]["lagMs"] is None
        replicated.standby.start()
        await readyz_until(client, "ok")


async def test_readyz_reports_each_replica_and_stays_ready_while_the_primary_is_fine(
    replicated: Replicated, on_primary: asyncpg.Connection
) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/resonance"
    async with app_client(replicated.settings(PATIENT_MS, nowhere)) as client:
        body = await readyz_until(client, "ok")
        assert body["status"] == "ready"
        standby, missing = body["replicas"]
        assert standby["replica"] == f"127.0.0.1:{replicated.standby.port}/resonance"
        assert isinstance(standby["lagMs"], int)
        assert missing == {"replica": nowhere.split("@")[1], "status": "down", "lagMs": None}
        # Reads go on, from the replica that is there.
        response = await post(client, "{ entries(first: 1) { nodes { id } } }")
        assert "errors" not in response


async def first_sse_payload(response: httpx.Response) -> dict[str, Any]:
    """The first `next` event's payload of a graphql-sse stream."""
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "next":
            payload: dict[str, Any] = json.loads(line.split(":", 1)[1])
            return payload
    raise AssertionError("the stream ended without an event")


async def test_subscriptions_snapshot_the_primary_whose_events_follow(
    replicated: Replicated, on_primary: asyncpg.Connection, tmp_path: Path
) -> None:
    author = await make_user(on_primary)
    fan = await make_user(on_primary)
    server = Served(
        replicated.primary_url,
        tmp_path / "server.log",
        DATABASE_REPLICA_URLS=replicated.replica_url,
        REPLICA_MAX_LAG_MS=str(PATIENT_MS),
    )
    try:
        await replay(replicated, paused=True)
        entry = await make_entry(on_primary, author)  # the replica has not replayed it
        variables = {"id": entry_gid(entry)}
        ws_url = server.url.replace("http", "ws", 1) + "/graphql"
        body = {"query": ENTRY_COUNTS, "variables": variables}
        async with (
            subscribe(ws_url, ENTRY_COUNTS, variables) as subscriber,
            httpx.AsyncClient(base_url=server.url, timeout=10) as client,
            client.stream("POST", "/graphql", json=body, headers=SSE) as sse,
        ):
            over_ws = await subscriber.event()
            over_sse = await first_sse_payload(sse)
            assert over_ws["entryCounts"]["counts"]["resonanceCount"] == 0
            assert over_sse["data"]["entryCounts"]["counts"]["resonanceCount"] == 0
            await insert_resonance(on_primary, user_id=fan["id"], entry_id=entry["id"])
            changed = await subscriber.event()
            assert changed["entryCounts"]["counts"]["resonanceCount"] == 1
    finally:
        server.stop()
