"""The rate budget: how much cost a client may spend per minute (MAX_COST_PER_MINUTE).

A token bucket per client: it holds up to a minute's budget, refills at a minute's budget
per minute, and an operation runs only when the bucket holds its whole cost, which is then
taken. A client is its viewer when signed in, else its address as the server sees it.

This module keeps the buckets in the process; server/rate_budget.py keeps them in Redis,
so that every server instance spends from the same ones.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from resolvers.context import Context

# Clients whose buckets one process keeps at most; past it the least recently seen is
# forgotten (a new bucket is full, so it gets a minute's budget again).
MAX_CLIENTS = 100_000


class RateBudget(Protocol):
    per_minute: int

    async def charge(self, client: str, cost: int) -> float:
        """Take `cost` from the client's bucket: 0 when taken, else the seconds until it
        would be (nothing is taken)."""
        ...


def client_of(context: object) -> str:
    """Whose bucket pays: the viewer, else the client's address."""
    if isinstance(context, Context):
        if context.viewer is not None:
            return f"user:{context.viewer.id}"
        client = getattr(context.request, "client", None)
        if client is not None and client.host:
            return f"addr:{client.host}"
    return "addr:unknown"


class LocalRateBudget:
    """Buckets in this process (each server process counts alone)."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self._per_second = per_minute / 60
        self._clock = clock
        # client -> (what its bucket held, when): least recently charged first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def charge(self, client: str, cost: int) -> float:
        return self.take(client, cost)

    def take(self, client: str, cost: int) -> float:
        now = self._clock()
        self._forget_full(now)
        held, at = self._buckets.pop(client, (float(self.per_minute), now))
        held = min(float(self.per_minute), held + (now - at) * self._per_second)
        wait = 0.0
        if held >= cost:
            held -= cost
        else:
            wait = (cost - held) / self._per_second
        self._buckets[client] = (held, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)

    def _forget_full(self, now: float) -> None:
        """Buckets untouched for a minute are full again: forgetting them changes nothing."""
        buckets = self._buckets
        while buckets:
            _, at = next(iter(buckets.values()))
            if now - at < 60:
                return
            buckets.popitem(last=False)
