"""The reconcile command finds every drift, repairs it in one go, and says so."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg

from db import unchecked
from db.reconcile import Drift, find_drift, fix_drift
from tests.factories import counts, follow_counts, make_entry, make_user


async def _drifted(conn: asyncpg.Connection) -> tuple[asyncpg.Record, asyncpg.Record]:
    """An entry with one resonance stored as 5, and a user whose followers are stored as 7."""
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    await unchecked.insert_follow(conn, follower_id=fan["id"], followed_id=author["id"])
    await conn.execute(
        "UPDATE entry_interaction_counts SET resonance_count = 5 WHERE entry_id = $1", entry["id"]
    )
    await conn.execute("UPDATE users SET follower_count = 7 WHERE id = $1", author["id"])
    return entry, author


async def test_no_drift_on_exact_counters(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    assert await find_drift(conn) == []


async def test_drift_is_found_counter_by_counter(conn: asyncpg.Connection) -> None:
    entry, author = await _drifted(conn)
    assert await find_drift(conn) == [
        Drift("entry", str(entry["id"]), "resonance_count", 5, 1),
        Drift("user", str(author["id"]), "follower_count", 7, 1),
    ]


async def test_a_missing_counts_row_is_drift(conn: asyncpg.Connection) -> None:
    entry = await make_entry(conn, await make_user(conn))
    await conn.execute("DELETE FROM entry_interaction_counts WHERE entry_id = $1", entry["id"])
    drifts = await find_drift(conn)
    assert Drift("entry", str(entry["id"]), "resonance_count", None, 0) in drifts


async def test_fix_repairs_every_drift(conn: asyncpg.Connection) -> None:
    entry, author = await _drifted(conn)
    missing = await make_entry(conn, author)
    await conn.execute("DELETE FROM entry_interaction_counts WHERE entry_id = $1", missing["id"])

    repaired = await fix_drift(conn)

    assert len(repaired) == 6  # resonance, follower, and four counters of the missing row
    assert await find_drift(conn) == []
    assert (await counts(conn, entry["id"]))["resonance_count"] == 1
    assert (await counts(conn, missing["id"]))["resonance_count"] == 0
    assert (await follow_counts(conn, author["id"]))[0] == 1


def _reconcile_command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "commands.reconcile", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_the_command_prints_drift_and_fails_then_fixes_it(
    conn: asyncpg.Connection, database_url: str
) -> None:
    entry, _ = await _drifted(conn)

    found = _reconcile_command(database_url)
    assert found.returncode == 1
    assert f"entry {entry['id']}: resonance_count is 5, rows say 1" in found.stdout
    assert "2 drift(s) found" in found.stdout

    fixed = _reconcile_command(database_url, "--fix")
    assert fixed.returncode == 0, fixed.stderr
    assert "2 drift(s) repaired" in fixed.stdout

    clean = _reconcile_command(database_url)
    assert clean.returncode == 0
    assert "0 drift(s) found" in clean.stdout
