"""Recompute every counter from the rows: `make reconcile` (`python -m commands.reconcile`).

Prints each drift; `--fix` repairs them all in one transaction. The exit status is 1 when
drift was found (and not repaired), so it can guard a cron job or a deploy. The checks are
db/reconcile.py's, over the SQL of sql/migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from commands.database import database
from db.pool import connect
from db.reconcile import find_drift, fix_drift


async def _reconcile(dsn: str, fix: bool) -> int:
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
    parser = argparse.ArgumentParser(prog="python -m commands.reconcile", description=__doc__)
    parser.add_argument("--fix", action="store_true", help="repair every drift found")
    args = parser.parse_args(argv)
    with database() as settings:
        return asyncio.run(_reconcile(settings.database_url, args.fix))


if __name__ == "__main__":
    sys.exit(main())
