"""The fuzz suite's server: `python -m server` (what `make run` runs, tests/ops/conftest.py's
`Served`), and a watcher that asks its `/healthz` all along."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from tests.ops.conftest import Served

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


class FuzzServer(Served):
    def __init__(self, database_url: str, log: Path) -> None:
        # The fuzzing sends thousands of new documents from one address: with a rate budget
        # most would be refused before they reach what is fuzzed. The budget has tests of its
        # own (tests/api/test_rate_budget.py).
        super().__init__(database_url, log, MAX_COST_PER_MINUTE="0")
        self.graphql_url = f"{self.url}/graphql"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        self.health = HealthWatch(f"{self.url}/healthz")
        self.health.start()
