"""Background work the server does while it runs."""

from __future__ import annotations

import asyncio
import logging

from db.executor import Pool
from db.trending import refresh_trending

logger = logging.getLogger("resonance.tasks")


async def refresh_trending_forever(pool: Pool, every_seconds: float) -> None:
    """Refresh the trending view every `every_seconds`; a failure is logged and retried."""
    while True:
        await asyncio.sleep(every_seconds)
        try:
            async with pool.acquire() as conn:
                await refresh_trending(conn)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("refreshing trending_entries failed; retrying next time")
