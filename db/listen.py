"""The process's one LISTEN connection, fanning counter notifications out to subscribers.

The triggers of 0002 send `pg_notify('entry_counts' | 'user_counts', json)` with the row's
id, its version and all its counts. One dedicated connection (a pooled one would UNLISTEN
when released) receives them, in commit order, and hands each to the mailboxes registered
for that (channel, id): no database work per subscriber, however many there are.

A mailbox keeps only the newest change, so a slow subscriber costs one payload, never a
queue. A subscriber waiting with nothing in flight may take a change at once instead
(`Express`): its transport writes the message in the broker's turn, with no task woken. A
`recheck` notification (a row deleted, an entry's privacy changed, its author unfollowed)
asks the row's mailboxes for a fresh snapshot instead. When the connection is lost,
notifications in the gap are gone for good: the broker reconnects with backoff and then asks
every mailbox for a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import asyncpg
import orjson

from db.counts import Counts

logger = logging.getLogger("resonance.listen")

ENTRY_COUNTS = "entry_counts"
USER_COUNTS = "user_counts"
CHANNELS = (ENTRY_COUNTS, USER_COUNTS)


class Change(dict[str, Any]):
    """One notification's counts. The same object goes to every mailbox of its row, so what
    subscribers make of it can be made once for all of them and kept here, in `derived`
    (one event per change: schema/shared_events.py)."""

    __slots__ = ("derived",)

    def __init__(self, counts: dict[str, Any]) -> None:
        super().__init__(counts)
        self.derived: dict[object, Any] = {}


class Express:
    """How the one operation a transport runs takes a change at once: what the change becomes
    for the operation's resolver (`event`), what the operation answers for that event
    (`result`, None when it cannot answer at once), and the message written for it (`write`,
    False when it cannot be written at once). Each is filled in by the layer that knows it
    (schema/subscriptions.py, schema/prepared_execution.py, server/ws_handlers.py); with any
    missing, nothing is taken at once.

    For a thousand subscribers of one entry, a change was a thousand tasks woken, each
    resuming the subscription's generators to reach the one result they share; taken at
    once it is the shared result's message written to a thousand sockets in one turn."""

    __slots__ = ("event", "result", "write")

    def __init__(self) -> None:
        self.event: Callable[[Change], Any] | None = None
        self.result: Callable[[Any], Any] | None = None
        self.write: Callable[[Any], bool] | None = None

    def take(self, change: Change) -> bool:
        """True when the change's message was written."""
        event, result, write = self.event, self.result, self.write
        if event is None or result is None or write is None:
            return False
        answer = result(event(change))
        return answer is not None and write(answer)


# The Express of the operation a transport runs in this task: the mailbox its subscription
# opens takes changes by it (set by server/ws_handlers.py for the operation's task).
EXPRESS: ContextVar[Express | None] = ContextVar("express", default=None)


class Mailbox:
    """What one subscription is owed: the newest change, or a fresh snapshot. One reader
    (its subscription) waits on it, so a future of its own wakes it, where an asyncio.Event
    would keep a list of waiters for each wait: the broker wakes a mailbox per subscriber of
    a row for every change.

    The reader keeps `version`, the newest it has handed on, for the rule that counts never
    go back in time; a change taken at once (`express`) moves it too."""

    __slots__ = ("_latest", "_snapshot_needed", "_waiter", "express", "ready", "version")

    def __init__(self, express: Express | None = None) -> None:
        self._latest: Counts | None = None
        self._snapshot_needed = False
        self._waiter: asyncio.Future[None] | None = None
        self.express = express
        self.version = -1
        # Done once changes reach this mailbox, when that waits on a round trip (a NATS
        # subscription: server/nats_fanout.py); None when they reach it from the start.
        self.ready: asyncio.Future[None] | None = None

    def put(self, change: Counts) -> bool:
        """Keep `change` unless an equal or newer version is already waiting; True when it
        was taken at once instead: its reader waited with nothing else owed (so every earlier
        message of its subscription was written), and its express wrote the message."""
        latest = self._latest
        if latest is not None and change["version"] <= latest["version"]:
            return False
        express = self.express
        if (
            express is not None
            and latest is None
            and not self._snapshot_needed
            and isinstance(change, Change)
            and self._waiter is not None
            and not self._waiter.done()
        ):
            if change["version"] <= self.version:  # nothing new for this subscriber
                return False
            try:
                taken = express.take(change)
            except Exception:  # a bug of ours: the reader's own way still delivers it
                logger.exception("a change could not be taken at once")
                taken = False
            if taken:
                self.version = change["version"]
                return True
        self._latest = change
        self._wake()
        return False

    def need_snapshot(self) -> None:
        # A snapshot taken after this call sees every change already waiting.
        self._latest = None
        self._snapshot_needed = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Counts | None:
        """The newest change; None when the subscriber must read a fresh snapshot instead."""
        while True:
            if self._snapshot_needed:
                self._snapshot_needed = False
                return None
            if self._latest is not None:
                change, self._latest = self._latest, None
                return change
            if self._waiter is not None:
                raise RuntimeError("a mailbox has one reader")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None


class MailboxRegistry:
    """The mailboxes of a process by (channel, id), and how a change's payload reaches them:
    what every broker shares, whichever way the changes arrive (LISTEN here, NATS in
    server/nats_fanout.py)."""

    def __init__(self, application_name: str) -> None:
        # The process id in the name tells operators (and tests) whose broker it is.
        self.application_name = application_name
        self._registry: dict[tuple[str, str], set[Mailbox]] = {}
        self.reconnects = 0
        # Changes handed to a subscriber at once (Mailbox.put), not through its mailbox.
        self.expressed = 0

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def subscribe(self, channel: str, key: str) -> Iterator[Mailbox]:
        """A mailbox for the changes of one row, registered while inside the block; it takes
        changes at once by the EXPRESS of the operation that opens it, if any. Its `ready`,
        when set, is to be awaited before the snapshot is read."""
        mailbox = Mailbox(EXPRESS.get())
        registry_key = (channel, key)
        mailboxes = self._registry.get(registry_key)
        if mailboxes is None:
            mailboxes = self._registry[registry_key] = set()
            self._first_registered(registry_key)
        mailboxes.add(mailbox)
        mailbox.ready = self._ready(registry_key)
        try:
            yield mailbox
        finally:
            mailboxes.discard(mailbox)
            if not mailboxes and self._registry.get(registry_key) is mailboxes:
                del self._registry[registry_key]
                self._last_left(registry_key)

    def _first_registered(self, key: tuple[str, str]) -> None:
        """A row has its first mailbox in this process."""

    def _last_left(self, key: tuple[str, str]) -> None:
        """A row has no mailbox left in this process."""

    def _ready(self, key: tuple[str, str]) -> asyncio.Future[None] | None:
        return None

    def registry_size(self) -> int:
        """How many (channel, id) entries are registered: 0 once every subscriber left."""
        return len(self._registry)

    def subscriber_count(self) -> int:
        return sum(len(mailboxes) for mailboxes in self._registry.values())

    def dispatch(self, channel: str, payload: str | bytes) -> None:
        """Hand one change (a trigger's JSON) to the mailboxes of its row."""
        try:
            change = Change(orjson.loads(payload))
            key = str(change["id"])
        except (ValueError, TypeError, KeyError):
            logger.warning("ignoring a malformed %s change: %.200r", channel, payload)
            return
        mailboxes = self._registry.get((channel, key), ())
        if change.get("recheck"):
            # Its row was deleted or may have left some viewers' view (0005, 0008): each
            # subscriber reads it again.
            for mailbox in mailboxes:
                mailbox.need_snapshot()
            return
        taken = 0
        for mailbox in mailboxes:
            taken += mailbox.put(change)
        self.expressed += taken

    def snapshot_everyone(self) -> None:
        """After changes may have been lost (a reconnect): every subscription reads afresh."""
        for mailboxes in self._registry.values():
            for mailbox in mailboxes:
                mailbox.need_snapshot()


class CountsBroker(MailboxRegistry):
    """Owns the LISTEN connection, and hands what it hears to the mailboxes."""

    def __init__(
        self,
        dsn: str,
        *,
        application_name: str | None = None,
        min_backoff: float = 0.1,
        max_backoff: float = 10.0,
        keepalive: float = 30.0,
    ) -> None:
        super().__init__(application_name or f"resonance-listen-{os.getpid()}")
        self._dsn = dsn
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._keepalive = keepalive
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and LISTEN (raising if the database is unreachable), then keep it so."""
        await self._connect()
        self._supervisor = asyncio.create_task(self._supervise(), name="counts-broker")

    async def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            # A cancelled asyncpg.connect to a database being dropped was seen to never
            # return: shutdown waits a bounded time, then goes on without it.
            done, _ = await asyncio.wait({self._supervisor}, timeout=5)
            if not done:
                logger.warning("the LISTEN supervisor did not stop within 5 s; leaving it")
            self._supervisor = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close(timeout=2)
            self._conn = None

    def _dispatch(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        self.dispatch(channel, payload)

    async def _connect(self) -> None:
        lost = asyncio.Event()
        conn: asyncpg.Connection = await asyncpg.connect(
            self._dsn,
            timeout=10,
            server_settings={"application_name": self.application_name},
        )
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            for channel in CHANNELS:
                await conn.add_listener(channel, self._dispatch)
        except BaseException:
            conn.terminate()
            raise
        self._conn, self._lost = conn, lost

    async def _supervise(self) -> None:
        while True:
            await self._wait_until_lost()
            if self._conn is not None:
                self._conn.terminate()
                self._conn = None
            logger.warning("the LISTEN connection was lost; reconnecting")
            await self._reconnect()
            self.reconnects += 1
            logger.info("LISTEN connection back; every subscription takes a fresh snapshot")
            self.snapshot_everyone()

    async def _wait_until_lost(self) -> None:
        """Return when the connection closed, or stopped answering (a half-open socket)."""
        while True:
            try:
                await asyncio.wait_for(self._lost.wait(), self._keepalive)
                return
            except TimeoutError:
                pass
            try:
                assert self._conn is not None
                await self._conn.fetchval("SELECT 1", timeout=self._keepalive)
            except Exception:  # whatever failed, this connection cannot be trusted
                return

    async def _reconnect(self) -> None:
        delay = self._min_backoff
        while True:
            # Jitter keeps many server processes from reconnecting in lockstep after a restart.
            await asyncio.sleep(random.uniform(delay / 2, delay))
            try:
                await self._connect()
                return
            except Exception as e:  # whatever the cause, giving up would end live counts
                logger.warning("LISTEN reconnect failed (%s); retrying", e)
                delay = min(delay * 2, self._max_backoff)
