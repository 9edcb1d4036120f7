"""Counters under real concurrency: many connections, thousands of operations, hot rows."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

import asyncpg

from db import unchecked
from db.reconcile import find_drift
from tests.factories import make_entry, make_user

CONNECTIONS = 16
OPERATIONS_PER_CONNECTION = 140  # 16 x 140 = 2,240 operations
RETRIES = 10

# What a concurrent operation may legitimately meet: a row deleted by another connection
# (foreign key), or a deadlock that PostgreSQL resolves by aborting one side (retried).
REFUSED = (asyncpg.ForeignKeyViolationError,)


async def _run(op: Callable[[], Awaitable[object]]) -> bool:
    for _ in range(RETRIES):
        try:
            await op()
            return True
        except asyncpg.DeadlockDetectedError:
            await asyncio.sleep(random.random() / 100)
        except REFUSED:
            return False
    raise AssertionError("an operation deadlocked on every retry")


@dataclass
class Rows:
    """What the workers share: the live users, the doomed ones, hot entries, branches."""

    users: list[uuid.UUID]
    doomed: list[uuid.UUID]
    hot: list[int]
    branches: list[int] = field(default_factory=list)


def _random_operation(
    conn: asyncpg.Connection, rng: random.Random, rows: Rows
) -> Callable[[], Awaitable[object]]:
    actors = rows.users + rows.doomed
    user = rng.choice(actors)
    other = rng.choice([u for u in actors if u != user])
    target = rng.choice(rows.hot + rows.branches[-20:])
    kind = rng.randrange(12)
    if kind == 0:
        return partial(unchecked.insert_resonance, conn, user_id=user, entry_id=target)
    if kind == 1:
        return partial(unchecked.delete_resonance, conn, user_id=user, entry_id=target)
    if kind == 2:
        return partial(unchecked.insert_amplification, conn, user_id=user, entry_id=target)
    if kind == 3:
        return partial(unchecked.delete_amplification, conn, user_id=user, entry_id=target)
    if kind in (5, 6):
        return partial(unchecked.insert_follow, conn, follower_id=user, followed_id=other)
    if kind == 7:
        return partial(unchecked.delete_follow, conn, follower_id=user, followed_id=other)
    if kind in (8, 9):

        async def branch() -> None:
            row = await unchecked.insert_entry(
                conn, user_id=user, content="reply", parent_id=target
            )
            rows.branches.append(row["id"])

        return branch
    if kind == 10 and rows.branches:
        victim = rows.branches.pop(rng.randrange(len(rows.branches)))
        return partial(unchecked.delete_entry_row, conn, victim)
    if kind == 11 and rows.doomed and rng.random() < 0.05:
        gone = rows.doomed.pop(rng.randrange(len(rows.doomed)))
        return partial(unchecked.delete_user, conn, gone)
    return partial(unchecked.record_share, conn, entry_id=target)


async def _worker(
    conn: asyncpg.Connection, rng: random.Random, rows: Rows, start: asyncio.Event
) -> tuple[int, int]:
    """Run random operations; returns (done, refused)."""
    await start.wait()
    done = refused = 0
    for _ in range(OPERATIONS_PER_CONNECTION):
        if await _run(_random_operation(conn, rng, rows)):
            done += 1
        else:
            refused += 1
    return done, refused


async def test_counters_equal_the_rows_after_thousands_of_concurrent_operations(
    conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    users = [(await make_user(conn))["id"] for _ in range(8)]
    doomed = [(await make_user(conn))["id"] for _ in range(4)]
    hot = [(await make_entry(conn, {"id": u}))["id"] for u in users[:3]]
    rows = Rows(users, doomed, hot)
    start = asyncio.Event()

    connections = [await pool.acquire() for _ in range(CONNECTIONS)]
    try:
        tasks = [
            asyncio.create_task(_worker(c, random.Random(i), rows, start))
            for i, c in enumerate(connections)
        ]
        start.set()
        results = await asyncio.gather(*tasks)
    finally:
        for c in connections:
            await pool.release(c)

    done = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    assert done + refused == CONNECTIONS * OPERATIONS_PER_CONNECTION >= 2000
    assert done > 0.8 * (done + refused), f"{refused} operations refused"

    assert await find_drift(conn) == []
    negatives = await conn.fetchval(
        """
        SELECT (SELECT count(*) FROM entry_interaction_counts
                 WHERE LEAST(resonance_count, branch_count, amplification_count, share_count) < 0)
             + (SELECT count(*) FROM users WHERE LEAST(follower_count, following_count) < 0)
        """
    )
    assert negatives == 0
    # The run did exercise the counters on the hot rows.
    busy = await conn.fetchval(
        "SELECT count(*) FROM entry_interaction_counts"
        " WHERE entry_id = ANY($1) AND resonance_count + amplification_count + branch_count > 0",
        hot,
    )
    assert busy >= 1
