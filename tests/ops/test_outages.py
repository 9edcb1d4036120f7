"""PostgreSQL restarted or stopped under load: a coded, retriable answer, and no write lost.

A PostgreSQL of the test's own (tests/ops/cluster.py) under a real server process, with 8
writers calling `share` and a reader. While the database is away every failed answer is
UNAVAILABLE with HTTP 503 and Retry-After (never INTERNAL, never a plain-text 5xx, never a
hang), every acknowledged share is stored, and the server serves again within seconds of the
database's return.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from db.migrate import apply_all
from db.pool import connect
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import token_for
from tests.ops.cluster import Cluster
from tests.ops.conftest import Served
from tests.subscriptions import wsclient

pytestmark = pytest.mark.slow

WRITERS = 8
# Generous for a loaded 2-core machine: the pool reconnects on the next request.
BACK_WITHIN_SECONDS = 10
# An answer slower than this counts as a hang.
PATIENCE_SECONDS = 15
# How long the database stays stopped.
DOWN_SECONDS = 3
SHARE = "mutation Share($id: ID!) { share(entryId: $id) { counts { shareCount } } }"
READ = "query Read($id: ID!) { entry(id: $id) { id counts { shareCount } } }"


@dataclass
class Tally:
    """What one client got: answers by code ("ok" for a success) and the wrong ones."""

    answers: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    last_ok: float = 0.0


@dataclass
class Writer:
    entry_id: int
    token: str
    tally: Tally = field(default_factory=Tally)


@dataclass
class World:
    cluster: Cluster
    server: Served
    database_url: str
    writers: list[Writer]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The cluster, migrated, an entry for each writer, and a server process on it."""
    with Cluster() as cluster:
        database_url = cluster.database_url("postgres")
        apply_all(database_url)
        writers = asyncio.run(_make_writers(database_url))
        server = Served(database_url, tmp_path_factory.mktemp("outages") / "server.log")
        try:
            yield World(cluster, server, database_url, writers)
        finally:
            server.stop()


async def _make_writers(database_url: str) -> list[Writer]:
    conn = await connect(database_url)
    try:
        writers = []
        for _ in range(WRITERS):
            user = await make_user(conn)
            entry = await make_entry(conn, user)
            writers.append(Writer(entry["id"], token_for(user["id"])))
        return writers
    finally:
        await conn.close()


def _judge(response: httpx.Response, tally: Tally, field_name: str) -> bool:
    """Note the answer; True when it succeeded. A failure must be UNAVAILABLE, with no data,
    HTTP 503 and Retry-After."""
    try:
        body: dict[str, Any] = response.json()
    except json.JSONDecodeError:
        tally.wrong.append(f"{response.status_code} not JSON: {response.text[:200]}")
        return False
    errors = body.get("errors")
    if not errors and response.status_code == 200 and (body.get("data") or {}).get(field_name):
        tally.answers["ok"] += 1
        tally.last_ok = time.monotonic()
        return True
    code = str(((errors or [{}])[0].get("extensions") or {}).get("code"))
    tally.answers[code] += 1
    if code != "UNAVAILABLE" or body.get("data") is not None:
        tally.wrong.append(f"{response.status_code} {body}")
    elif response.status_code != 503 or "retry-after" not in response.headers:
        tally.wrong.append(f"UNAVAILABLE with {response.status_code} {dict(response.headers)}")
    return False


async def _ask(
    client: httpx.AsyncClient,
    tally: Tally,
    field_name: str,
    payload: dict[str, Any],
    headers: dict[str, str],
    stop: asyncio.Event,
) -> int:
    """Ask again and again until stopped; returns how many answers succeeded."""
    succeeded = 0
    while not stop.is_set():
        try:
            response = await client.post("/graphql", json=payload, headers=headers)
        except httpx.HTTPError as error:
            tally.wrong.append(f"no answer: {error!r}")
            continue
        if _judge(response, tally, field_name):
            succeeded += 1
        else:
            await asyncio.sleep(0.02)  # a real client waits Retry-After; this one keeps at it
    return succeeded


@dataclass
class Load:
    writers: list[Writer]
    reader: Tally
    acknowledged: dict[int, int] = field(default_factory=dict)  # by entry id, once stopped

    def tallies(self) -> list[Tally]:
        return [w.tally for w in self.writers] + [self.reader]

    def all_served_since(self, moment: float) -> bool:
        return all(t.last_ok > moment for t in self.tallies())

    def answers(self) -> Counter[str]:
        return sum((t.answers for t in self.tallies()), Counter())


async def _until(check: Callable[[], bool], seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 (the state is other tasks')
            await asyncio.sleep(0.05)


@asynccontextmanager
async def loaded(world: World) -> AsyncIterator[Load]:
    """The writers and the reader at work while inside, each served once before."""
    for writer in world.writers:
        writer.tally = Tally()
    load = Load(world.writers, Tally())
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=WRITERS + 1)
    async with httpx.AsyncClient(
        base_url=world.server.url, timeout=PATIENCE_SECONDS, limits=limits
    ) as client:
        writing = {
            w.entry_id: asyncio.create_task(
                _ask(
                    client,
                    w.tally,
                    "share",
                    {"query": SHARE, "variables": {"id": entry_gid(w.entry_id)}},
                    {"Authorization": f"Bearer {w.token}"},
                    stop,
                )
            )
            for w in world.writers
        }
        read = {"query": READ, "variables": {"id": entry_gid(world.writers[0].entry_id)}}
        reading = asyncio.create_task(_ask(client, load.reader, "entry", read, {}, stop))
        try:
            await _until(lambda: load.all_served_since(0), BACK_WITHIN_SECONDS)
            yield load
        finally:
            stop.set()
            await reading
            load.acknowledged = {entry: await task for entry, task in writing.items()}


async def _stored_shares(world: World) -> dict[int, int]:
    conn = await connect(world.database_url)
    try:
        rows = await conn.fetch("SELECT entry_id, share_count FROM entry_interaction_counts")
        return {row["entry_id"]: row["share_count"] for row in rows}
    finally:
        await conn.close()


async def _assert_nothing_lost_nothing_wrong(
    world: World, load: Load, stored_before: dict[int, int]
) -> None:
    stored = await _stored_shares(world)
    gained = {entry: stored[entry] - stored_before[entry] for entry in load.acknowledged}
    # A share whose answer was lost with the connection may be stored unacknowledged.
    assert all(gained[entry] >= load.acknowledged[entry] for entry in gained), (
        gained,
        load.acknowledged,
    )
    wrong = [w for t in load.tallies() for w in t.wrong]
    assert wrong == [], wrong[:5]
    assert load.answers()["UNAVAILABLE"] > 0, "the load never met the outage"
    log = world.server.output()
    assert "cannot switch to state" not in log
    assert "Traceback" not in log


async def test_a_restart_under_writers_is_unavailable_meanwhile_and_loses_no_write(
    world: World,
) -> None:
    stored_before = await _stored_shares(world)
    async with loaded(world) as load:
        await asyncio.to_thread(world.cluster.restart)
        back = time.monotonic()
        await _until(lambda: load.all_served_since(back), BACK_WITHIN_SECONDS)
    await _assert_nothing_lost_nothing_wrong(world, load, stored_before)


async def _first_error_code(subscriber: wsclient.Subscriber) -> str:
    message = await subscriber.message()
    assert message["type"] in ("next", "error"), message
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload["errors"]
    return str(errors[0]["extensions"]["code"])


async def test_a_stopped_database_is_unavailable_until_it_is_back_and_loses_no_write(
    world: World,
) -> None:
    stored_before = await _stored_shares(world)
    ws_url = world.server.url.replace("http://", "ws://") + "/graphql"
    entry = {"id": entry_gid(world.writers[0].entry_id)}
    async with loaded(world) as load, httpx.AsyncClient(base_url=world.server.url) as probe:
        await asyncio.to_thread(world.cluster.stop)
        stopped = time.monotonic()
        ready = await probe.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unreachable"
        async with wsclient.subscribe(ws_url, wsclient.ENTRY_COUNTS, entry) as subscriber:
            assert await _first_error_code(subscriber) == "UNAVAILABLE"
        await asyncio.sleep(DOWN_SECONDS - (time.monotonic() - stopped))
        await asyncio.to_thread(world.cluster.start)
        back = time.monotonic()
        await _until(lambda: load.all_served_since(back), BACK_WITHIN_SECONDS)
        assert (await probe.get("/readyz")).status_code == 200
    await _assert_nothing_lost_nothing_wrong(world, load, stored_before)
    async with wsclient.subscribe(ws_url, wsclient.ENTRY_COUNTS, entry) as subscriber:
        assert (await subscriber.event())["entryCounts"]["entryId"] == entry["id"]
