"""Closing the pool never hangs: a connection never released is terminated after a bound."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from db.pool import close_pool, create_pool


async def test_a_connection_never_released_does_not_hang_the_close(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    held = await pool.acquire()  # never released, as by a request still running
    async with asyncio.timeout(5):
        await close_pool(pool, within=0.2)
    with pytest.raises(asyncpg.InterfaceError):
        await held.fetchval("SELECT 1")


async def test_a_pool_with_every_connection_back_closes_gracefully(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    async with pool.acquire() as conn:
        await conn.execute("SELECT 1")
    await close_pool(pool, within=5)
    assert pool.is_closing()
