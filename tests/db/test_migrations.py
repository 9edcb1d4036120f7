"""Migrations apply, roll back to nothing, and apply again."""

from __future__ import annotations

import psycopg

from db.migrate import MIGRATIONS_DIR, apply_all, pending, rollback_all
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
