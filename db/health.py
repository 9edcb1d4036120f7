"""What /readyz asks the database: is it there, and are its migrations current.

yoyo's own `pending()` opens a sync connection per call; a readiness probe runs every few
seconds, so this reads yoyo's bookkeeping table through the pool instead.
"""

from __future__ import annotations

from functools import cache

from yoyo import read_migrations
from yoyo.migrations import default_migration_table

from db.executor import Executor
from db.migrate import MIGRATIONS_DIR


@cache
def migration_ids() -> tuple[str, ...]:
    """The migrations this code expects, in order (read once: they change with the code)."""
    return tuple(m.id for m in read_migrations(str(MIGRATIONS_DIR)))


async def pending_migrations(db: Executor) -> list[str]:
    """The expected migrations the database has not applied; all of them on a new database."""
    if await db.fetchval("SELECT to_regclass($1)", default_migration_table) is None:
        return list(migration_ids())
    rows = await db.fetch(f"SELECT migration_id FROM {default_migration_table}")
    applied = {row["migration_id"] for row in rows}
    return [m for m in migration_ids() if m not in applied]
