"""The pool plans each statement once for any values (db/pool.py's PLANNING), except those
whose best plan turns on their values: entries with a tag are planned for the tag; and no
plan builds a Memoize cache at every execution."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from db.entries import fetch_entries
from db.migrate import apply_all
from db.pool import PLANNING, close_pool, connect, counting_statements, create_pool
from db.visibility import Audience
from tests.conftest import create_database, drop_database

ANONYMOUS = Audience(None, False)


@pytest.fixture
async def one_connection(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool of one connection: the statements' plans are that session's to read."""
    pool = await create_pool(database_url, min_size=1, max_size=1)
    yield pool
    await close_pool(pool, within=5)


async def _plans(pool: asyncpg.Pool, fragment: str) -> tuple[int, int]:
    """(generic, custom) plans made so far of the session's statement holding `fragment`."""
    rows = await pool.fetch(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
        " WHERE strpos(statement, $1) > 0 AND strpos(statement, 'pg_prepared_statements') = 0",
        fragment,
    )
    assert len(rows) == 1, rows
    return rows[0]["generic_plans"], rows[0]["custom_plans"]


async def test_the_pools_sessions_plan_once_for_any_values_without_jit(
    one_connection: asyncpg.Pool,
) -> None:
    for name, value in PLANNING.items():
        assert await one_connection.fetchval(f"SHOW {name}") == value


async def test_a_page_of_entries_is_planned_once_however_often_it_runs(
    one_connection: asyncpg.Pool,
) -> None:
    for _ in range(8):
        await fetch_entries(one_connection, ANONYMOUS, limit=21)
    generic, custom = await _plans(one_connection, "LIMIT $5")
    assert custom == 0
    assert generic >= 1


async def test_entries_with_a_tag_are_planned_for_the_tag_each_time(
    one_connection: asyncpg.Pool,
) -> None:
    for tag in ("common", "rare", "common"):
        await fetch_entries(one_connection, ANONYMOUS, tag=tag, limit=21)
    generic, custom = await _plans(one_connection, "e.tags @>")
    assert (generic, custom) == (0, 3)


async def test_planning_for_a_tag_leaves_the_session_planning_once(
    one_connection: asyncpg.Pool,
) -> None:
    await fetch_entries(one_connection, ANONYMOUS, tag="any", limit=21)
    assert await one_connection.fetchval("SHOW plan_cache_mode") == "force_generic_plan"


async def test_entries_with_a_tag_are_one_statement_counted(
    one_connection: asyncpg.Pool,
) -> None:
    with counting_statements() as counted:
        await fetch_entries(one_connection, ANONYMOUS, tag="any", limit=21)
    assert counted[0] == 1


@pytest.fixture
def many_entries_by_few_authors() -> Iterator[str]:
    """A database of its own (its statistics are the test's) where 50 authors wrote 400
    entries each: a page's join to its authors repeats them, which is when PostgreSQL plans a
    Memoize over that join."""
    url = create_database()
    apply_all(url)
    yield url
    drop_database(url)


async def test_a_page_of_entries_builds_no_memoize_cache(many_entries_by_few_authors: str) -> None:
    conn = await connect(many_entries_by_few_authors)
    try:
        await conn.execute(
            "INSERT INTO users (username, email)"
            " SELECT 'u' || i, 'u' || i || '@example.org' FROM generate_series(1, 50) AS i;"
            " INSERT INTO stream_entries (user_id, content)"
            " SELECT u.id, 'words' FROM users u, generate_series(1, 400);"
            " ANALYZE"
        )
    finally:
        await conn.close()
    pool = await create_pool(many_entries_by_few_authors, min_size=1, max_size=1)
    try:
        await fetch_entries(pool, ANONYMOUS, limit=21)
        statement, types = await pool.fetchrow(
            "SELECT statement, parameter_types::text[] FROM pg_prepared_statements"
            " WHERE strpos(statement, 'LIMIT $5') > 0"
            " AND strpos(statement, 'pg_prepared_statements') = 0"
        )
        async with pool.acquire() as session:
            await session.execute(f"PREPARE page ({', '.join(types)}) AS {statement}")
            plan = await session.fetch(
                "EXPLAIN EXECUTE page (NULL, false, NULL, NULL, 21, NULL, NULL)"
            )
            await session.execute("DEALLOCATE page")
    finally:
        await close_pool(pool, within=5)
    lines = [row[0] for row in plan]
    assert any("stream_entries" in line for line in lines), lines
    assert not any("Memoize" in line for line in lines), lines
