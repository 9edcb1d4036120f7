"""The relay of the outbox to NATS: one per database, among all the server processes.

Every process runs one; the one whose session takes the relay's advisory lock leads, the
others try again every LEAD_RETRY_SECONDS. A leader that dies takes its session, and so its
lock, with it: another takes over within that time, and finds every change it had not
deleted still in the outbox. The leader reads the outbox in the order it was written,
publishes each change to its row's subject (server/nats_fanout.py), waits for NATS to have
them all, then deletes them: at least once, and a change published twice is dropped by its
version like any stale one. Changes to one row are written in their commit order (the row's
lock orders them), so they are published in that order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

import asyncpg
import orjson

from db.outbox import delete_outbox, read_outbox, try_lead
from server.nats_fanout import NATS_TIMEOUT_SECONDS, NatsBroker, subject

logger = logging.getLogger("resonance.relay")

# Changes read, published and deleted at once.
BATCH = 500
# How long the leader waits once it has drained the outbox: the most it adds to a change's
# way.
IDLE_SECONDS = 0.01
LEAD_RETRY_SECONDS = 1.0


class OutboxRelay:
    """This process's part: lead when it can, relay while it leads."""

    def __init__(self, dsn: str, broker: NatsBroker) -> None:
        self._dsn = dsn
        self._broker = broker
        self._task: asyncio.Task[None] | None = None
        self.leading = False
        self.published = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                conn = await asyncpg.connect(
                    self._dsn,
                    timeout=10,
                    server_settings={"application_name": f"resonance-relay-{os.getpid()}"},
                )
            except Exception as error:
                logger.warning("the relay cannot reach the database (%s); retrying", error)
                await asyncio.sleep(LEAD_RETRY_SECONDS)
                continue
            try:
                await self._wait_to_lead(conn)
                self.leading = True
                logger.info("this process relays the outbox to NATS")
                await self._relay(conn)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database or NATS went away: start over
                logger.warning("the relay stopped (%s); starting over", error)
                await asyncio.sleep(LEAD_RETRY_SECONDS)
            finally:
                self.leading = False
                with contextlib.suppress(Exception):
                    conn.terminate()

    async def _wait_to_lead(self, conn: asyncpg.Connection) -> None:
        """Until this session holds the relay's lock: polled, as the lock's holder may be
        another machine's process, which nothing here could wait on."""
        while not await try_lead(conn):  # noqa: ASYNC110
            await asyncio.sleep(LEAD_RETRY_SECONDS)

    async def _relay(self, conn: asyncpg.Connection) -> None:
        while True:
            rows = await read_outbox(conn, BATCH)
            if not rows:
                await asyncio.sleep(IDLE_SECONDS)
                continue
            client = self._broker.client
            for row in rows:
                payload: str = row["payload"]
                try:
                    key = str(orjson.loads(payload)["id"])
                except (ValueError, TypeError, KeyError):  # not the triggers': nobody's
                    logger.warning("dropping a malformed outbox row: %.200r", payload)
                    continue
                await client.publish(subject(row["channel"], key), payload.encode())
            await client.flush(timeout=NATS_TIMEOUT_SECONDS)
            await delete_outbox(conn, [row["seq"] for row in rows])
            self.published += len(rows)
            if len(rows) < BATCH:
                # The outbox is drained: reading again at once would only contend with the
                # writers for its few pages (one hot entry's writers ran at 0.77 of no
                # fan-out with the relay in a tight loop, 0.91 with no relay at all).
                await asyncio.sleep(IDLE_SECONDS)
