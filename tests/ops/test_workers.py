"""WORKERS=2: `python -m server` serves one port from two worker processes under a supervisor
(server/workers.py). Requests reach both, subscriptions get changes made through either, a
SIGTERM to the supervisor stops them all (WebSockets closed properly) and it exits 0, a
worker that dies while serving is reported and replaced, one that cannot start stops the
server, and the pools fit PostgreSQL's max_connections."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import psycopg
import pytest
from websockets.exceptions import ConnectionClosed

from db.capacity import connection_budget
from server.settings import Settings
from server.token import mint
from server.workers import CannotFit, fit_pool
from tests.conftest import JWT_SECRET
from tests.factories import entry_gid, make_entry, make_user
from tests.ops.conftest import ROOT, Served, _group_alive, stop_group
from tests.subscriptions.wsclient import ENTRY_COUNTS, subscribe

SHARE = "mutation ($id: ID!) { share(entryId: $id) { counts { shareCount } } }"
# uvicorn's close code for a server going away (1012: service restart).
SERVER_STOPPING = 1012


@pytest.fixture
def two(database_url: str, tmp_path: Path) -> Iterator[Served]:
    server = Served(database_url, tmp_path / "server.log", WORKERS="2")
    # Ready once both serve (one answering /readyz is not enough): a worker that dies
    # before the supervisor knows it serves stops the server instead of being replaced.
    wait_for(lambda: " with 2 workers " in server.output())
    yield server
    server.stop()
    print(server.output())  # shown when the test fails


def workers_of(server: Served) -> set[int]:
    pid = server.process.pid
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def served_by(server: Served, since: int = 0) -> list[int]:
    """The process of each access-log line from character `since` of the log, in order (the
    /readyz requests of the server's start come before)."""
    log = server.output()[since:]
    return [int(pid) for pid in re.findall(r"\[(\d+)\] resonance\.access", log)]


def wait_for(check: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def ask_on_new_connections(server: Served, times: int) -> None:
    """Each request on a connection of its own: the kernel spreads connections, not requests."""
    for _ in range(times):
        response = httpx.post(f"{server.url}/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 200


def test_requests_are_served_by_both_workers(two: Served) -> None:
    workers = workers_of(two)
    assert len(workers) == 2
    since = len(two.output())
    ask_on_new_connections(two, 40)
    wait_for(lambda: len(served_by(two, since)) >= 40)
    assert set(served_by(two, since)) == workers, "each of 40 connections went to one worker"


def test_sigterm_stops_every_worker_and_the_supervisor_exits_0(two: Served) -> None:
    workers = workers_of(two)
    os.kill(two.process.pid, signal.SIGTERM)  # the supervisor alone, as a service manager does
    assert two.process.wait(timeout=30) == 0, two.output()
    assert not _group_alive(two.process.pid), "a worker outlived the supervisor"
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_worker_left_alone_by_a_killed_supervisor_stops_too(two: Served) -> None:
    workers = workers_of(two)
    os.kill(two.process.pid, signal.SIGKILL)
    two.process.wait()
    wait_for(lambda: all(not Path(f"/proc/{pid}").exists() for pid in workers))


def test_a_worker_that_dies_is_reported_and_replaced(two: Served) -> None:
    killed, kept = sorted(workers_of(two))
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: len(workers_of(two) - {killed}) == 2)
    replacement = (workers_of(two) - {kept}).pop()
    assert f"(pid {killed}) was killed by SIGKILL: starting another in its place" in two.output()
    since = len(two.output())
    ask_on_new_connections(two, 40)
    wait_for(lambda: len(served_by(two, since)) >= 40)
    assert set(served_by(two, since)) == {kept, replacement}


async def make_entry_to_watch(database_url: str) -> tuple[str, str]:
    """An entry (its global id) and a token of its author."""
    conn = await asyncpg.connect(database_url)
    try:
        author = await make_user(conn)
        entry = await make_entry(conn, author)
    finally:
        await conn.close()
    return entry_gid(entry), mint(author["id"], Settings(jwt_secret=JWT_SECRET))


async def test_subscribers_get_the_changes_made_through_either_worker(
    two: Served, database_url: str
) -> None:
    gid, token = await make_entry_to_watch(database_url)
    ws_url = two.url.replace("http://", "ws://") + "/graphql"
    init = {"Authorization": f"Bearer {token}"}
    async with (
        subscribe(ws_url, ENTRY_COUNTS, {"id": gid}, init_payload=init) as first,
        subscribe(ws_url, ENTRY_COUNTS, {"id": gid}, init_payload=init) as second,
    ):
        for subscriber in (first, second):
            assert (await subscriber.event())["entryCounts"]["counts"]["shareCount"] == 0
        shares = 8
        since = len(two.output())
        for _ in range(shares):  # each on a new connection: both workers share
            async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
                answer = await http.post(
                    f"{two.url}/graphql", json={"query": SHARE, "variables": {"id": gid}}
                )
                assert "errors" not in answer.json(), answer.json()
        for subscriber in (first, second):
            await subscriber.until(lambda d: d["entryCounts"]["counts"]["shareCount"] == shares)
    assert len(set(served_by(two, since))) == 2, "the shares were all made through one worker"


async def test_a_websocket_open_at_sigterm_is_closed_by_the_server(
    two: Served, database_url: str
) -> None:
    gid, token = await make_entry_to_watch(database_url)
    ws_url = two.url.replace("http://", "ws://") + "/graphql"
    init = {"Authorization": f"Bearer {token}"}
    async with subscribe(ws_url, ENTRY_COUNTS, {"id": gid}, init_payload=init) as subscriber:
        await subscriber.event()
        os.kill(two.process.pid, signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                await subscriber.ws.recv()
        assert closed.value.rcvd is not None, "dropped without a close frame"
        assert closed.value.rcvd.code == SERVER_STOPPING
    assert await asyncio.to_thread(two.process.wait, 30) == 0


def test_each_pool_is_lowered_so_that_every_worker_fits() -> None:
    fitted = fit_pool(Settings(workers=4, pool_max_size=40, pool_min_size=2), budget=97)
    # 97 // 4 = 24 connections a worker: its LISTEN connection and 23 in its pool
    assert fitted.pool_max_size == 23
    assert fitted.pool_min_size == 2


def test_a_pool_that_fits_is_left_as_set() -> None:
    settings = Settings(workers=2, pool_max_size=20)
    assert fit_pool(settings, budget=97) == settings


def test_workers_too_many_to_connect_are_refused_with_how_many_fit() -> None:
    with pytest.raises(CannotFit, match=r"WORKERS=60 cannot all connect.* 48 or fewer"):
        fit_pool(Settings(workers=60), budget=97)


def test_the_budget_is_max_connections_less_the_reserved_slots(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        most = int(conn.execute("SHOW max_connections").fetchone()[0])  # type: ignore[index]
        reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])  # type: ignore[index]
    assert connection_budget(database_url) == most - reserved


def test_the_server_refuses_to_start_workers_that_cannot_fit(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "MIGRATE_ON_START": "0", "WORKERS": "500"}
    done = subprocess.run(
        [sys.executable, "-m", "server"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "WORKERS=500 cannot all connect" in done.stderr


def test_a_worker_that_cannot_start_stops_the_server(database_url: str, tmp_path: Path) -> None:
    role = f"resonance_test_role_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        # The supervisor's one connection gets in; the workers' pools cannot (a superuser's
        # connections are never limited: hence a role of the test's own).
        conn.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")
    try:
        parts = urlsplit(database_url)
        as_role = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
        env = {**os.environ, "DATABASE_URL": as_role, "MIGRATE_ON_START": "0", "WORKERS": "2"}
        with (tmp_path / "server.log").open("w+b") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "server"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                assert server.wait(timeout=60) == 1
            finally:
                stop_group(server)
                print((tmp_path / "server.log").read_text())  # shown when the test fails
        output = (tmp_path / "server.log").read_text()
        assert re.search(r"worker \d \(pid \d+\) exited with status 3 before serving", output)
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")
