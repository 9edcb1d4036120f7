"""What `make bench` and `make bench-ab` both run: a client process with its plan, the pool
size a server worker and the floor get, and a subscription run on a fresh server."""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import scenarios
from bench.dataset import Size
from bench.server import ROOT, Server
from db.outbox import use_notify
from resolvers.ids import encode_id


def run_client(module: str, plan: Any, binary: bool = False) -> dict[str, Any]:
    """`python -m <module> <plan file>` (bench.load, bench.floor, bench.subs): its summary."""
    suffix = ".pickle" if binary else ".json"
    with tempfile.NamedTemporaryFile("wb", suffix=suffix, delete=False) as f:
        f.write(pickle.dumps(plan) if binary else json.dumps(plan).encode())
    out = subprocess.run(
        [sys.executable, "-m", module, f.name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    Path(f.name).unlink()
    if out.returncode != 0:
        raise RuntimeError(f"{module} failed: {out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def pool_size(concurrency: int, workers: int = 1) -> int:
    """A server worker's pool (DB_POOL_MAX_SIZE) and the floor's: one connection per client
    (the kernel spreads them over the workers) and some for the dataloaders' concurrent
    statements."""
    return max(20, -(-concurrency // workers) + 8)


def subscriptions(
    url: str,
    size: Size,
    kind: str,
    *,
    subscribers: int,
    token: str,
    rounds: int,
    concurrency: int,
    root: Path = ROOT,
    nats_url: str | None = None,
    servers: int = 1,
) -> dict[str, Any]:
    """`subscribers` on one entry (`one_entry`) or on as many entries (`spread`), timed over
    `rounds` commits. Servers of their own: one that served the HTTP scenarios holds freed
    memory the subscribers would reuse, and their memory would read as next to none. One
    worker each: its CPU and memory per subscriber, as before workers. With `nats_url`,
    `servers` processes share the subscribers, the changes reaching them through NATS
    (server/nats_fanout.py); the database is set back to LISTEN/NOTIFY after."""
    entries = scenarios.subscribed_entries(size, kind, subscribers)
    running = []
    try:
        for _ in range(servers):
            running.append(
                Server(
                    url, pool_size=pool_size(concurrency), workers=1, root=root, nats_url=nats_url
                )
            )
        return run_client(
            "bench.subs",
            {
                "urls": [server.url.replace("http://", "ws://") for server in running],
                "token": token,
                "dsn": url,
                "server_pids": [server.process.pid for server in running],
                "rounds": rounds,
                "pause": 0.2,
                "subscribers": [[e, encode_id("Entry", e)] for e in entries],
            },
        )
    finally:
        for server in running:
            server.stop()
        if nats_url:
            asyncio.run(use_notify(url))
