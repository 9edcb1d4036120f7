"""One read scenario's requests run in this process against the ASGI app, no socket and no
client: the server's own CPU per request, and with --profile where it goes (cProfile).

    python -m bench.profile feed [N] [--size small] [--profile] [--sort tottime] [--top 40]

The bench's own data (make bench-data) and settings (no rate budget, the bench's JWT
secret); what the load runs measure with sockets and 32 clients, this measures alone, so a
change's effect on the CPU shows in seconds. The figures for the results file come from
make bench and make bench-ab, never from here.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import time
from typing import Any

from bench import data, scenarios
from bench.dataset import SIZES
from bench.server import BENCH_JWT_SECRET
from server.settings import DEFAULT_DATABASE_URL, load_settings
from server.token import mint


def _request(body: dict[str, Any], token: str | None) -> tuple[dict[str, Any], bytes]:
    headers = [(b"content-type", b"application/json"), (b"host", b"bench")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    payload = json.dumps(body).encode()
    headers.append((b"content-length", str(len(payload)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    return scope, payload


async def _call(app: Any, scope: dict[str, Any], payload: bytes) -> bytes:
    sent: list[bytes] = []
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            sent.append(message.get("body", b""))

    await app(scope, receive, send)
    answer = b"".join(sent)
    if status != [200] or b'"errors"' in answer:
        raise RuntimeError(f"{status}: {answer[:300]!r}")
    return answer


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["list", "feed", "entry"])
    parser.add_argument("requests", nargs="?", type=int, default=500)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    url = data.bench_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), args.size)
    if not data.made(url):
        raise SystemExit(f"no {args.size} bench data: make bench-data SIZE={args.size} first")
    os.environ.update(
        DATABASE_URL=url,
        JWT_SECRET=BENCH_JWT_SECRET,
        MIGRATE_ON_START="0",
        MAX_COST_PER_MINUTE="0",
        TRENDING_REFRESH_SECONDS="3600",
    )
    from server import gc_tuning
    from server.app import create_app

    settings = load_settings()
    token = mint(scenarios.user_id(scenarios.FEED_READER), settings)
    request = scenarios.reads(SIZES[args.size], token)[args.scenario]
    scope, payload = _request(request["body"], request.get("token"))
    app = create_app(settings)
    gc_tuning.tune(settings.gc_gen0_threshold)  # as python -m server does
    async with app.router.lifespan_context(app):
        for _ in range(max(20, args.requests // 10)):  # warm: plans, statements, caches
            await _call(app, scope, payload)
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            await _call(app, scope, payload)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - started
        if profiler:
            profiler.disable()
    print(
        f"{args.scenario}: {args.requests} requests, {cpu / args.requests * 1000:.3f} ms CPU "
        f"and {wall / args.requests * 1000:.3f} ms wall each (this process; PostgreSQL apart)"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    try:  # the loop uvicorn runs the server on when it can
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
