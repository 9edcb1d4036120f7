"""A statement on the pool takes an idle connection and puts it back itself (db/pool.py):
whatever happens to the statement, the connection comes back usable, or is replaced, and the
pool keeps asyncpg's rules (its size, generations, a close waiting for it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from db.pool import capturing_statements, close_pool, counting_statements, create_pool


@pytest.fixture
async def small_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await close_pool(pool, within=5)


async def _all_idle(pool: asyncpg.Pool) -> bool:
    await asyncio.sleep(0)  # a release shielded from a cancellation finishes in a turn
    return bool(pool.get_idle_size() == pool.get_size())


async def test_each_statement_puts_its_connection_back(small_pool: asyncpg.Pool) -> None:
    pids = {await small_pool.fetchval("SELECT pg_backend_pid()") for _ in range(20)}
    assert len(pids) == 1  # one connection, taken and put back twenty times
    assert await _all_idle(small_pool)


async def test_a_statement_that_fails_puts_its_connection_back_usable(
    small_pool: asyncpg.Pool,
) -> None:
    with pytest.raises(asyncpg.DivisionByZeroError):
        await small_pool.fetchval("SELECT 1 / 0")
    assert await _all_idle(small_pool)
    assert await small_pool.fetchval("SELECT 2") == 2


async def test_a_cancelled_statement_leaves_a_usable_connection(small_pool: asyncpg.Pool) -> None:
    running = asyncio.create_task(small_pool.execute("SELECT pg_sleep(30)"))
    await asyncio.sleep(0.2)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    async with asyncio.timeout(5):  # the sleep was cancelled on the server, not waited out
        assert await small_pool.fetchval("SELECT 3") == 3
    assert await _all_idle(small_pool)


async def test_a_statement_leaving_a_transaction_open_has_it_rolled_back(
    small_pool: asyncpg.Pool,
) -> None:
    await small_pool.execute("BEGIN; SET LOCAL lock_timeout = 1234")
    assert await small_pool.fetchval("SHOW lock_timeout") != "1234ms"


async def test_expired_connections_are_replaced_at_the_next_statement(
    small_pool: asyncpg.Pool,
) -> None:
    before = await small_pool.fetchval("SELECT pg_backend_pid()")
    await small_pool.expire_connections()
    assert await small_pool.fetchval("SELECT pg_backend_pid()") != before


async def test_concurrent_statements_never_open_more_than_the_pools_size(
    small_pool: asyncpg.Pool,
) -> None:
    pids = await asyncio.gather(
        *(small_pool.fetchval("SELECT pg_backend_pid() FROM pg_sleep(0.01)") for _ in range(40))
    )
    assert len(set(pids)) <= 2
    assert small_pool.get_size() <= 2
    assert await _all_idle(small_pool)


async def test_closing_waits_for_a_running_statement(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    running = asyncio.create_task(pool.fetchval("SELECT 4 FROM pg_sleep(0.3)"))
    await asyncio.sleep(0.05)
    await close_pool(pool, within=5)
    assert running.done() and running.result() == 4


async def test_each_statement_is_counted_and_captured_once_with_its_arguments(
    small_pool: asyncpg.Pool,
) -> None:
    with counting_statements() as counted, capturing_statements() as captured:
        await small_pool.fetchval("SELECT $1::int", 5)
        await asyncio.gather(*(small_pool.fetchrow("SELECT $1::int", n) for n in range(3)))
    assert counted == [4]
    assert captured[0] == ("SELECT $1::int", (5,))
    assert sorted(args for _, args in captured[1:]) == [(0,), (1,), (2,)]
