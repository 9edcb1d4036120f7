"""`python -m bench` (make bench): run every scenario against the server, one worker (the CPU a
request costs), then the feed and the list again with every worker (`--workers`, by default
WORKERS' own default: a worker per core).

Each client (HTTP load, database floor, subscribers) runs as its own process on loopback.
Each figure is the median of --runs runs, with min and max, and the headline figures are
ratios measured in the same run, so they hold on a noisy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
from typing import Any

from bench import data, report, runs, scenarios
from bench.dataset import SIZES, Size, showcase_entry
from bench.report import SCENARIOS
from bench.runs import pool_size, run_client
from bench.server import BENCH_JWT_SECRET, ROOT, Server, server_version
from bench.stats import median_of
from db.pool import connect, create_pool
from db.reconcile import find_drift
from resolvers.ids import encode_id
from server.settings import DEFAULT_DATABASE_URL, Settings, cores
from server.token import mint


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.size: Size = SIZES[args.size]
        # The benchmark's own database, on DATABASE_URL's server (the machine's by default:
        # the embedded development server is not started here).
        base = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        self.url = data.bench_url(base, args.size)
        self.results: dict[str, Any] = {}

    def timing(self) -> dict[str, float]:
        return {"duration": self.args.duration, "warmup": self.args.warmup}

    def _http_plan(
        self, server: Server, concurrency: int, workers: list[list[dict[str, Any]]]
    ) -> dict[str, Any]:
        return {
            "url": server.url,
            "server_pid": server.process.pid,
            "concurrency": concurrency,
            "workers": workers,
            **self.timing(),
        }

    def _floor_plan(self, concurrency: int, workers: list[list[list[Any]]]) -> dict[str, Any]:
        return {
            "dsn": self.url,
            "concurrency": concurrency,
            "pool_size": pool_size(self.args.concurrency),
            "workers": workers,
            **self.timing(),
        }

    def http(
        self, name: str, server: Server, concurrency: int, workers: list[list[dict[str, Any]]]
    ) -> dict[str, Any]:
        plan = self._http_plan(server, concurrency, workers)
        runs = [run_client("bench.load", plan) for _ in range(self.args.runs)]
        return self._record(name, runs)

    def floor(self, name: str, concurrency: int, workers: list[list[list[Any]]]) -> dict[str, Any]:
        plan = self._floor_plan(concurrency, workers)
        runs = [run_client("bench.floor", plan, binary=True) for _ in range(self.args.runs)]
        return self._record(name, runs)

    def beside_floor(
        self,
        name: str,
        server: Server,
        concurrency: int,
        requests: list[list[dict[str, Any]]],
        statements: list[list[list[Any]]],
    ) -> dict[str, Any]:
        """The server's runs and the floor's taking turns, the first of each pair in turn,
        and the ratio of each pair (`<name>_over_floor`). On this kind of machine
        PostgreSQL's CPU for the same page moves by a third from one minute to the next
        whatever drives it, so a ratio of two medians taken minutes apart measures the
        machine as much as the server."""
        http_plan = self._http_plan(server, concurrency, requests)
        floor_plan = self._floor_plan(concurrency, statements)
        served: list[dict[str, Any]] = []
        floors: list[dict[str, Any]] = []
        for pair in range(self.args.runs):
            if pair % 2:
                served.append(run_client("bench.load", http_plan))
            floors.append(run_client("bench.floor", floor_plan, binary=True))
            if not pair % 2:
                served.append(run_client("bench.load", http_plan))
        self._record(f"{name}_floor", floors)
        ratios = [round(s["rps"] / f["rps"], 3) for s, f in zip(served, floors, strict=True)]
        self.results[f"{name}_over_floor"] = {"pairs": ratios} | median_of(
            [{"ratio": r} for r in ratios], "ratio"
        )
        print(f"  {name} / floor, in turns: {ratios}", flush=True)
        return self._record(name, served)

    def _record(self, name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
        summary: dict[str, Any] = {
            key: median_of(runs, key)
            for key in ("rps", "p50_ms", "p99_ms", "process_cpu_ms", "postgres_cpu_ms")
        }
        summary["errors"] = sum(r["errors"] for r in runs)
        summary["runs"] = runs
        self.results[name] = summary
        print(
            f"  {name}: {summary['rps']['median']:.0f} req/s, p50 {summary['p50_ms']['median']:.1f} ms,"
            f" p99 {summary['p99_ms']['median']:.1f} ms, errors {summary['errors']};"
            f" CPU per request: {summary['process_cpu_ms']['median']:.2f} ms in the process,"
            f" {summary['postgres_cpu_ms']['median']:.2f} ms in PostgreSQL",
            flush=True,
        )
        return summary


async def _capture(url: str, size: Size, writers: int) -> dict[str, Any]:
    pool = await create_pool(url, min_size=1, max_size=8)
    try:
        reader = scenarios.user_id(scenarios.FEED_READER)
        feed, _ = await scenarios.capture(pool, scenarios.FEED, reader, first=20)
        counts = {}
        for first in (10, 100):
            stages, result = await scenarios.capture(pool, scenarios.FEED, reader, first=first)
            counts[first] = {
                "statements": sum(len(s) for s in stages),
                "edges": len(result["feed"]["edges"]),
            }
        listed, _ = await scenarios.capture(pool, scenarios.LIST, None)
        entry, _ = await scenarios.capture(
            pool, scenarios.ENTRY_PAGE, reader, id=encode_id("Entry", showcase_entry(size))
        )
        return {
            "feed": feed,
            "feed_counts": counts,
            "list": listed,
            "entry": entry,
            "write_spread": await scenarios.write_floor(pool, size, writers, hot=False),
            "write_hot": await scenarios.write_floor(pool, size, writers, hot=True),
        }
    finally:
        await pool.close()


async def _drift(url: str) -> int:
    conn = await connect(url)
    try:
        return len(await find_drift(conn))
    finally:
        await conn.close()


def run(args: argparse.Namespace) -> Path | None:
    bench = Bench(args)
    counts, generated_in = data.ensure(bench.url, args.size)
    if args.data_only:
        print(json.dumps(counts))
        return None
    concurrency = args.concurrency
    captured = asyncio.run(_capture(bench.url, bench.size, concurrency))
    settings = Settings(jwt_secret=BENCH_JWT_SECRET)
    tokens = [mint(scenarios.user_id(n), settings) for n in range(1, concurrency + 1)]
    reader_token = tokens[0]
    reads = scenarios.reads(bench.size, reader_token)

    only = set(args.only)
    # One worker: the CPU per request, comparable with every run before workers.
    server = Server(bench.url, pool_size=pool_size(concurrency), workers=1, root=args.server_tree)
    try:
        if "feed" in only:
            print("feed", flush=True)
            for c in (1, concurrency):
                bench.http(f"feed_{c}", server, c, [[reads["feed"]]])
                bench.floor(f"feed_floor_{c}", c, [[captured["feed"]]])
        if "list" in only:
            print("list (anonymous)", flush=True)
            bench.http(f"list_{concurrency}", server, concurrency, [[reads["list"]]])
            bench.floor(f"list_floor_{concurrency}", concurrency, [[captured["list"]]])
        if "entry" in only:
            print("entry page", flush=True)
            bench.http(
                f"entry_{concurrency}",
                server,
                concurrency,
                [[reads["entry"]]],
            )
            bench.floor(f"entry_floor_{concurrency}", concurrency, [[captured["entry"]]])
        if "writes" in only:
            print("writes", flush=True)
            for kind in ("spread", "hot"):
                plan = scenarios.write_plan(bench.size, tokens, hot=kind == "hot")
                bench.http(f"write_{kind}_{concurrency}", server, concurrency, plan)
                floor = captured[f"write_{kind}"]
                bench.floor(f"write_{kind}_floor_{concurrency}", concurrency, floor)
            bench.results["drift_after_writes"] = asyncio.run(_drift(bench.url))
            drift = bench.results["drift_after_writes"]
            print(f"  reconcile after writes: {drift} drift", flush=True)
        if args.subscribers and "subscriptions" in only:
            print("subscriptions", flush=True)
            bench.results["subscriptions"] = {}
            for kind in ("one_entry", "spread"):
                figures = runs.subscriptions(
                    bench.url,
                    bench.size,
                    kind,
                    subscribers=args.subscribers,
                    token=reader_token,
                    rounds=args.rounds,
                    concurrency=concurrency,
                    root=args.server_tree,
                )
                bench.results["subscriptions"][kind] = figures
                print(f"  {kind}: {figures}", flush=True)
            # The same spread over two server processes, the changes through NATS.
            figures = runs.subscriptions(
                bench.url,
                bench.size,
                "spread",
                subscribers=args.subscribers,
                token=reader_token,
                rounds=args.rounds,
                concurrency=concurrency,
                root=args.server_tree,
                nats_url=args.nats_url,
                servers=2,
            )
            bench.results["subscriptions"]["spread_nats_2_servers"] = figures
            print(f"  spread_nats_2_servers: {figures}", flush=True)
        if args.profile and "feed" in only:
            print("profiling the feed", flush=True)
            bench.results["profile"] = report.profile(
                server,
                lambda: bench.http(
                    f"feed_{concurrency}_profiled",
                    server,
                    concurrency,
                    [[reads["feed"]]],
                ),
                seconds=args.duration + args.warmup,
            )
    finally:
        server.stop()

    workers = args.workers
    if workers > 1 and only & {"feed", "list"}:
        # Every worker, as `make run` serves: the feed's ratio to the floor and the list's p99.
        print(f"{workers} workers", flush=True)
        everyone = Server(
            bench.url,
            pool_size=pool_size(concurrency, workers),
            workers=workers,
            root=args.server_tree,
        )
        try:
            for scenario in ("feed", "list"):
                if scenario in only:
                    bench.beside_floor(
                        f"{scenario}_{concurrency}_workers_{workers}",
                        everyone,
                        concurrency,
                        [[reads[scenario]]],
                        [[captured[scenario]]],
                    )
        finally:
            everyone.stop()

    return report.write(
        args.out,
        size=args.size,
        counts=counts,
        generated_in=generated_in,
        concurrency=concurrency,
        workers=workers,
        scenarios=[s for s in SCENARIOS if s in only],
        statements=captured["feed_counts"],
        results=bench.results,
        timing=bench.timing() | {"runs": args.runs},
        baseline=args.baseline,
        server=server_version(args.server_tree),
    )


def _scenarios(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = set(names) - set(SCENARIOS)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {','.join(SCENARIOS)}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        default=cores(),
        help="the server's workers for the feed and list runs with every worker "
        "(default: WORKERS' default, the cores; 1 skips those runs)",
    )
    parser.add_argument("--subscribers", type=int, default=1000, help="0 skips the scenario")
    parser.add_argument(
        "--nats-url",
        default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
        help="NATS for the subscriptions through NATS over two server processes",
    )
    parser.add_argument("--rounds", type=int, default=30, help="commits timed per subscription run")
    parser.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--only",
        type=_scenarios,
        default=list(SCENARIOS),
        help=f"comma-separated scenarios to run, of {','.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument("--data-only", action="store_true", help="make the data and stop")
    parser.add_argument(
        "--baseline", type=Path, help="an earlier results .json to compare with (before/after)"
    )
    parser.add_argument(
        "--server-tree",
        type=Path,
        default=ROOT,
        help="run the server from this checkout (a worktree of an earlier commit): "
        "its figures on the same data, for a before/after",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    path = run(args)
    if path is not None:
        print(f"results: {path} and {path.with_suffix('.json')}")


if __name__ == "__main__":
    main()
