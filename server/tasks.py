"""Background work the server does while it runs."""

from __future__ import annotations

import asyncio
import logging

from db import errors as db_errors
from db.executor import Pool
from db.trending import refresh_trending

logger = logging.getLogger("resonance.tasks")


# A process that wakes up a little early still refreshes a view refreshed one interval ago.
EARLY = 0.9


async def refresh_trending_forever(pool: Pool, every_seconds: float) -> None:
    """Refresh the trending view about every `every_seconds`, once for all server processes
    (whichever finds it due); a failure is logged and retried."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            async with pool.acquire() as conn:
                await refresh_trending(conn, unless_within=every_seconds * EARLY)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if not db_errors.unavailable(error):
                logger.exception("refreshing trending_entries failed; retrying next time")
            else:  # an outage, not a bug: no traceback
                logger.warning("refreshing trending_entries failed (%s); retrying next time", error)
