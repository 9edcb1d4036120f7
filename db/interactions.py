"""Who resonated with, or amplified, each entry: a page per entry, newest first.

The writes of these rows are db/mutations.py's (the API's, checked) and db/unchecked.py's
(tests and the benchmark).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import asyncpg

from db.columns import (
    FULL_USER,
    TYPED_AUDIENCE,
    UserShape,
    fetch_pages,
    newest_first_window,
    user_columns,
)
from db.executor import Executor
from db.visibility import Audience
from db.windows import Window, WindowSql


@lru_cache(maxsize=32)
def _interactors_page(table: str, shape: UserShape, sql: WindowSql) -> str:
    """Users who resonated with (or amplified) each entry, newest first."""
    return f"""
{TYPED_AUDIENCE}
SELECT p.parent_key, x.* FROM unnest($3::bigint[]) AS p (parent_key)
CROSS JOIN LATERAL (
    SELECT i.created_at AS edge_created_at, i.id AS edge_id, {user_columns("u", shape=shape)}
    FROM {table} i JOIN users u ON u.id = i.user_id
    WHERE i.entry_id = p.parent_key
      AND {newest_first_window("i.created_at, i.id", sql, "$4", "$5", "$7", "$8")}
    ORDER BY i.created_at {sql.order}, i.id {sql.order}
    LIMIT $6
) AS x
"""


async def fetch_resonators(
    db: Executor,
    audience: Audience,
    entry_ids: Sequence[int],
    *,
    window: Window,
    limit: int,
    shape: UserShape = FULL_USER,
) -> list[asyncpg.Record]:
    query = _interactors_page("user_resonances", shape, window.sql())
    return await fetch_pages(db, query, audience, entry_ids, window, limit)


async def fetch_amplifiers(
    db: Executor,
    audience: Audience,
    entry_ids: Sequence[int],
    *,
    window: Window,
    limit: int,
    shape: UserShape = FULL_USER,
) -> list[asyncpg.Record]:
    query = _interactors_page("user_amplifications", shape, window.sql())
    return await fetch_pages(db, query, audience, entry_ids, window, limit)
