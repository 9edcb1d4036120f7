"""`python -m tests.subscriptions.serve`: the server as `python -m server` runs it, plus
`GET /_test/stats` so tests can look inside the process (broker registry, tasks, memory)."""

from __future__ import annotations

import asyncio
import json
import logging
import os

import uvicorn
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from server.app import create_app
from server.serving import uvicorn_options
from server.settings import load_settings

STATS_PATH = "/_test/stats"


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def with_stats(app: Starlette) -> object:
    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != STATS_PATH:
            await app(scope, receive, send)
            return
        broker, relay = app.state.broker, app.state.relay
        body = json.dumps(
            {
                "registry": broker.registry_size(),
                "subscribers": broker.subscriber_count(),
                "reconnects": broker.reconnects,
                "expressed": broker.expressed,
                "listen_name": broker.application_name,
                "relay_leading": relay is not None and relay.leading,
                "relay_published": 0 if relay is None else relay.published,
                "tasks": len(asyncio.all_tasks()),
                "rss": rss_bytes(),
            }
        ).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return serve


if __name__ == "__main__":
    settings = load_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    uvicorn.run(
        with_stats(create_app(settings)),  # type: ignore[arg-type]
        log_level="warning",
        **uvicorn_options(settings),
    )
