"""Who resonated with, or amplified, each entry: a page per entry, newest first.

The writes of these rows are db/mutations.py's (the API's, checked) and db/unchecked.py's
(tests and the benchmark).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from db.columns import NEWEST_FIRST_AFTER, fetch_pages, user_columns
from db.executor import Executor
from db.visibility import Audience


def _interactors_page(table: str) -> str:
    """Users who resonated with (or amplified) each entry, newest first."""
    return f"""
SELECT p.parent_key, x.* FROM unnest($3::bigint[]) AS p (parent_key)
CROSS JOIN LATERAL (
    SELECT i.created_at AS edge_created_at, i.id AS edge_id, {user_columns("u")}
    FROM {table} i JOIN users u ON u.id = i.user_id
    WHERE i.entry_id = p.parent_key
      AND (i.created_at, i.id) < ({NEWEST_FIRST_AFTER.format(ts="$4", id="$5")})
    ORDER BY i.created_at DESC, i.id DESC
    LIMIT $6
) AS x
"""


_RESONATORS = _interactors_page("user_resonances")
_AMPLIFIERS = _interactors_page("user_amplifications")

InteractionKeyset = tuple[datetime, int]


async def fetch_resonators(
    db: Executor,
    audience: Audience,
    entry_ids: Sequence[int],
    *,
    after: InteractionKeyset | None,
    limit: int,
) -> list[asyncpg.Record]:
    return await fetch_pages(db, _RESONATORS, audience, entry_ids, after, limit)


async def fetch_amplifiers(
    db: Executor,
    audience: Audience,
    entry_ids: Sequence[int],
    *,
    after: InteractionKeyset | None,
    limit: int,
) -> list[asyncpg.Record]:
    return await fetch_pages(db, _AMPLIFIERS, audience, entry_ids, after, limit)
