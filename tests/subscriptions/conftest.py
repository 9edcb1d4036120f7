"""Real server processes (uvicorn, on free ports) over the session's test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TypedDict

import httpx
import pytest

from tests.conftest import JWT_SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]


class Stats(TypedDict):
    """What `GET /_test/stats` tells about the server process."""

    registry: int  # (channel, id) entries in the broker's registry
    subscribers: int  # mailboxes in it
    reconnects: int  # of the LISTEN connection
    expressed: int  # changes written to a subscriber at once, in the broker's turn
    listen_name: str
    relay_leading: bool  # this process relays the outbox to NATS
    relay_published: int  # changes it published
    tasks: int  # asyncio tasks alive
    rss: int  # resident memory, bytes


class ServerProcess:
    """`python -m tests.subscriptions.serve` on its own port, with the stats endpoint."""

    def __init__(self, database_url: str, log: IO[bytes], **settings: str) -> None:
        """`settings`: more environment variables (MAX_COST_PER_MINUTE="3", say)."""
        self.port = free_port()
        self.http_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "JWT_SECRET": JWT_SECRET,
            "MIGRATE_ON_START": "0",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "TRENDING_REFRESH_SECONDS": "3600",
            "GRAPHIQL": "0",
            # As in tests/conftest.py: no rate budget unless a test asks for one.
            "MAX_COST_PER_MINUTE": "0",
            **settings,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.subscriptions.serve"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_serving()

    def _wait_until_serving(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.output()}")
            try:
                httpx.get(f"{self.http_url}/_test/stats", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not start in {timeout} s:\n{self.output()}")

    @property
    def listen_name(self) -> str:
        """The application_name of this process's LISTEN connection."""
        return f"resonance-listen-{self.process.pid}"

    async def stats(self) -> Stats:
        async with httpx.AsyncClient(base_url=self.http_url) as client:
            response = await client.get("/_test/stats")
            response.raise_for_status()
            stats: Stats = response.json()
            return stats

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, **settings: str
) -> Iterator[ServerProcess]:
    with (tmp_path_factory.mktemp("server") / "output").open("w+b") as log:
        process = ServerProcess(database_url, log, **settings)
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from serve(database_url, tmp_path_factory)


@pytest.fixture(scope="session")
def second_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    yield from serve(database_url, tmp_path_factory)
