"""A real server process (`python -m server`, what `make run` runs) for the fuzz suite, and
a watcher that asks its `/healthz` all along."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.conftest import JWT_SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]
# A request that takes longer than this is a failure: the server is bounded in time.
REQUEST_SECONDS = 5.0
# /healthz must answer within this while the fuzzing runs.
HEALTH_SECONDS = 2.0


class HealthWatch(threading.Thread):
    """Asks /healthz four times a second; keeps every miss."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.misses: list[str] = []
        self.asked = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=HEALTH_SECONDS) as client:
            while not self._stopping.wait(0.25):
                self.asked += 1
                try:
                    response = client.get(self.url)
                    if response.status_code != 200:
                        self.misses.append(f"status {response.status_code}")
                except httpx.HTTPError as error:
                    self.misses.append(repr(error))

    def stop(self) -> None:
        self._stopping.set()
        self.join()


class FuzzServer:
    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.graphql_url = f"{self.url}/graphql"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "JWT_SECRET": JWT_SECRET,
            "MIGRATE_ON_START": "0",
            "PORT": str(self.port),
            "TRENDING_REFRESH_SECONDS": "3600",
            # The fuzzing sends thousands of new documents from one address: with a rate
            # budget most would be refused before they reach what is fuzzed. The budget has
            # tests of its own (tests/api/test_rate_budget.py).
            "MAX_COST_PER_MINUTE": "0",
        }
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready()
        self.health = HealthWatch(f"{self.url}/healthz")
        self.health.start()

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server was not ready in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
