"""The database floor, run as its own process: `python -m bench.floor PLAN.pickle`.

Replays statements through asyncpg (the server's own pool settings and codecs) with no HTTP
and no GraphQL: each worker cycles through "requests", each a list of stages run one after
the other, each stage a list of (query, args) run at once, as the server's dataloaders do.
Prints the summary (bench/stats.py) as JSON on stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import sys
import time
from itertools import cycle
from pathlib import Path
from typing import Any

from bench import proc
from bench.stats import summarise
from db.pool import create_pool

Stage = list[tuple[str, tuple[Any, ...]]]


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    concurrency: int = plan["concurrency"]
    # As many connections as the server's pool: the same database resources on both sides.
    pool = await create_pool(plan["dsn"], min_size=1, max_size=plan["pool_size"])
    latencies: list[float] = []
    start_at = time.perf_counter() + plan["warmup"]
    stop_at = start_at + plan["duration"]

    async def worker(index: int) -> None:
        requests: list[list[Stage]] = plan["workers"][index % len(plan["workers"])]
        for request in cycle(requests):
            began = time.perf_counter()
            if began >= stop_at:
                return
            for stage in request:
                await asyncio.gather(*(pool.fetch(query, *args) for query, args in stage))
            if began >= start_at:
                latencies.append(time.perf_counter() - began)

    meter = asyncio.create_task(
        proc.per_request(os.getpid(), start_at, stop_at, lambda: len(latencies))
    )
    try:
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    finally:
        await pool.close()
    return summarise(latencies, plan["duration"], 0) | await meter


def main() -> None:
    plan = pickle.loads(Path(sys.argv[1]).read_bytes())
    print(json.dumps(asyncio.run(run(plan))))


if __name__ == "__main__":
    main()
