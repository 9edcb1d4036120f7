"""Mint a development token: `make token WHO=ada` (`python -m commands.token ada`).

WHO is a username or a user id; the token is server/token.py's (HS256 with JWT_SECRET,
`sub` the user's id), valid for --hours (default 24), with `role: admin` when --admin.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from commands.database import database
from db.pool import connect
from db.users import fetch_user_by_username
from db.visibility import ANONYMOUS
from server.token import mint


async def _user_id(who: str, dsn: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(who)
    except ValueError:
        pass
    conn = await connect(dsn)
    try:
        row = await fetch_user_by_username(conn, ANONYMOUS, who)
    finally:
        await conn.close()
    return None if row is None else row["id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m commands.token", description=__doc__)
    parser.add_argument("user", help="a username or a user id (UUID)")
    parser.add_argument("--admin", action="store_true", help="add role: admin")
    parser.add_argument("--hours", type=float, default=24, help="lifetime (default 24)")
    args = parser.parse_args(argv)
    with database() as settings:
        user_id = asyncio.run(_user_id(args.user, settings.database_url))
    if user_id is None:
        print(f"no user named {args.user!r}", file=sys.stderr)
        return 1
    print(mint(user_id, settings, admin=args.admin, hours=args.hours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
