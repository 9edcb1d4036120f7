"""Probes for whatever runs the server: /healthz (the process answers) and /readyz (it can
serve: the database answers within a second or two and its migrations are current). With
replicas, /readyz shows each as the last probe found it (db/replicas.py): one lagging or down
is skipped, so it does not make the server unready."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse

from db.executor import Pool
from db.health import pending_migrations
from db.replicas import Replicas

logger = logging.getLogger("resonance.health")

# A probe must answer even when the database does not; orchestrators time out at about 1-5 s.
READY_TIMEOUT_SECONDS = 2.0


async def healthz(request: Request) -> JSONResponse:
    """Liveness: no database involved, so a database outage does not restart the process."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    pool: Pool | None = getattr(request.app.state, "pool", None)
    pending: list[str] = []
    database = "ok"
    try:
        if pool is None:
            raise RuntimeError("the pool is not open")
        # Through the pool, not a connection of its own: the pool runs a statement again
        # when its connection turns out to have been ended by the server meanwhile.
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            pending = await pending_migrations(pool)
    except Exception as error:
        logger.warning("readiness: the database is unreachable: %r", error)
        database = "unreachable"
    ready = database == "ok" and not pending
    body: dict[str, object] = {
        "status": "ready" if ready else "unavailable",
        "database": database,
        "pendingMigrations": pending,
    }
    replicas: Replicas | None = getattr(request.app.state, "replicas", None)
    if replicas is not None and replicas.replicas:
        body["replicas"] = replicas.report()
    return JSONResponse(body, status_code=200 if ready else 503)
