"""HTTP load generator, run as its own process: `python -m bench.load PLAN.json`.

The plan names the URL, the concurrency, how long to warm up and to measure, and for each
worker the requests it cycles through (a JSON body and a bearer token). Prints the summary
(bench/stats.py) as JSON on stdout.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx

from bench.stats import summarise


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    concurrency: int = plan["concurrency"]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors = 0
    start_at = time.perf_counter() + plan["warmup"]
    stop_at = start_at + plan["duration"]

    async def worker(index: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        requests = plan["workers"][index % len(plan["workers"])]
        prepared = [
            (
                json.dumps(r["body"]).encode(),
                {
                    "Content-Type": "application/json",
                    **({"Authorization": f"Bearer {r['token']}"} if r.get("token") else {}),
                },
            )
            for r in requests
        ]
        for body, headers in cycle(prepared):
            began = time.perf_counter()
            if began >= stop_at:
                return
            response = await client.post(plan["url"], content=body, headers=headers)
            ended = time.perf_counter()
            failed = response.status_code != 200 or b'"errors"' in response.content
            if began >= start_at:
                latencies.append(ended - began)
                errors += failed

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(i, client) for i in range(concurrency)))
    return summarise(latencies, plan["duration"], errors)


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(asyncio.run(run(plan))))


if __name__ == "__main__":
    main()
