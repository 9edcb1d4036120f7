"""`make migrate` (commands/migrate.py): creates the database, applies, lists, rolls back."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from db.migrate import MIGRATIONS_DIR, pending
from tests.conftest import drop_database, server_url, with_database


def migrate(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "commands.migrate", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture
def missing_database_url() -> Iterator[str]:
    """The URL of a database that does not exist yet (dropped afterwards if it does)."""
    url = with_database(server_url(), f"resonance_test_{uuid.uuid4().hex[:12]}")
    yield url
    drop_database(url)


def test_it_creates_a_missing_database_and_applies_every_migration(
    missing_database_url: str,
) -> None:
    done = migrate(missing_database_url)
    ids = sorted(p.stem for p in MIGRATIONS_DIR.glob("*.sql") if ".rollback." not in p.name)
    applied = [line.removeprefix("applied: ") for line in done.stdout.splitlines()[1:]]

    assert done.stdout.startswith("created database resonance_test_")
    assert applied == ids
    assert pending(missing_database_url) == []


def test_it_says_up_to_date_when_nothing_is_pending(missing_database_url: str) -> None:
    migrate(missing_database_url)

    assert migrate(missing_database_url).stdout == "up to date\n"
    assert migrate(missing_database_url, "--list").stdout == "up to date\n"


def test_rollback_all_undoes_every_migration_and_list_shows_them_pending(
    missing_database_url: str,
) -> None:
    migrate(missing_database_url)
    rolled_back = migrate(missing_database_url, "--rollback-all").stdout.splitlines()
    listed = migrate(missing_database_url, "--list").stdout.splitlines()

    assert len(rolled_back) == len(listed) > 0
    assert [line.removeprefix("rolled back: ") for line in reversed(rolled_back)] == [
        line.removeprefix("pending: ") for line in listed
    ]
