"""Replace ALL data with demo data: `make seed SEED=1 SIZE=1` (`python -m commands.seed`).

The database is created and migrated when needed, then holds seed SEED's made-up community
(seed/) at scale SIZE (30 users and about 300 entries per unit). The same seed gives the same
rows, ids included; times are relative to `--now` (default: the current time; pin it to get
byte-identical data). It checks that reconcile finds no drift, and prints development
tokens for the featured users (ada, an admin; grace; alan).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from commands.database import database
from db.migrate import apply_all, ensure_database
from db.pool import connect
from db.reconcile import find_drift
from seed.demo import Summary, load_demo
from server.token import mint


async def _seed(dsn: str, seed: int, size: int, now: datetime) -> tuple[Summary, int]:
    """What was seeded, and how many drifts reconcile then finds."""
    conn = await connect(dsn)
    try:
        summary = await load_demo(conn, seed=seed, size=size, now=now)
        drift = len(await find_drift(conn))
    finally:
        await conn.close()
    return summary, drift


def _described(summary: Summary, seed: int, size: int) -> str:
    p = summary.privacy
    return (
        f"Seeded (seed {seed}, size {size}): {summary.users} users, "
        f"{summary.entries} entries ({summary.dreams} dreams; {p.get('public', 0)} public, "
        f"{p.get('followers', 0)} followers-only, {p.get('private', 0)} private; "
        f"{summary.branches} branches, threads up to {summary.deepest} deep), "
        f"{summary.follows} follows, {summary.resonances} resonances, "
        f"{summary.amplifications} amplifications, {summary.shares} shares."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m commands.seed", description=__doc__)
    parser.add_argument("--seed", type=int, default=1, help="which demo data (default 1)")
    parser.add_argument("--size", type=int, default=1, help="scale: 30 users per unit (default 1)")
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=None,
        help="the time the story ends, ISO 8601 (default: now)",
    )
    parser.add_argument("--token-days", type=float, default=30, help="token lifetime (default 30)")
    args = parser.parse_args(argv)
    now: datetime = args.now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)

    with database() as settings:
        ensure_database(settings.database_url)
        apply_all(settings.database_url)
        summary, drift = asyncio.run(_seed(settings.database_url, args.seed, args.size, now))

    print(_described(summary, args.seed, args.size))
    if drift:
        print(f"reconcile found {drift} drift(s): run `make reconcile`", file=sys.stderr)
        return 1
    print("Counters: reconcile finds no drift.")
    print(
        f"\nDevelopment tokens (HS256 with JWT_SECRET, valid {args.token_days:g} days). "
        "Paste a line into GraphiQL's Headers:"
    )
    for user_id, username, role in summary.featured:
        token = mint(user_id, settings, admin=role == "admin", hours=args.token_days * 24)
        label = f"{username} ({role})" if role == "admin" else username
        print(f"  {label:<12} {json.dumps({'Authorization': f'Bearer {token}'})}")
    print("More: make token WHO=<username>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
