"""Streaming replicas to read from: a pool each, their lag probed, a healthy one per request.

A background task probes every replica each `probe_seconds` (a quarter of the lag bound, at
most a second): the primary's WAL position, then each replica's replay position
(db/replica_lag.py). A replica is `ok` within the bound, `lagging` past it, `down` when it
fails, does not answer within the interval or is not in recovery (promoted); only `ok` ones
are read from, round robin, and the others are probed again each time, a pool opened anew
for one that was never reachable. With none `ok`, reads go to the primary.

A statement a replica cannot run for want of it (stopped, restarting, the connection lost,
or cancelled by a conflict with recovery) runs on the primary instead and marks the replica
down until the next probe finds it back: a replica that stops between probes costs its
requests no error.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import asyncpg

from db.errors import unavailable
from db.executor import Executor, Pool
from db.pool import close_pool, create_pool, fetch_planned_for_its_values
from db.replica_lag import PRIMARY_POSITION, REPLAY_POSITION, PrimaryPositions

logger = logging.getLogger("resonance.replicas")

T = TypeVar("T")
Status = Literal["ok", "lagging", "down"]

# Probing often enough that a lag is seen well within its bound, never busier than 20 a
# second, and at least once a second.
MIN_PROBE_SECONDS = 0.05
MAX_PROBE_SECONDS = 1.0


def probe_interval(max_lag_ms: int) -> float:
    return min(MAX_PROBE_SECONDS, max(MIN_PROBE_SECONDS, max_lag_ms / 4000))


def name_of(url: str) -> str:
    """How logs and /readyz name a replica: host, port and database, never credentials."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname or 'localhost'}{port}{parts.path}"


@dataclass
class Replica:
    url: str
    name: str
    pool: Pool | None = None
    status: Status = "down"
    lag_ms: int | None = None
    # Why it is down, for the log (a change of reason is not news; a change of status is).
    problem: str | None = field(default=None, repr=False)
    probed: bool = False


class ReplicaReads:
    """A replica as one request reads it (an Executor): what the replica cannot run for want
    of it runs on the primary, and the replica is skipped until probed back."""

    __slots__ = ("_pool", "_primary", "_replica", "_replicas")

    def __init__(self, replicas: Replicas, replica: Replica, pool: Pool, primary: Pool) -> None:
        self._replicas, self._replica = replicas, replica
        self._pool, self._primary = pool, primary

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        return await self._run(lambda db: db.fetch(query, *args))

    async def fetchrow(self, query: str, *args: Any) -> Any:
        return await self._run(lambda db: db.fetchrow(query, *args))

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self._run(lambda db: db.fetchval(query, *args))

    async def execute(self, query: str, *args: Any) -> str:
        return await self._run(lambda db: db.execute(query, *args))

    async def fetch_planned_for_its_values(self, query: str, *args: Any) -> list[Any]:
        """db.pool's, on the replica's pool (a transaction of its own) or the primary's."""
        return await self._run(lambda db: fetch_planned_for_its_values(db, query, *args))

    async def _run(self, work: Callable[[Pool], Awaitable[T]]) -> T:
        try:
            return await work(self._pool)
        except Exception as error:
            if not _replica_failed(error):
                raise
            self._replicas.failed(self._replica, error)
        return await work(self._primary)


def _replica_failed(error: BaseException) -> bool:
    """The replica could not run a read the primary can: it is not there, or it cancelled
    the statement for a conflict with the WAL it replays (SQLSTATE 40001 on a standby)."""
    return unavailable(error) or isinstance(error, asyncpg.SerializationError)


class Replicas:
    """The primary's replicas (none: every read on the primary), probed while started."""

    def __init__(
        self,
        primary: Pool,
        urls: Sequence[str],
        *,
        max_lag_ms: int,
        pool_options: dict[str, Any] | None = None,
    ) -> None:
        self.primary: Executor = primary
        self._primary_pool = primary
        self.replicas = [Replica(url, name_of(url)) for url in urls]
        self.max_lag_ms = max_lag_ms
        self.probe_seconds = probe_interval(max_lag_ms)
        self._pool_options = pool_options or {}
        # Kept past the bound, so a replica behind every position kept is past it too.
        self._positions = PrimaryPositions(
            keep_seconds=2 * (max_lag_ms / 1000 + self.probe_seconds)
        )
        self._healthy: tuple[Replica, ...] = ()
        self._turn = itertools.count()
        self._task: asyncio.Task[None] | None = None

    @property
    def read_your_writes_seconds(self) -> float:
        """How long after a write a replica in use may still lack it: a replica is used while
        its lag, measured at most one interval ago, was within the bound, and such a lag
        means every commit older than the lag plus one interval was replayed; a probe takes
        at most one interval more."""
        if not self.replicas:
            return 0.0
        return self.max_lag_ms / 1000 + 3 * self.probe_seconds

    def reads(self) -> Executor:
        """Where a request reads: the next healthy replica in turn, else the primary."""
        healthy = self._healthy
        if not healthy:
            return self.primary
        replica = healthy[next(self._turn) % len(healthy)]
        pool = replica.pool
        if pool is None or replica.status != "ok":  # failed since the turn was set
            return self.primary
        return ReplicaReads(self, replica, pool, self._primary_pool)

    def report(self) -> list[dict[str, Any]]:
        """Each replica as /readyz shows it."""
        return [
            {"replica": each.name, "status": each.status, "lagMs": each.lag_ms}
            for each in self.replicas
        ]

    async def start(self) -> None:
        """Probe once (a replica that cannot be reached is down, not a failure to start),
        then keep probing in the background."""
        if not self.replicas:
            return
        await self.probe()
        self._task = asyncio.create_task(self._probe_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._healthy = ()
        pools = [each.pool for each in self.replicas if each.pool is not None]
        for each in self.replicas:
            each.pool = None
        await asyncio.gather(*(close_pool(pool) for pool in pools), return_exceptions=True)

    async def probe(self) -> None:
        """Note the primary's WAL position, then measure every replica against it."""
        noted_at = time.monotonic()
        try:
            async with asyncio.timeout(self.probe_seconds * 4):
                position = await self.primary.fetchval(PRIMARY_POSITION)
            self._positions.note(noted_at, position)
        except Exception as error:  # replicas are still measured against what was noted
            if not unavailable(error) and not isinstance(error, TimeoutError):
                raise
        await asyncio.gather(*(self._measure(each) for each in self.replicas))
        self._healthy = tuple(each for each in self.replicas if each.status == "ok")

    def failed(self, replica: Replica, error: BaseException) -> None:
        """A request found the replica failing: skipped until a probe finds it back."""
        self._set(replica, "down", None, repr(error))
        self._healthy = tuple(each for each in self._healthy if each is not replica)

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(self.probe_seconds)
            try:
                await self.probe()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("probing the replicas failed; probing again")

    async def _measure(self, replica: Replica) -> None:
        try:
            # Opening a pool may take up to its connect timeout: bounded by a few intervals.
            async with asyncio.timeout(max(self.probe_seconds * 4, 1.0)):
                if replica.pool is None:
                    replica.pool = await create_pool(replica.url, **self._pool_options)
                replayed = await replica.pool.fetchval(REPLAY_POSITION)
        except Exception as error:
            if not unavailable(error) and not isinstance(error, TimeoutError):
                logger.exception("probing the replica %s failed", replica.name)
            self._set(replica, "down", None, repr(error))
            return
        if replayed is None:
            self._set(replica, "down", None, "not in recovery: not a replica")
            return
        lag_ms = round(self._positions.lag_seconds(replayed, time.monotonic()) * 1000)
        self._set(replica, "ok" if lag_ms <= self.max_lag_ms else "lagging", lag_ms, None)

    def _set(
        self, replica: Replica, status: Status, lag_ms: int | None, problem: str | None
    ) -> None:
        if status != replica.status or not replica.probed:
            if status == "ok":
                logger.info("replica %s: read from (%s ms behind)", replica.name, lag_ms)
            elif status == "lagging":
                logger.warning(
                    "replica %s: %s ms behind, past REPLICA_MAX_LAG_MS: skipped",
                    replica.name,
                    lag_ms,
                )
            else:
                logger.warning("replica %s: down, skipped: %s", replica.name, problem)
        replica.status, replica.lag_ms, replica.problem = status, lag_ms, problem
        replica.probed = True
