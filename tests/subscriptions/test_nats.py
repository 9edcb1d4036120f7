"""The counters' changes through NATS (NATS_URL): server processes of one database, each with
its subscribers, a relay among them, and a NATS server of the test's own (so that it can be
stopped and started again)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from db import unchecked
from tests.conftest import free_port, migrated_database
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import token_for
from tests.subscriptions.conftest import ServerProcess, serve
from tests.subscriptions.wsclient import ENTRY_COUNTS, Subscriber, eventually, subscribe

RESONATE = "mutation ($id: ID!) { resonate(entryId: $id) { id } }"
WAIT = 10.0


class NatsProcess:
    """`nats-server` on a loopback port of its own, stopped and started again on that port."""

    def __init__(self, log: Path) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        if not Path(binary).exists():
            pytest.fail("nats-server is needed for the NATS tests (Debian's nats-server)")
        self.binary, self.log = binary, log
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-a", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError(f"nats-server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsProcess]:
    server = NatsProcess(tmp_path_factory.mktemp("nats") / "nats.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nats_database() -> Iterator[str]:
    """A database of the module's own: its servers set its triggers to the outbox."""
    yield from migrated_database()


def served(
    url: str, nats: NatsProcess, tmp_path_factory: pytest.TempPathFactory
) -> Generator[ServerProcess, None, None]:
    yield from serve(url, tmp_path_factory, NATS_URL=nats.url)


@pytest.fixture(scope="module")
def first(
    nats_database: str, nats_server: NatsProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    yield from served(nats_database, nats_server, tmp_path_factory)


@pytest.fixture(scope="module")
def second(
    nats_database: str, nats_server: NatsProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    yield from served(nats_database, nats_server, tmp_path_factory)


@asynccontextmanager
async def database(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def an_entry(url: str) -> tuple[str, list[Any]]:
    """A new entry and five users who may resonate with it."""
    async with database(url) as conn:
        entry = await make_entry(conn, await make_user(conn))
        fans = [(await make_user(conn))["id"] for _ in range(5)]
    return entry_gid(entry), fans


async def resonate(server: ServerProcess, entry: str, fan: Any) -> None:
    headers = {"Authorization": f"Bearer {token_for(fan)}"}
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        response = await client.post(
            "/graphql", json={"query": RESONATE, "variables": {"id": entry}}, headers=headers
        )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def count_of(subscriber: Subscriber) -> int:
    count: int = (await subscriber.event())["entryCounts"]["counts"]["resonanceCount"]
    return count


async def test_a_change_through_one_server_reaches_subscribers_of_another_in_order(
    first: ServerProcess, second: ServerProcess, nats_database: str
) -> None:
    entry, fans = await an_entry(nats_database)
    async with subscribe(second.ws_url, ENTRY_COUNTS, {"id": entry}) as subscriber:
        subscriber.patience = 1.0  # each change within a second
        assert await count_of(subscriber) == 0  # the snapshot
        seen = []
        for fan in fans:
            await resonate(first, entry, fan)
            seen.append(await count_of(subscriber))
    assert seen == [1, 2, 3, 4, 5]


async def test_the_triggers_send_no_notification_once_a_server_runs_with_nats(
    first: ServerProcess, nats_database: str
) -> None:
    heard: list[str] = []
    async with database(nats_database) as listener, database(nats_database) as conn:
        await listener.add_listener("entry_counts", lambda *args: heard.append(args[-1]))
        entry = await make_entry(conn, await make_user(conn))
        await unchecked.insert_resonance(
            conn, user_id=(await make_user(conn))["id"], entry_id=entry["id"]
        )
        await asyncio.sleep(0.5)
    assert heard == []


async def test_a_nats_restart_gives_every_subscription_a_fresh_snapshot(
    first: ServerProcess, second: ServerProcess, nats_server: NatsProcess, nats_database: str
) -> None:
    entry, fans = await an_entry(nats_database)
    async with subscribe(first.ws_url, ENTRY_COUNTS, {"id": entry}) as subscriber:
        subscriber.patience = WAIT
        assert await count_of(subscriber) == 0
        before = (await first.stats())["reconnects"]
        nats_server.stop()
        # Made while NATS is away: its change waits in the outbox, or is lost with NATS.
        async with database(nats_database) as conn:
            await unchecked.insert_resonance(conn, user_id=fans[0], entry_id=_pk(entry))
        nats_server.start()
        assert await count_of(subscriber) == 1
        await eventually(lambda: _reconnected(first, before), WAIT)
        await resonate(second, entry, fans[1])
        assert await count_of(subscriber) == 2


async def _reconnected(server: ServerProcess, before: int) -> bool:
    return (await server.stats())["reconnects"] > before


def _pk(entry: str) -> int:
    from resolvers.ids import entry_pk

    return entry_pk(entry)


@pytest.fixture
def own_database() -> Iterator[str]:
    """A database of the test's own: its relay is one of the test's two servers."""
    yield from migrated_database()


async def test_killing_the_relays_process_moves_the_relay_and_loses_no_change(
    own_database: str, nats_server: NatsProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    nats_database = own_database
    servers = [served(nats_database, nats_server, tmp_path_factory) for _ in range(2)]
    processes = [next(each) for each in servers]
    try:
        await eventually(lambda: _one_leads(processes), WAIT)
        leading = [(await p.stats())["relay_leading"] for p in processes]
        leader, survivor = (
            (processes[0], processes[1]) if leading[0] else (processes[1], processes[0])
        )
        entry, fans = await an_entry(nats_database)
        async with subscribe(survivor.ws_url, ENTRY_COUNTS, {"id": entry}) as subscriber:
            subscriber.patience = WAIT
            assert await count_of(subscriber) == 0
            leader.process.kill()
            leader.process.wait()
            for fan in fans:
                await resonate(survivor, entry, fan)
            events = await subscriber.until(
                lambda data: data["entryCounts"]["counts"]["resonanceCount"] == len(fans)
            )
        counts = [e["entryCounts"]["counts"]["resonanceCount"] for e in events]
        assert counts == sorted(counts) and counts[-1] == len(fans)
        assert (await survivor.stats())["relay_leading"] is True
    finally:
        for each in servers:
            each.close()


async def _one_leads(processes: list[ServerProcess]) -> bool:
    leading = [(await p.stats())["relay_leading"] for p in processes]
    return leading.count(True) == 1
