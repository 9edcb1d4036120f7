"""The migration runner: yoyo over the SQL files in sql/migrations.

The server applies what is pending at start, `/readyz` reports it, and `make migrate`
(commands/migrate.py) is its command line. yoyo's Python API does not lock on its own, so
every change runs inside `backend.lock()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from yoyo import get_backend, read_migrations

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "sql" / "migrations"


def yoyo_url(dsn: str) -> str:
    """yoyo needs a sync driver: psycopg 3 behind the `postgresql+psycopg` scheme."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


def ensure_database(dsn: str) -> bool:
    """Create the database named in `dsn` when it does not exist; True when it was created."""
    parts = urlsplit(dsn)
    name = parts.path.lstrip("/")
    if not name:
        return False
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


@contextmanager
def _backend(dsn: str) -> Iterator[Any]:
    backend = get_backend(yoyo_url(dsn))
    try:
        yield backend
    finally:
        backend.connection.close()


def pending(dsn: str) -> list[str]:
    """Ids of the migrations not applied yet."""
    with _backend(dsn) as backend:
        return [m.id for m in backend.to_apply(read_migrations(str(MIGRATIONS_DIR)))]


def _migrations(through: str | None = None, after: str | None = None) -> Any:
    """The migrations of sql/migrations, those named up to `through` or past `after` (ids
    begin with their number, so they sort in order)."""
    migrations = read_migrations(str(MIGRATIONS_DIR))
    return migrations.__class__(
        [
            m
            for m in migrations
            if (through is None or m.id <= through) and (after is None or m.id > after)
        ],
        migrations.post_apply,
    )


def apply_all(dsn: str) -> list[str]:
    """Apply every pending migration; returns their ids in order."""
    return apply_through(dsn, None)


def apply_through(dsn: str, through: str | None) -> list[str]:
    """Apply the pending migrations up to `through` (all of them for None), so rows can be
    written under an older schema and a migration tried on them."""
    with _backend(dsn) as backend, backend.lock():
        todo = backend.to_apply(_migrations(through=through))
        backend.apply_migrations(todo)
        return [m.id for m in todo]


def rollback_all(dsn: str) -> list[str]:
    """Roll back every applied migration, newest first; returns their ids."""
    return rollback_after(dsn, None)


def rollback_after(dsn: str, after: str | None) -> list[str]:
    """Roll back the applied migrations past `after` (all of them for None), newest first."""
    with _backend(dsn) as backend, backend.lock():
        todo = backend.to_rollback(_migrations(after=after))
        backend.rollback_migrations(todo)
        return [m.id for m in todo]
