"""Mint a development token: `python -m server.token ada` (or a user id), `make token WHO=ada`.

The token is signed with JWT_SECRET (HS256), names the user in `sub`, and expires after
--hours (default 24); --admin adds `role: admin`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid

import jwt

from db import embedded
from db.pool import connect
from db.users import fetch_user_by_username
from db.visibility import ANONYMOUS
from server.settings import Settings, load_settings


def mint(user_id: uuid.UUID, settings: Settings, *, admin: bool = False, hours: float = 24) -> str:
    claims: dict[str, object] = {"sub": str(user_id), "exp": int(time.time() + hours * 3600)}
    if admin:
        claims["role"] = "admin"
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


async def _user_id(who: str, settings: Settings) -> uuid.UUID | None:
    try:
        return uuid.UUID(who)
    except ValueError:
        pass
    conn = await connect(settings.database_url)
    try:
        row = await fetch_user_by_username(conn, ANONYMOUS, who)
    finally:
        await conn.close()
    return None if row is None else row["id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.token", description=__doc__)
    parser.add_argument("user", help="a username or a user id (UUID)")
    parser.add_argument("--admin", action="store_true", help="add role: admin")
    parser.add_argument("--hours", type=float, default=24, help="lifetime (default 24)")
    args = parser.parse_args(argv)
    settings = load_settings()
    with embedded.running(settings.embedded_postgres_dir):
        user_id = asyncio.run(_user_id(args.user, settings))
    if user_id is None:
        print(f"no user named {args.user!r}", file=sys.stderr)
        return 1
    print(mint(user_id, settings, admin=args.admin, hours=args.hours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
