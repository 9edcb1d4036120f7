"""HTTP load generator, run as its own process: `python -m bench.load PLAN.json`.

The plan names the URL, the concurrency, how long to warm up and to measure, and for each
worker the requests it cycles through (a JSON body and a bearer token). Each worker holds
one keep-alive connection and speaks HTTP/1.1 over a bare asyncio stream with requests
prepared in advance: the machine is shared with the server, and a full HTTP client library
would spend several times the CPU per request that this one does. Prints the summary
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
from urllib.parse import urlsplit

from bench import proc
from bench.stats import summarise


def prepare(url: str, request: dict[str, Any]) -> bytes:
    """The bytes of one POST, ready to send again and again."""
    parts = urlsplit(url)
    body = json.dumps(request["body"]).encode()
    headers = [
        f"POST {parts.path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if request.get("token"):
        headers.append(f"Authorization: Bearer {request['token']}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    concurrency: int = plan["concurrency"]
    parts = urlsplit(plan["url"])
    latencies: list[float] = []
    errors = 0
    start_at = time.perf_counter() + plan["warmup"]
    stop_at = start_at + plan["duration"]

    async def worker(index: int) -> None:
        nonlocal errors
        requests = [prepare(plan["url"], r) for r in plan["workers"][index % len(plan["workers"])]]
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            for request in cycle(requests):
                began = time.perf_counter()
                if began >= stop_at:
                    return
                writer.write(request)
                status, body = await read_response(reader)
                ended = time.perf_counter()
                if began >= start_at:
                    latencies.append(ended - began)
                    errors += status != 200 or b'"errors"' in body
        finally:
            writer.close()

    meter = asyncio.create_task(
        proc.per_request(plan.get("server_pid"), start_at, stop_at, lambda: len(latencies))
    )
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return summarise(latencies, plan["duration"], errors) | await meter


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(asyncio.run(run(plan))))


if __name__ == "__main__":
    main()
