"""The counters' changes through NATS (NATS_URL), for any number of server instances.

The relay (server/outbox_relay.py) publishes each change of the database's outbox to a
subject per row, `resonance.<channel>.<id>`. This process subscribes to a row's subject when
its first subscriber of that row arrives, and drops it when the last one leaves: it receives
only what its subscribers watch. A subscriber reads its snapshot only once NATS has the
subscription (its mailbox's `ready`), so no change committed after the snapshot is missed;
from there the mailboxes' rules are LISTEN's (db/listen.py): newest version kept, repeats
dropped, rechecks read afresh. When the connection to NATS comes back, changes in the gap are
gone for good: every subscription reads a fresh snapshot, as after a LISTEN reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from functools import partial
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from db.listen import MailboxRegistry
from resolvers.errors import Unavailable

logger = logging.getLogger("resonance.nats")

SUBJECT_PREFIX = "resonance"
# How long a subscription or a flush may wait on NATS before the subscriber is told.
NATS_TIMEOUT_SECONDS = 5

Key = tuple[str, str]


def subject(channel: str, key: str) -> str:
    """The subject of one row's changes: a trigger's channel and the row's id."""
    return f"{SUBJECT_PREFIX}.{channel}.{key}"


class NatsBroker(MailboxRegistry):
    """The process's NATS connection and its subscriptions, one per row watched here."""

    def __init__(self, url: str, *, application_name: str | None = None) -> None:
        super().__init__(application_name or f"resonance-nats-{os.getpid()}")
        self._url = url
        self._client: Client | None = None
        self._stopping = False
        # Each watched row's subscription, being made or made.
        self._subscriptions: dict[Key, asyncio.Task[Subscription]] = {}
        # Subscriptions being dropped (a task is kept until done).
        self._leaving: set[asyncio.Task[None]] = set()

    @property
    def client(self) -> Client:
        assert self._client is not None, "the broker is started"
        return self._client

    async def start(self) -> None:
        """Connect (raising if NATS is unreachable); then NATS's client keeps reconnecting."""
        self._client = await nats.connect(
            self._url,
            name=self.application_name,
            connect_timeout=5,
            reconnect_time_wait=0.5,
            max_reconnect_attempts=-1,
            reconnected_cb=self._reconnected,
            disconnected_cb=self._disconnected,
            error_cb=self._error,
        )

    async def stop(self) -> None:
        self._stopping = True
        for task in self._subscriptions.values():
            task.cancel()
        self._subscriptions.clear()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.close(), NATS_TIMEOUT_SECONDS)
            self._client = None

    def _first_registered(self, key: Key) -> None:
        self._subscriptions[key] = asyncio.ensure_future(self._subscribe(key))

    def _ready(self, key: Key) -> asyncio.Future[Any] | None:
        task = self._subscriptions.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            # The last attempt failed (NATS was away): this subscriber tries again.
            task = self._subscriptions[key] = asyncio.ensure_future(self._subscribe(key))
        return task

    def _last_left(self, key: Key) -> None:
        task = self._subscriptions.pop(key, None)
        if task is not None:
            leaving = asyncio.ensure_future(_unsubscribe(task))
            self._leaving.add(leaving)
            leaving.add_done_callback(self._leaving.discard)

    async def _subscribe(self, key: Key) -> Subscription:
        channel, row = key
        try:
            made = await self.client.subscribe(
                subject(channel, row), cb=partial(self._received, channel)
            )
            # Once NATS has answered a PING after the SUB, it sends this row's changes.
            await self.client.flush(timeout=NATS_TIMEOUT_SECONDS)
        except Exception as error:
            logger.warning("subscribing to %s's changes failed: %s", channel, error)
            raise Unavailable(
                "live counts are unavailable: try again shortly", NATS_TIMEOUT_SECONDS
            ) from error
        return made

    async def _received(self, channel: str, message: Msg) -> None:
        self.dispatch(channel, message.data)

    async def _reconnected(self) -> None:
        self.reconnects += 1
        logger.info("NATS connection back; every subscription takes a fresh snapshot")
        for key in list(self._registry):
            self._ready(key)  # a subscription that failed while NATS was away is made now
        self.snapshot_everyone()

    async def _disconnected(self) -> None:
        if not self._stopping:
            logger.warning("the NATS connection was lost; reconnecting")

    async def _error(self, error: Exception) -> None:
        logger.warning("NATS: %s", error)


async def _unsubscribe(task: asyncio.Task[Subscription]) -> None:
    """Drop a row's subscription once it is made (a failed one has nothing to drop)."""
    with contextlib.suppress(Exception):
        made = await task
        await made.unsubscribe()
