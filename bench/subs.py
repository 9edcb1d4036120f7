"""Subscribers, run as their own process: `python -m bench.subs PLAN.json`.

Opens one WebSocket (graphql-transport-ws) per subscriber, subscribes each to the counts of
its entry and waits for every snapshot; measures the server's resident memory before and
after; then, round after round, commits one change to every watched entry in one
transaction (record_share: one commit, one notification per entry) and times from the
commit to each subscriber's event. Prints the summary as JSON on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.proc import cpu_seconds, rss_bytes
from db.pool import connect as db_connect

SUBSCRIPTION = "subscription ($id: ID!) { entryCounts(entryId: $id) { counts { shareCount } } }"
PROTOCOL = Subprotocol("graphql-transport-ws")


class Round:
    """Subscribers still waiting for this round's event; `done` once none is."""

    def __init__(self, pending: int) -> None:
        self.pending = pending
        self.done = asyncio.Event()

    def arrived(self) -> None:
        self.pending -= 1
        if self.pending == 0:
            self.done.set()


class Watcher:
    """One subscriber: the newest share count it has seen and when it arrived."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.shares = -1
        self.arrived: dict[int, float] = {}
        self.snapshot = asyncio.Event()
        self.waiting: tuple[int, Round] | None = None

    async def listen(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            if message.get("type") != "next":
                continue
            shares = message["payload"]["data"]["entryCounts"]["counts"]["shareCount"]
            self.arrived.setdefault(shares, time.monotonic())
            self.shares = max(self.shares, shares)
            self.snapshot.set()
            if self.waiting and self.shares >= self.waiting[0]:
                self.waiting[1].arrived()
                self.waiting = None


async def subscribe(url: str, token: str, gid: str) -> Watcher:
    ws = await connect(url, subprotocols=[PROTOCOL], max_queue=64, open_timeout=30)
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await ws.recv())
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no ack: {ack}")
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIPTION, "variables": {"id": gid}},
            }
        )
    )
    return Watcher(ws)


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    # One [entry id, global id] per subscriber (the same entry repeated for "one entry").
    subscribers: list[list[Any]] = plan["subscribers"]
    # Several servers (through NATS) share the subscribers, each its turn.
    urls: list[str] = plan["urls"]
    pids: list[int] = plan["server_pids"]
    before = sum(rss_bytes(pid) for pid in pids)
    watchers: list[Watcher] = []
    for start in range(0, len(subscribers), 100):  # in waves, not 1,000 handshakes at once
        batch = subscribers[start : start + 100]
        watchers += await asyncio.gather(
            *(
                subscribe(urls[(start + i) % len(urls)], plan["token"], gid)
                for i, (_, gid) in enumerate(batch)
            )
        )
    listeners = [asyncio.create_task(w.listen()) for w in watchers]
    await asyncio.wait_for(asyncio.gather(*(w.snapshot.wait() for w in watchers)), timeout=60)
    await asyncio.sleep(1)  # let the server settle before reading its memory
    after = sum(rss_bytes(pid) for pid in pids)

    conn = await db_connect(plan["dsn"])
    # This process's own collections (a pass over 1,000 connections' objects) would be timed
    # as the server's latency: none runs while the rounds are timed.
    gc.collect()
    gc.freeze()
    gc.disable()
    distinct = sorted({entry for entry, _ in subscribers})
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    last_latencies, all_latencies, missing = [], [], 0
    try:
        for _ in range(plan["rounds"]):
            targets = {w: w.shares + 1 for w in watchers}
            this_round = Round(len(watchers))
            for w, target in targets.items():
                w.waiting = (target, this_round)
            async with conn.transaction():
                await conn.execute(
                    "SELECT FROM unnest($1::bigint[]) AS id, record_share(id)", distinct
                )
            committed = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(this_round.done.wait(), timeout=5)
            latencies = []
            for w, target in targets.items():
                arrived = w.arrived.get(target)
                if arrived is None:
                    missing += 1
                else:
                    latencies.append(max(0.0, arrived - committed))
            if latencies:
                last_latencies.append(max(latencies))
                all_latencies += latencies
            await asyncio.sleep(plan["pause"])
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    finally:
        gc.enable()
        await conn.close()
        for task in listeners:
            task.cancel()
        await asyncio.gather(*(w.ws.close() for w in watchers), return_exceptions=True)

    def pct(values: list[float], p: float) -> float:
        ordered = sorted(values)
        return (
            round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2)
            if ordered
            else float("nan")
        )

    return {
        "subscribers": len(watchers),
        "servers": len(pids),
        "rounds": plan["rounds"],
        "missing_events": missing,
        "last_event_p50_ms": pct(last_latencies, 50),
        "last_event_p99_ms": pct(last_latencies, 99),
        "event_p50_ms": pct(all_latencies, 50),
        "event_p99_ms": pct(all_latencies, 99),
        "last_event_mean_ms": round(statistics.fmean(last_latencies) * 1000, 2)
        if last_latencies
        else float("nan"),
        # Server CPU per event delivered, the pauses between rounds included (an idle
        # server uses next to none).
        "server_cpu_us_per_event": round(cpu / max(1, len(all_latencies)) * 1e6, 1),
        "last_event_ms_by_round": [round(x * 1000, 1) for x in last_latencies],
        "server_rss_before_mib": round(before / 2**20, 1),
        "server_rss_after_mib": round(after / 2**20, 1),
        "kib_per_subscriber": round((after - before) / len(watchers) / 1024, 2),
    }


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(asyncio.run(run(plan))))


if __name__ == "__main__":
    main()
