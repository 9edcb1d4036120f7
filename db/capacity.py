"""How many connections PostgreSQL lets the server open, read once as it starts: the server's
workers size their pools to fit in it together (server/workers.py holds the rule).

Sync (psycopg), like the migration runner: the supervising process reads it before any
worker, or any event loop, exists.
"""

from __future__ import annotations

import psycopg

# What clients that are not superusers may open: the slots superusers keep (and, from
# PostgreSQL 16, those of pg_use_reserved_connections) are left for whoever must get in to
# repair things.
_BUDGET = """
SELECT current_setting('max_connections')::int
       - current_setting('superuser_reserved_connections')::int
       - coalesce(current_setting('reserved_connections', true)::int, 0)
"""

CONNECT_TIMEOUT_SECONDS = 5


def connection_budget(dsn: str) -> int:
    """max_connections less the reserved slots, on the server of `dsn`."""
    with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
        row = conn.execute(_BUDGET).fetchone()
    assert row is not None
    budget: int = row[0]
    return budget
