"""`python -m bench.ab BEFORE` (make bench-ab BEFORE=<checkout>): the server's CPU per request
and per subscription event, two checkouts taking turns on the same data.

`make bench` measures one checkout; a before/after from two such runs minutes apart reads
the machine's drift as much as the change (on a shared 2-core machine the same code measured
2.24 and 2.72 ms a list page an hour apart). Here both servers run at once, one worker each,
and the load goes to one then the other, pair after pair, the order swapped every other
pair; each figure is the median of its runs and the ratio the median of the pairs' ratios.
Subscriptions get a fresh server for each run, as in `make bench`.

Results: bench/results/<date>-ab.md and .json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import data, runs, scenarios
from bench.dataset import SIZES
from bench.runs import pool_size, run_client
from bench.server import BENCH_JWT_SECRET, ROOT, Server, server_version
from server.settings import DEFAULT_DATABASE_URL, Settings
from server.token import mint

HTTP_SCENARIOS = ("list", "feed", "entry")
SUBSCRIPTIONS = ("one_entry", "spread")


def _summary(values: list[float]) -> dict[str, float]:
    """Median, min and max; NaN for none (a ratio to a before that measured 0)."""
    if not values:
        return {"median": math.nan, "min": math.nan, "max": math.nan}
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


class Turns:
    """The figures of both checkouts for one scenario, pair by pair."""

    def __init__(self, figure: str) -> None:
        self.figure = figure
        self.before: list[float] = []
        self.after: list[float] = []

    def add(self, side: str, value: float) -> None:
        (self.before if side == "before" else self.after).append(value)

    def report(self) -> dict[str, Any]:
        ratios = [a / b for b, a in zip(self.before, self.after, strict=True) if b]
        return {
            "figure": self.figure,
            "before": _summary(self.before),
            "after": _summary(self.after),
            "ratio": _summary(ratios),
            "runs": {"before": self.before, "after": self.after},
        }


def _order(pair: int) -> tuple[str, str]:
    return ("before", "after") if pair % 2 == 0 else ("after", "before")


def http_turns(args: argparse.Namespace, url: str, trees: dict[str, Path]) -> dict[str, Any]:
    token = mint(scenarios.user_id(scenarios.FEED_READER), Settings(jwt_secret=BENCH_JWT_SECRET))
    requests = scenarios.reads(SIZES[args.size], token)
    servers = {
        side: Server(url, pool_size=pool_size(args.concurrency), workers=1, root=tree)
        for side, tree in trees.items()
    }
    results: dict[str, Any] = {}
    try:
        for name in (s for s in HTTP_SCENARIOS if s in args.only):
            cpu, p99 = Turns("server CPU per request, ms"), Turns("p99, ms")
            for pair in range(args.pairs):
                for side in _order(pair):
                    server = servers[side]
                    plan = {
                        "url": server.url,
                        "server_pid": server.process.pid,
                        "concurrency": args.concurrency,
                        "workers": [[requests[name]]],
                        "duration": args.duration,
                        "warmup": args.warmup,
                    }
                    run = run_client("bench.load", plan)
                    if run["errors"]:
                        raise RuntimeError(f"{name} on {side}: {run['errors']} errors")
                    cpu.add(side, run["process_cpu_ms"])
                    p99.add(side, run["p99_ms"])
            results[name] = {"cpu": cpu.report(), "p99": p99.report()}
            _say(name, results[name]["cpu"])
    finally:
        for server in servers.values():
            server.stop()
    return results


def subscription_turns(
    args: argparse.Namespace, url: str, trees: dict[str, Path]
) -> dict[str, Any]:
    token = mint(scenarios.user_id(scenarios.FEED_READER), Settings(jwt_secret=BENCH_JWT_SECRET))
    size = SIZES[args.size]
    results: dict[str, Any] = {}
    for kind in SUBSCRIPTIONS:
        cpu, p99 = Turns("server CPU per event, us"), Turns("last event p99, ms")
        for pair in range(args.pairs):
            for side in _order(pair):
                figures = runs.subscriptions(
                    url,
                    size,
                    kind,
                    subscribers=args.subscribers,
                    token=token,
                    rounds=args.rounds,
                    concurrency=args.concurrency,
                    root=trees[side],
                )
                cpu.add(side, figures["server_cpu_us_per_event"])
                p99.add(side, figures["last_event_p99_ms"])
        results[kind] = {"cpu": cpu.report(), "p99": p99.report()}
        _say(f"subscriptions {kind}", results[kind]["cpu"])
    return results


def _say(name: str, turns: dict[str, Any]) -> None:
    print(
        f"  {name}: {turns['figure']} before {turns['before']['median']:.3g},"
        f" after {turns['after']['median']:.3g}, after/before {turns['ratio']['median']:.2f}",
        flush=True,
    )


def _row(name: str, turns: dict[str, Any]) -> str:
    def cell(s: dict[str, float]) -> str:
        return f"{s['median']:.3g} ({s['min']:.3g}-{s['max']:.3g})"

    return (
        f"| {name} | {turns['figure']} | {cell(turns['before'])} | {cell(turns['after'])}"
        f" | **{turns['ratio']['median']:.2f}** ({turns['ratio']['min']:.2f}-"
        f"{turns['ratio']['max']:.2f}) |"
    )


def write(out: Path, meta: dict[str, Any], results: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{datetime.now(UTC).date().isoformat()}-ab.md"
    lines = [
        f"# Before and after, taking turns ({meta['when']}, size {meta['size']})",
        "",
        f"Before: {meta['before']}. After: {meta['after']}.",
        f"{meta['pairs']} pairs of runs of {meta['duration']:g} s after {meta['warmup']:g} s of"
        f" warm-up, {meta['concurrency']} clients, one worker each; subscriptions:"
        f" {meta['subscribers']} subscribers, {meta['rounds']} rounds, a fresh server a run."
        " Median (min-max); the ratio is the median of the pairs' ratios.",
        "",
        "| scenario | figure | before | after | after / before |",
        "|---|---|---|---|---|",
    ]
    for name, figures in results.items():
        for turns in figures.values():
            lines.append(_row(name, turns))
    path.write_text("\n".join(lines) + "\n")
    path.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("before", type=Path, help="the checkout before (a worktree)")
    parser.add_argument("--after", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--only",
        type=lambda v: [s.strip() for s in v.split(",") if s.strip()],
        default=[*HTTP_SCENARIOS, "subscriptions"],
        help="comma-separated, of list,feed,entry,subscriptions (default: all)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    unknown = set(args.only) - {*HTTP_SCENARIOS, "subscriptions"}
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")

    base = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    url = data.bench_url(base, args.size)
    data.ensure(url, args.size)
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    results = http_turns(args, url, trees)
    if "subscriptions" in args.only and args.subscribers:
        results |= {
            f"subscriptions {kind}": figures
            for kind, figures in subscription_turns(args, url, trees).items()
        }
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": args.size,
        "before": server_version(trees["before"]),
        "after": server_version(trees["after"]),
        "pairs": args.pairs,
        "duration": args.duration,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
        "subscribers": args.subscribers,
        "rounds": args.rounds,
    }
    path = write(args.out, meta, results)
    print(f"results: {path} and {path.with_suffix('.json')}")


if __name__ == "__main__":
    main()
