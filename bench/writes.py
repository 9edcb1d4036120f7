"""Writes through SQL and where their changes go: `python -m bench.writes` (make bench-writes).

pgbench's clients insert and delete resonances with the project's own triggers, on one hot
entry (every writer on one counter row) and spread over many entries, with the triggers'
changes sent each of three ways (`resonance.fanout`, migration 0011): nowhere (`off`, the
baseline), `pg_notify` (LISTEN/NOTIFY, the default) and the outbox (NATS_URL), the outbox
drained meanwhile by the relay to NATS as a server would. A notifying commit takes one
cluster-wide lock, so notifying writers commit one at a time; the outbox is a row written in
the transaction. The modes take turns, round after round, and each mode's figure is the
median over rounds of its ratio to the baseline's run of the same round: the machine's
speed drifts between minutes, not within a round.

Writes the figures to bench/results/<date>-fanout.md and .json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import statistics
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench import data
from server.nats_fanout import NatsBroker
from server.outbox_relay import OutboxRelay
from server.settings import DEFAULT_DATABASE_URL

RESULTS = Path(__file__).resolve().parent / "results"
USERS = 2000
ENTRIES = 1000
MODES = ("off", "notify", "outbox")
# Each writer resonates, then takes it back: two commits, each through the triggers.
SCRIPT = """\\set u random(1, {users})
\\set e {entry}
INSERT INTO user_resonances (user_id, entry_id)
VALUES (md5('bench-writer-' || :u)::uuid, :e) ON CONFLICT DO NOTHING;
DELETE FROM user_resonances WHERE user_id = md5('bench-writer-' || :u)::uuid AND entry_id = :e;
"""
SCENARIOS = {"hot": "1", "spread": f"random(1, {ENTRIES})"}
_TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")


def make_database(base_url: str) -> str:
    """A database of the benchmark's own, migrated, with its writers and entries."""
    url = data.bench_url(base_url, "writes")
    data.recreate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, username, email)"
            " SELECT md5('bench-writer-' || i)::uuid, 'writer' || i, 'writer' || i || '@bench'"
            " FROM generate_series(1, %s) AS i",
            (USERS,),
        )
        conn.execute(
            "INSERT INTO stream_entries (user_id, content)"
            " SELECT md5('bench-writer-1')::uuid, 'entry ' || i FROM generate_series(1, %s) AS i",
            (ENTRIES,),
        )
        conn.execute("ANALYZE")
    return url


def pgbench(url: str, scenario: str, mode: str, clients: int, seconds: int) -> float:
    """Transactions a second of one pgbench run (each script is two)."""
    parts = urlsplit(url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(SCRIPT.format(users=USERS, entry=SCENARIOS[scenario]))
    env = {**os.environ, "PGOPTIONS": f"-c resonance.fanout={mode}"}
    command = [
        "pgbench", "-n", "-c", str(clients), "-j", str(min(clients, 4)), "-T", str(seconds),
        "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
        "-U", parts.username or "postgres", "-f", script.name, parts.path.lstrip("/"),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    finally:
        Path(script.name).unlink()
    found = _TPS.search(done.stdout)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stderr[-2000:]}")
    if found is None:
        raise RuntimeError(f"pgbench printed no tps:\n{done.stdout}\n{done.stderr}")
    return float(found.group(1))


@contextlib.asynccontextmanager
async def relaying(url: str, nats_url: str) -> AsyncIterator[OutboxRelay]:
    """The outbox drained to NATS meanwhile, as a server with NATS_URL drains it."""
    broker = NatsBroker(nats_url, application_name="resonance-bench-writes")
    await broker.start()
    relay = OutboxRelay(url, broker)
    relay.start()
    try:
        yield relay
    finally:
        await relay.stop()
        await broker.stop()


async def run(args: argparse.Namespace) -> dict[str, object]:
    url = make_database(args.database_url)
    runs: dict[str, dict[str, list[float]]] = {s: {m: [] for m in MODES} for s in SCENARIOS}
    async with relaying(url, args.nats_url) as relay:
        for round_ in range(args.rounds):
            for scenario in SCENARIOS:
                # The first mode of each round alternates, so no mode always runs first.
                order = MODES if round_ % 2 == 0 else MODES[::-1]
                for mode in order:
                    tps = await asyncio.to_thread(
                        pgbench, url, scenario, mode, args.clients, args.seconds
                    )
                    runs[scenario][mode].append(tps)
                    print(f"round {round_ + 1} {scenario} {mode}: {tps:.0f} tps", flush=True)
        published = relay.published
    ratios = {
        scenario: {
            mode: statistics.median(
                got / base for got, base in zip(by_mode[mode], by_mode["off"], strict=True)
            )
            for mode in ("notify", "outbox")
        }
        for scenario, by_mode in runs.items()
    }
    return {"runs": runs, "ratios": ratios, "published": published, "clients": args.clients}


def report(summary: dict[str, object], args: argparse.Namespace) -> str:
    runs, ratios = summary["runs"], summary["ratios"]
    assert isinstance(runs, dict) and isinstance(ratios, dict)
    lines = [
        f"# Writes through SQL and their changes: {args.clients} pgbench clients, "
        f"{args.rounds} rounds of {args.seconds} s",
        "",
        "Transactions a second (each pgbench script is an INSERT and a DELETE of a resonance,",
        "two commits through the counter triggers); each ratio is to `off` (no change sent)",
        "in the same round, the median over rounds. The target (issue 15): the outbox at least",
        "0.8 of `off`.",
        "",
        "| scenario | off | notify | outbox | notify / off | outbox / off |",
        "|---|---|---|---|---|---|",
    ]
    for scenario, by_mode in runs.items():
        cells = [" / ".join(f"{t:.0f}" for t in by_mode[m]) for m in MODES]
        lines.append(
            f"| {scenario} | {' | '.join(cells)} | {ratios[scenario]['notify']:.2f} | "
            f"{ratios[scenario]['outbox']:.2f} |"
        )
    lines += ["", f"Changes the relay published to NATS meanwhile: {summary['published']}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--name", default=datetime.date.today().isoformat() + "-fanout")
    args = parser.parse_args()
    summary = asyncio.run(run(args))
    text = report(summary, args)
    print(text)
    (RESULTS / f"{args.name}.md").write_text(text)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
