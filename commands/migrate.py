"""Apply the pending migrations: `make migrate` (`python -m commands.migrate`).

Creates the database when it does not exist; `--list` shows what is pending,
`--rollback-all` undoes every migration. The runner itself is db/migrate.py, which the
server also calls at start.
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import urlsplit

from commands.database import database
from db.migrate import apply_all, ensure_database, pending, rollback_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m commands.migrate", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--list", action="store_true", help="show pending migrations")
    group.add_argument("--rollback-all", action="store_true", help="undo every migration")
    args = parser.parse_args(argv)

    with database() as settings:
        dsn = settings.database_url
        if args.list:
            todo = pending(dsn)
            print("\n".join(f"pending: {m}" for m in todo) or "up to date")
        elif args.rollback_all:
            for m in rollback_all(dsn):
                print(f"rolled back: {m}")
        else:
            if ensure_database(dsn):
                print(f"created database {urlsplit(dsn).path.lstrip('/')}")
            applied = apply_all(dsn)
            print("\n".join(f"applied: {m}" for m in applied) or "up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
