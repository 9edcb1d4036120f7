"""Who resonated with, or amplified, each entry: a page per entry, newest first.

The writes of these rows are db/mutations.py's (the API's, checked) and db/unchecked.py's
(tests and the benchmark).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

import asyncpg

from db.columns import (
    FULL_USER,
    NEWEST_FIRST_AFTER,
    TYPED_AUDIENCE,
    UserShape,
    fetch_pages,
    user_columns,
)
from db.executor import Executor
from db.visibility import Audience


@lru_cache(maxsize=32)
def _interactors_page(table: str, shape: UserShape) -> str:
    """Users who resonated with (or amplified) each entry, newest first."""
    return f"""
{TYPED_AUDIENCE}
SELECT p.parent_key, x.* FROM unnest($3::bigint[]) AS p (parent_key)
CROSS JOIN LATERAL (
    SELECT i.created_at AS edge_created_at, i.id AS edge_id, {user_columns("u", shape=shape)}
    FROM {table} i JOIN users u ON u.id = i.user_id
    WHERE i.entry_id = p.parent_key
      AND (i.created_at, i.id) < ({NEWEST_FIRST_AFTER.format(ts="$4", id="$5")})
    ORDER BY i.created_at DESC, i.id DESC
    LIMIT $6
) AS x
"""


InteractionKeyset = tuple[datetime, int]


async def fetch_resonators(
    db: Executor,
    audience: Audience,
    entry_ids: Sequence[int],
    *,
    after: InteractionKeyset | None,
    limit: int,
    shape: UserShape = FULL_USER,
) -> list[asyncpg.Record]:
    query = _interactors_page("user_resonances", shape)
    return await fetch_pages(db, query, audience, entry_ids, after, limit)


async def fetch_amplifiers(
    db: Executor,
    audience: Audience,
    entry_ids: Sequence[int],
    *,
    after: InteractionKeyset | None,
    limit: int,
    shape: UserShape = FULL_USER,
) -> list[asyncpg.Record]:
    query = _interactors_page("user_amplifications", shape)
    return await fetch_pages(db, query, audience, entry_ids, after, limit)
