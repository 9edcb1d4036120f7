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


_WAITING_FOR = "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1"


async def _waiting_on_a_lock(conn: asyncpg.Connection, pid: int) -> None:
    """Return once backend `pid` waits for a lock (bounded: a hang fails the test)."""
    async with asyncio.timeout(10):
        while await conn.fetchval(_WAITING_FOR, pid) != "Lock":  # noqa: ASYNC110 (another backend)
            await asyncio.sleep(0.01)


async def test_deleting_a_user_locks_its_neighbours_below_it_before_the_user_itself(
    conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    """The order the follow trigger locks in: an unfollow holding the lower of its two users
    and waiting for the higher must not find the higher already locked by the delete."""
    await make_user(conn)
    await make_user(conn)
    low, high = await conn.fetchval("SELECT array_agg(id ORDER BY id) FROM users")
    await unchecked.insert_follow(conn, follower_id=high, followed_id=low)

    async with pool.acquire() as holder, pool.acquire() as deleter:
        holding = holder.transaction()
        await holding.start()
        await holder.execute("SELECT FROM users WHERE id = $1 FOR NO KEY UPDATE", low)
        deleting = asyncio.create_task(unchecked.delete_user(deleter, high))
        try:
            await _waiting_on_a_lock(conn, deleter.get_server_pid())
            # The delete waits for the lower neighbour and has not locked the user yet.
            await conn.execute("SELECT FROM users WHERE id = $1 FOR KEY SHARE NOWAIT", high)
        finally:
            await holding.commit()
        async with asyncio.timeout(10):
            assert await deleting

    assert await conn.fetchval("SELECT array_agg(id) FROM users") == [low]
    assert await find_drift(conn) == []


async def test_deleting_a_user_who_does_not_exist_deletes_nothing(
    conn: asyncpg.Connection,
) -> None:
    assert not await unchecked.delete_user(conn, uuid.uuid4())
