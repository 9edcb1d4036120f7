"""Recompute every counter from the rows: print each drift, and with --fix repair them.

The SQL is the `counter_drift` view and `fix_counter_drift()` of sql/migrations; this module
is their command line (`make reconcile`, `make reconcile ARGS=--fix`) and the tests' oracle.
The exit status is 1 when drift was found, so it can guard a cron job or a deploy.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass

import asyncpg

from db import embedded
from db.pool import connect


@dataclass(frozen=True)
class Drift:
    kind: str
    id: str
    counter: str
    stored: int | None
    expected: int

    def __str__(self) -> str:
        stored = "missing" if self.stored is None else str(self.stored)
        return f"{self.kind} {self.id}: {self.counter} is {stored}, rows say {self.expected}"


_ORDER = " ORDER BY kind, id, counter"


async def find_drift(conn: asyncpg.Connection) -> list[Drift]:
    rows = await conn.fetch(
        "SELECT kind, id, counter, stored, expected FROM counter_drift" + _ORDER
    )
    return [Drift(**dict(r)) for r in rows]


async def fix_drift(conn: asyncpg.Connection) -> list[Drift]:
    """Repair every drift in one transaction; returns what was repaired."""
    async with conn.transaction():
        rows = await conn.fetch(
            "SELECT kind, id, counter, stored, expected FROM fix_counter_drift()" + _ORDER
        )
    return [Drift(**dict(r)) for r in rows]


async def run(dsn: str, fix: bool) -> int:
    conn = await connect(dsn)
    try:
        drifts = await (fix_drift(conn) if fix else find_drift(conn))
    finally:
        await conn.close()
    for drift in drifts:
        print(drift)
    verb = "repaired" if fix else "found"
    print(f"{len(drifts)} drift(s) {verb}")
    return 1 if drifts and not fix else 0


def main(argv: list[str] | None = None) -> int:
    from server.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m db.reconcile", description=__doc__)
    parser.add_argument("--fix", action="store_true", help="repair every drift found")
    args = parser.parse_args(argv)
    settings = load_settings()
    with embedded.running(settings.embedded_postgres_dir):
        return asyncio.run(run(settings.database_url, args.fix))


if __name__ == "__main__":
    sys.exit(main())
