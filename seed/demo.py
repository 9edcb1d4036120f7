"""The demo data, end to end: `load_demo` replaces every row with a seed's community.

The plan is drawn in two steps around the database: the people first, then, once the
database has said who may see what among them, what they post and do. It all happens in one
transaction, so a reader sees the old data or the new, and the trending view is refreshed
after.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from db.trending import refresh_trending
from seed import load
from seed.corpus import FEATURED
from seed.plan import Plan, Planner


@dataclass(frozen=True)
class Summary:
    users: int
    entries: int
    privacy: dict[str, int]
    dreams: int
    branches: int
    deepest: int
    follows: int
    resonances: int
    amplifications: int
    shares: int
    featured: list[tuple[uuid.UUID, str, str]]  # (id, username, role)


async def load_demo(conn: asyncpg.Connection, *, seed: int, size: int, now: datetime) -> Summary:
    """Replace all data with seed `seed` at scale `size` (30 users per unit), its times
    before `now`, in one transaction."""
    if size < 1:
        raise ValueError("size must be 1 or more")
    planner = Planner(seed, size, now)
    plan = planner.people()
    async with conn.transaction():
        await load.clear(conn)
        await load.people(conn, plan, random.Random(f"{seed}/ids"))
        planner.activity(await load.audiences(conn, plan))
        await load.activity(conn, plan)
        await load.finish(conn, plan)
    await refresh_trending(conn)
    return summarize(plan)


def summarize(plan: Plan) -> Summary:
    privacy = Counter(e.privacy for e in plan.entries)
    return Summary(
        users=len(plan.users),
        entries=len(plan.entries),
        privacy=dict(privacy),
        dreams=sum(e.type == "dream" for e in plan.entries),
        branches=sum(e.parent is not None for e in plan.entries),
        deepest=max(e.depth for e in plan.entries),
        follows=len(plan.follows),
        resonances=len(plan.resonances),
        amplifications=len(plan.amplifications),
        shares=len(plan.shares),
        featured=[(u.id, u.username, u.role) for u in plan.users[: len(FEATURED)]],
    )
