"""`make seed` (commands/seed.py over seed/): the same seed number gives the same rows,
counters agree with the rows, and the data has everything a demo needs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import jwt
import psycopg
import pytest

from db.migrate import apply_all
from db.pool import connect
from db.reconcile import find_drift
from db.visibility import visible_entry
from seed.corpus import FEATURED
from seed.demo import Summary, load_demo
from tests.conftest import JWT_SECRET, create_database, drop_database
from tests.ops.conftest import ROOT

NOW = "2026-11-01T12:00:00+00:00"
# make in this virtualenv, which it must not rebuild (-o) whatever changed in pyproject.toml.
MAKE = ("make", "-o", f"{sys.prefix}/.installed", f"VENV={sys.prefix}")
TABLES = {
    "users": "id",
    "user_follows": "id",
    "stream_entries": "id",
    "entry_branches": "id",
    "entry_interaction_counts": "entry_id",
    "user_resonances": "id",
    "user_amplifications": "id",
}


def make_seed(database_url: str, seed: int, size: int = 1) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL"}}
    env.update(DATABASE_URL=database_url, JWT_SECRET=JWT_SECRET)
    done = subprocess.run(
        [*MAKE, "seed", f"SEED={seed}", f"SIZE={size}", f"ARGS=--now {NOW}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def dump(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(database_url) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()
            for table, key in TABLES.items()
        }


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[str, str, dict[str, list[tuple[Any, ...]]]]]:
    """A database seeded twice with seed 7: its URL, what the second run printed, and what
    the first one left."""
    url = create_database()
    try:
        make_seed(url, 7)
        first = dump(url)
        output = make_seed(url, 7)
        yield url, output, first
    finally:
        drop_database(url)


@pytest.fixture
async def seeded_conn(
    seeded: tuple[str, str, dict[str, list[tuple[Any, ...]]]],
) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect(seeded[0])
    yield conn
    await conn.close()


def test_the_same_seed_twice_gives_the_same_rows(
    seeded: tuple[str, str, dict[str, list[tuple[Any, ...]]]],
) -> None:
    url, _, first = seeded
    second = dump(url)
    assert second == first
    assert all(second[table] for table in TABLES)


@pytest.fixture(scope="module")
def scratch_url() -> Iterator[str]:
    """A migrated database of its own, for seeding through the library (seed.demo)."""
    url = create_database()
    try:
        apply_all(url)
        yield url
    finally:
        drop_database(url)


async def load(url: str, seed: int, size: int, now: datetime) -> Summary:
    conn = await connect(url)
    try:
        return await load_demo(conn, seed=seed, size=size, now=now)
    finally:
        await conn.close()


def column(url: str, query: str) -> list[Any]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute(query).fetchall()]


async def test_another_seed_gives_other_data(
    seeded: tuple[str, str, dict[str, list[tuple[Any, ...]]]], scratch_url: str
) -> None:
    await load(scratch_url, 8, 1, datetime.fromisoformat(NOW))
    for query in (
        "SELECT id FROM users ORDER BY created_at",
        "SELECT content FROM stream_entries ORDER BY id",
    ):
        assert column(seeded[0], query) != column(scratch_url, query), query


async def test_size_scales_the_data(scratch_url: str) -> None:
    now = datetime.now(UTC)
    small = await load(scratch_url, 1, 1, now)
    large = await load(scratch_url, 1, 3, now)
    assert (small.users, large.users) == (30, 90)
    assert column(scratch_url, "SELECT count(*) FROM users") == [90]
    assert 2.5 < large.entries / small.entries < 3.5
    assert 2 < large.resonances / small.resonances < 4


async def test_counters_agree_with_the_rows(seeded_conn: asyncpg.Connection) -> None:
    assert await find_drift(seeded_conn) == []


async def test_the_data_has_everything_a_demo_needs(seeded_conn: asyncpg.Connection) -> None:
    conn = seeded_conn
    kinds = await conn.fetch("SELECT type, privacy, count(*) FROM stream_entries GROUP BY 1, 2")
    assert {(r["type"], r["privacy"]) for r in kinds} >= {
        (t, p) for t in ("logbook", "dream") for p in ("public", "followers", "private")
    }
    deepest = await conn.fetchval(
        """
        WITH RECURSIVE thread (id, depth) AS (
            SELECT id, 0 FROM stream_entries WHERE parent_id IS NULL
            UNION ALL
            SELECT e.id, t.depth + 1 FROM stream_entries e JOIN thread t ON e.parent_id = t.id
        )
        SELECT max(depth) FROM thread
        """
    )
    assert deepest >= 4
    counts = await conn.fetchrow(
        """
        SELECT (SELECT count(*) FROM users WHERE bio IS NOT NULL AND name IS NOT NULL) AS profiles,
               (SELECT count(*) FROM users) AS users,
               (SELECT count(*) FROM stream_entries WHERE tags <> '{}') AS tagged,
               (SELECT count(*) FROM user_follows) AS follows,
               (SELECT count(*) FROM user_resonances) AS resonances,
               (SELECT count(*) FROM user_amplifications) AS amplifications,
               (SELECT sum(share_count) FROM entry_interaction_counts) AS shares
        """
    )
    assert counts["profiles"] == counts["users"] == 30
    assert all(
        counts[k] > 0 for k in ("tagged", "follows", "resonances", "amplifications", "shares")
    )


async def test_nobody_interacts_with_an_entry_they_cannot_see(
    seeded_conn: asyncpg.Connection,
) -> None:
    """As a member sees it (the admin too: the demo's admin acts like anyone)."""
    for table in ("user_resonances", "user_amplifications"):
        invisible = await seeded_conn.fetchval(
            f"""
            SELECT count(*) FROM {table} i JOIN stream_entries e ON e.id = i.entry_id
            WHERE NOT {visible_entry("e", viewer="i.user_id", admin="false")}
            """
        )
        assert invisible == 0, table
    replies = await seeded_conn.fetchval(
        f"""
        SELECT count(*) FROM stream_entries c JOIN stream_entries p ON p.id = c.parent_id
        WHERE NOT {visible_entry("p", viewer="c.user_id", admin="false")}
        """
    )
    assert replies == 0


async def test_it_prints_working_tokens_for_the_featured_users(
    seeded: tuple[str, str, dict[str, list[tuple[Any, ...]]]], seeded_conn: asyncpg.Connection
) -> None:
    output = seeded[1]
    assert "reconcile finds no drift" in output
    tokens = re.findall(r'"Authorization": "Bearer ([^"]+)"', output)
    assert len(tokens) == len(FEATURED)
    for token, (username, _, role, _) in zip(tokens, FEATURED, strict=True):
        claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
        row = await seeded_conn.fetchrow("SELECT id, role FROM users WHERE username = $1", username)
        assert claims["sub"] == str(row["id"])
        assert claims["exp"] > datetime.now(UTC).timestamp()
        assert claims.get("role") == ("admin" if role == "admin" else None) and row["role"] == role
