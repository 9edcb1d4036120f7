"""The benchmark's profile of the server and its results files (Markdown and JSON)."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.server import Server

# The scenarios of a whole run, in order (`python -m bench --only` picks some).
SCENARIOS = ("feed", "list", "entry", "writes", "subscriptions")
PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "asyncpg", "httpx")


def profile(server: Server, load: Callable[[], object], *, seconds: float) -> dict[str, Any]:
    """Sample the server with py-spy while `load` runs; the functions holding the most time."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as f:
        out = Path(f.name)
    recorder = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(server.process.pid),
            "--duration",
            str(int(seconds) + 1),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)
    load()
    recorder.wait(timeout=seconds + 30)
    if recorder.returncode != 0 or not out.exists():
        return {"error": (recorder.stderr.read().decode() if recorder.stderr else "")[-500:]}
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    out.unlink()

    def top(counter: Counter[str], k: int) -> list[tuple[str, float]]:
        return [(frame, round(100 * n / total, 1)) for frame, n in counter.most_common(k)]

    return {"samples": total, "self": top(own, 15), "inclusive": top(inclusive, 25)}


def _machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def _postgres_version() -> str:
    try:
        out = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)
        return out.stdout.strip()
    except OSError:
        return "unknown"


def _fmt(figure: dict[str, Any], key: str) -> str:
    f = figure[key]
    digits = 2 if f["median"] < 10 else 1
    return f"{f['median']:.{digits}f} ({f['min']:.{digits}f}-{f['max']:.{digits}f})"


def _ratio(results: dict[str, Any], server: str, floor: str) -> float | None:
    if server not in results or floor not in results:
        return None
    ratio: float = results[server]["rps"]["median"] / results[floor]["rps"]["median"]
    return round(ratio, 3)


def _ratio_in_turns(results: dict[str, Any], server: str, floor: str) -> float | None:
    """The median of the ratios of runs taken in turns with the floor (bench.beside_floor);
    for a run made before that, the ratio of the two medians."""
    turns = results.get(f"{server}_over_floor")
    if turns is None:
        return _ratio(results, server, floor)
    return round(float(turns["median"]), 3)


def _pairs(results: dict[str, Any], server: str) -> str:
    """A ratio taken in turns, with each pair's."""
    turns = results.get(f"{server}_over_floor")
    if turns is None:
        return ""
    return " (pairs: " + ", ".join(f"{r:.2f}" for r in turns["pairs"]) + ")"


def _baseline(path: Path) -> dict[str, Any]:
    """What a before/after table needs of an earlier run."""
    before = json.loads(path.read_text())
    return {
        "file": path.name,
        "date": before["date"],
        "headline": before["headline"],
        "results": {
            k: v for k, v in before["results"].items() if isinstance(v, dict) and "rps" in v
        },
    }


def rerender(results: Path, baseline: Path | None) -> None:
    """Write a run's Markdown again from its JSON, compared with `baseline` when given."""
    document = json.loads(results.read_text())
    if baseline is not None:
        document["baseline"] = _baseline(baseline)
        results.write_text(json.dumps(document, indent=2, default=str) + "\n")
    results.with_suffix(".md").write_text(_markdown(document))


def _median(results: dict[str, Any], name: str, key: str) -> float | None:
    value: float | None = results.get(name, {}).get(key, {}).get("median")
    return value


def write(out_dir: Path, **run: Any) -> Path:
    results: dict[str, Any] = run["results"]
    c = run["concurrency"]
    # Runs with every worker; with one worker those are the one-worker runs.
    w = run["workers"]
    every = f"_workers_{w}" if w > 1 else ""
    headline = {
        "workers": w,
        # One worker: comparable with the runs before workers.
        "feed_server_floor_ratio": _ratio(results, f"feed_{c}", f"feed_floor_{c}"),
        "feed_p99_ms": _median(results, f"feed_{c}", "p99_ms"),
        # Every worker, as `make run` serves.
        "feed_server_floor_ratio_workers": _ratio_in_turns(
            results, f"feed_{c}{every}", f"feed_floor_{c}"
        ),
        "feed_p99_ms_workers": _median(results, f"feed_{c}{every}", "p99_ms"),
        "list_server_floor_ratio_workers": _ratio_in_turns(
            results, f"list_{c}{every}", f"list_floor_{c}"
        ),
        "list_p99_ms_workers": _median(results, f"list_{c}{every}", "p99_ms"),
        # The server's CPU per request with one worker: the per-request target.
        "server_cpu_ms_one_worker": {
            name: _median(results, f"{name}_{c}", "process_cpu_ms")
            for name in ("list", "feed", "entry")
        },
        "feed_statements_10": run["statements"][10]["statements"],
        "feed_statements_100": run["statements"][100]["statements"],
        "entry_server_floor_ratio": _ratio(results, f"entry_{c}", f"entry_floor_{c}"),
        "hot_write_server_floor_ratio": _ratio(results, f"write_hot_{c}", f"write_hot_floor_{c}"),
        "spread_write_server_floor_ratio": _ratio(
            results, f"write_spread_{c}", f"write_spread_floor_{c}"
        ),
    }
    if "subscriptions" in results:
        headline["subscriptions"] = {
            k: v for k, v in results["subscriptions"].items() if k != "runs"
        }
    baseline = run.pop("baseline", None)
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "versions": {p: version(p) for p in PACKAGES} | {"postgresql": _postgres_version()},
        **{k: v for k, v in run.items() if k != "results"},
        "headline": headline,
        "results": results,
    }
    if baseline is not None:
        document["baseline"] = _baseline(Path(baseline))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = datetime.now(UTC).strftime("%Y-%m-%d")
    if run["size"] != "default":
        stem += f"-{run['size']}"
    if run["scenarios"] != list(SCENARIOS):  # a partial run never replaces a whole one
        stem += "-" + "-".join(run["scenarios"])
    path = out_dir / f"{stem}.md"
    path.with_suffix(".json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    path.write_text(_markdown(document))
    return path


def _markdown(doc: dict[str, Any]) -> str:
    r = doc["results"]
    h = doc["headline"]
    c = doc["concurrency"]
    # Runs before workers (issue 13) had one process and none of the figures below.
    count = h.get("workers", 1)
    workers = f"{count} workers" if count > 1 else "one worker"
    one_worker_cpu = (
        " / ".join(str(v) for v in h.get("server_cpu_ms_one_worker", {}).values()) or "-"
    )
    lines = [
        f"# Benchmark {doc['date']} (size {doc['size']})",
        "",
        f"Machine: {doc['machine']['cpu']}, {doc['machine']['cores']} cores, "
        f"{doc['machine']['memory_gib']} GiB, Linux {doc['machine']['kernel']}, "
        f"Python {doc['machine']['python']}, {doc['versions']['postgresql']}.",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in doc["versions"].items() if k != "postgresql")
        + ".",
        f"Server: {doc.get('server', 'this checkout')}.",
        "Data: "
        + ", ".join(f"{k} {v:,}" for k, v in doc["counts"].items())
        + (
            f" (generated in {doc['generated_in']:.0f} s)."
            if doc.get("generated_in")
            else " (reused)."
        ),
        f"Each figure: median of {doc['timing']['runs']} runs of {doc['timing']['duration']:.0f} s "
        f"after {doc['timing']['warmup']:.0f} s of warm-up, (min-max). Clients and floor run as "
        "separate processes on loopback; server and PostgreSQL share the machine.",
        "",
        "## Headline",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| feed at {c} clients, {workers}: server / floor (req/s) | {h.get('feed_server_floor_ratio_workers')}{_pairs(r, f'feed_{c}_workers_{count}')} | >= 0.8 |",
        f"| list at {c} clients, {workers}: p99 | {h.get('list_p99_ms_workers')} ms | < 50 ms |",
        f"| list at {c} clients, {workers}: server / floor (req/s) | {h.get('list_server_floor_ratio_workers')}{_pairs(r, f'list_{c}_workers_{count}')} | |",
        f"| server CPU per request, one worker: list / feed / entry | {one_worker_cpu} ms | a third of before issue 13 |",
        f"| feed at {c} clients, one worker: server / floor (req/s) | {h['feed_server_floor_ratio']} | >= 0.5 |",
        f"| feed at {c} clients, one worker: p99 | {h['feed_p99_ms']} ms | < 50 ms |",
        f"| SQL statements per feed page of 10 / 100 | {h['feed_statements_10']} / {h['feed_statements_100']} | equal, <= 8 |",
        f"| hot entry resonate/unresonate: server / floor | {h['hot_write_server_floor_ratio']} | >= 0.5 |",
        f"| spread resonate/unresonate: server / floor | {h['spread_write_server_floor_ratio']} | |",
        f"| entry page: server / floor | {h['entry_server_floor_ratio']} | |",
    ]
    if "subscriptions" in h:
        for name, f in h["subscriptions"].items():
            lines.append(
                f"| {f['subscribers']} subscribers ({name}): commit to last event p50 / p99"
                f" | {f['last_event_p50_ms']} / {f['last_event_p99_ms']} ms | p99 < 200 ms |"
            )
            lines.append(
                f"| {f['subscribers']} subscribers ({name}): server memory per subscriber"
                f" | {f['kib_per_subscriber']} KiB | < 20 KiB |"
            )
            if "server_cpu_us_per_event" in f:
                lines.append(
                    f"| {f['subscribers']} subscribers ({name}): server CPU per event"
                    f" | {f['server_cpu_us_per_event']} µs | |"
                )
        lines.append("")
        lines.append(
            "Memory per subscriber is the growth of the server's resident memory while the"
            " subscribers connect, each subscription run on a fresh server process. Server CPU"
            " per event is the server's CPU time over the timed rounds divided by the events"
            " delivered."
        )
    lines += [
        "",
        "## Every figure",
        "",
        "CPU per request: of the server process and its workers (for a floor, of its own"
        " asyncpg process) and of all PostgreSQL processes, over the measured window. Runs"
        " named `_workers_<n>` ran with n workers; the others with one. A `_workers_<n>_floor`"
        " ran in turns with its server's runs, and its server's ratio to the floor is the"
        " median of the pairs' ratios.",
        "",
        "| scenario | req/s | p50 ms | p99 ms | errors | CPU ms: process | CPU ms: PostgreSQL |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figure in r.items():
        if isinstance(figure, dict) and "rps" in figure:
            cpu = [
                _fmt(figure, key) if key in figure else ""
                for key in ("process_cpu_ms", "postgres_cpu_ms")
            ]
            lines.append(
                f"| {name} | {_fmt(figure, 'rps')} | {_fmt(figure, 'p50_ms')} | {_fmt(figure, 'p99_ms')} | {figure['errors']} | {cpu[0]} | {cpu[1]} |"
            )
    lines += [
        "",
        f"Reconcile after the write scenarios: {r.get('drift_after_writes')} drifting counters.",
    ]
    if "baseline" in doc:
        b = doc["baseline"]
        lines += [
            "",
            f"## Before and after (before: {b['file']}, {b['date']})",
            "",
            "| figure | before | after |",
            "|---|---|---|",
        ]
        for key in (
            "feed_server_floor_ratio",
            "feed_p99_ms",
            "feed_server_floor_ratio_workers",
            "list_p99_ms_workers",
            "entry_server_floor_ratio",
            "hot_write_server_floor_ratio",
            "spread_write_server_floor_ratio",
        ):
            lines.append(f"| {key} | {b['headline'].get(key)} | {h.get(key)} |")
        for kind, after in h.get("subscriptions", {}).items():
            before = b["headline"].get("subscriptions", {}).get(kind, {})
            for key in ("last_event_p50_ms", "last_event_p99_ms", "kib_per_subscriber"):
                lines.append(
                    f"| subscriptions {kind} {key} | {before.get(key)} | {after.get(key)} |"
                )
        lines += [
            "",
            "| scenario | req/s before | req/s after | p99 ms before | p99 ms after |",
            "|---|---|---|---|---|",
        ]
        for name, figure in r.items():
            old = b["results"].get(name)
            if old and isinstance(figure, dict) and "rps" in figure:
                lines.append(
                    f"| {name} | {old['rps']['median']:.0f} | {figure['rps']['median']:.0f}"
                    f" | {old['p99_ms']['median']:.0f} | {figure['p99_ms']['median']:.0f} |"
                )
    prof = r.get("profile")
    if prof and "self" in prof:
        lines += [
            "",
            f"## Feed profile (py-spy, {prof['samples']} samples, % of samples)",
            "",
            "Own time:",
            "",
        ]
        lines += [f"- {pct}% {frame}" for frame, pct in prof["self"]]
        lines += ["", "Inclusive:", ""]
        lines += [f"- {pct}% {frame}" for frame, pct in prof["inclusive"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bench.report", description="Rewrite a run's .md from its .json."
    )
    parser.add_argument("results", type=Path, help="a results .json")
    parser.add_argument("--baseline", type=Path, help="an earlier run to compare with")
    args = parser.parse_args()
    rerender(args.results, args.baseline)


if __name__ == "__main__":
    main()
