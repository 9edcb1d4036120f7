"""Every counter recomputed from the rows: the drifts, and their repair.

The SQL is the `counter_drift` view and `fix_counter_drift()` of sql/migrations; this module
reads them for `make reconcile` (commands/reconcile.py), the demo data and the benchmark's
dataset (which must end with no drift), and the tests (their oracle).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Drift:
    kind: str
    id: str
    counter: str
    stored: int | None
    expected: int

    def __str__(self) -> str:
        stored = "missing" if self.stored is None else str(self.stored)
        return f"{self.kind} {self.id}: {self.counter} is {stored}, rows say {self.expected}"


_ORDER = " ORDER BY kind, id, counter"


async def find_drift(conn: asyncpg.Connection) -> list[Drift]:
    rows = await conn.fetch(
        "SELECT kind, id, counter, stored, expected FROM counter_drift" + _ORDER
    )
    return [Drift(**dict(r)) for r in rows]


async def fix_drift(conn: asyncpg.Connection) -> list[Drift]:
    """Repair every drift in one transaction; returns what was repaired."""
    async with conn.transaction():
        rows = await conn.fetch(
            "SELECT kind, id, counter, stored, expected FROM fix_counter_drift()" + _ORDER
        )
    return [Drift(**dict(r)) for r in rows]
