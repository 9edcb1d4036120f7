"""Migrations apply, roll back to nothing, and apply again; partitioning (0010) and its
rollback keep every interaction and counter."""

from __future__ import annotations

from typing import Any

import psycopg

from db.migrate import (
    MIGRATIONS_DIR,
    apply_all,
    apply_through,
    pending,
    rollback_after,
    rollback_all,
)
from db.tables import TABLES


def public_objects(url: str) -> set[str]:
    """Tables, views, functions and sequences of ours (yoyo's bookkeeping left out)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """
            SELECT 'relation ' || c.relname FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relname NOT LIKE '%yoyo%'
               AND c.relname NOT LIKE '\\_%'
            UNION ALL
            SELECT 'function ' || p.proname FROM pg_proc p
              JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public'
            """
        ).fetchall()
    return {r[0] for r in rows}


def test_every_migration_has_a_rollback() -> None:
    migrations = sorted(p for p in MIGRATIONS_DIR.glob("*.sql") if ".rollback." not in p.name)
    assert migrations
    for path in migrations:
        assert path.with_suffix(".rollback.sql").exists(), f"{path.name} has no rollback"


def test_migrations_create_the_seven_tables(empty_database_url: str) -> None:
    apply_all(empty_database_url)
    objects = public_objects(empty_database_url)
    assert {f"relation {t}" for t in TABLES} <= objects
    assert pending(empty_database_url) == []


def test_migrations_roll_back_to_nothing_and_apply_again(empty_database_url: str) -> None:
    applied = apply_all(empty_database_url)
    created = public_objects(empty_database_url)

    rolled_back = rollback_all(empty_database_url)
    assert rolled_back == list(reversed(applied))
    assert public_objects(empty_database_url) == set()

    assert apply_all(empty_database_url) == applied
    assert public_objects(empty_database_url) == created


def test_applying_twice_applies_nothing_the_second_time(empty_database_url: str) -> None:
    assert apply_all(empty_database_url)
    assert apply_all(empty_database_url) == []


# Interactions written under 0009's unpartitioned tables, and what must survive 0010 and its
# rollback: every row with its id, and every counter.
_BEFORE_PARTITIONING = "0009_delete_user"
_PARTITIONING = "0010_partitioned_interactions"
_ROWS = {
    "user_resonances": "SELECT id, user_id, entry_id, created_at FROM user_resonances ORDER BY id",
    "user_amplifications": (
        "SELECT id, user_id, entry_id, created_at FROM user_amplifications ORDER BY id"
    ),
    "entry_interaction_counts": (
        "SELECT entry_id, resonance_count, amplification_count, version"
        " FROM entry_interaction_counts ORDER BY entry_id"
    ),
}


def _interactions(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        return {name: conn.execute(query).fetchall() for name, query in _ROWS.items()}


def _kinds_and_drift(url: str) -> tuple[dict[str, str], int]:
    """Each interaction table's relkind ('p' partitioned, 'r' plain) and the drifts found."""
    with psycopg.connect(url) as conn:
        kinds = conn.execute(
            "SELECT relname, relkind::text FROM pg_class"
            " WHERE relname IN ('user_resonances', 'user_amplifications')"
        ).fetchall()
        drift = conn.execute("SELECT count(*) FROM counter_drift").fetchone()
    assert drift is not None
    return dict(kinds), drift[0]


def _write_interactions(url: str) -> None:
    """Users, entries and interactions through the counter triggers, some undone."""
    with psycopg.connect(url) as conn:
        users = [
            conn.execute(
                "INSERT INTO users (username) VALUES (%s) RETURNING id", (f"user_{n}",)
            ).fetchone()[0]  # type: ignore[index]
            for n in range(5)
        ]
        entries = [
            conn.execute(
                "INSERT INTO stream_entries (user_id, content) VALUES (%s, %s) RETURNING id",
                (users[n % 5], f"entry {n}"),
            ).fetchone()[0]  # type: ignore[index]
            for n in range(40)
        ]
        for n, entry in enumerate(entries):
            for user in users[: 1 + n % 5]:
                conn.execute(
                    "INSERT INTO user_resonances (user_id, entry_id) VALUES (%s, %s)", (user, entry)
                )
            if n % 3 == 0:
                conn.execute(
                    "INSERT INTO user_amplifications (user_id, entry_id) VALUES (%s, %s)",
                    (users[n % 5], entry),
                )
        conn.execute("DELETE FROM user_resonances WHERE id % 7 = 0")


def test_partitioning_keeps_every_interaction_and_counter_and_its_rollback_too(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    apply_through(url, _BEFORE_PARTITIONING)
    _write_interactions(url)
    written = _interactions(url)
    assert len(written["user_resonances"]) > 100 and written["user_amplifications"]

    assert apply_through(url, _PARTITIONING) == [_PARTITIONING]
    assert _kinds_and_drift(url) == ({"user_resonances": "p", "user_amplifications": "p"}, 0)
    assert _interactions(url) == written

    assert rollback_after(url, _BEFORE_PARTITIONING) == [_PARTITIONING]
    assert _kinds_and_drift(url) == ({"user_resonances": "r", "user_amplifications": "r"}, 0)
    assert _interactions(url) == written


def test_ids_go_on_from_the_sequence_across_partitioning(empty_database_url: str) -> None:
    url = empty_database_url
    apply_through(url, _BEFORE_PARTITIONING)
    _write_interactions(url)
    last = max(row[0] for row in _interactions(url)["user_resonances"])

    apply_all(url)
    with psycopg.connect(url) as conn:
        user = conn.execute("INSERT INTO users (username) VALUES ('late') RETURNING id").fetchone()
        new = conn.execute(
            "INSERT INTO user_resonances (user_id, entry_id) VALUES (%s, 1) RETURNING id",
            (user[0],),  # type: ignore[index]
        ).fetchone()
    assert new is not None and new[0] > last
