"""Reads of entries, each row with its author, counts and the viewer's flags (db/columns.py).

Every query takes the audience as $1/$2 and filters with the visibility predicate. The writes
are db/mutations.py's (the API's, checked) and db/unchecked.py's (tests and the benchmark).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from uuid import UUID

import asyncpg

from db.columns import (
    ENTRY_FROM,
    FULL_ENTRY,
    EntryShape,
    entry_columns,
    fetch_pages,
    newest_first_columns,
    newest_first_window,
)
from db.executor import Executor
from db.pool import fetch_planned_for_its_values
from db.visibility import Audience, visible_entry
from db.windows import WHOLE, Window, WindowSql


@lru_cache(maxsize=64)
def _by_ids(shape: EntryShape) -> str:
    return f"""
SELECT {entry_columns(shape)} FROM {ENTRY_FROM}
WHERE e.id = ANY($3::bigint[]) AND {visible_entry("e")}
"""


async def fetch_entries_by_ids(
    db: Executor, audience: Audience, ids: Sequence[int], shape: EntryShape = FULL_ENTRY
) -> list[asyncpg.Record]:
    """The visible entries among `ids`, in no particular order."""
    return await db.fetch(_by_ids(shape), *audience, list(ids))


@lru_cache(maxsize=512)
def _entries_query(
    by_author: bool, by_tag: bool, by_type: bool, shape: EntryShape, sql: WindowSql
) -> str:
    conditions = [visible_entry("e")]
    params = 7
    if by_author:
        params += 1
        conditions.append(f"e.user_id = ${params}::uuid")
    if by_tag:
        params += 1
        conditions.append(f"e.tags @> ARRAY[${params}::text]")
    if by_type:
        params += 1
        conditions.append(f"e.type = ${params}::text")
    conditions.append(newest_first_window("e.created_at, e.id", sql, "$3", "$4", "$6", "$7"))
    return f"""
SELECT {newest_first_columns(shape)} FROM {ENTRY_FROM}
WHERE {" AND ".join(conditions)}
ORDER BY e.created_at {sql.order}, e.id {sql.order}
LIMIT $5
"""


async def fetch_entries(
    db: Executor,
    audience: Audience,
    *,
    author_id: UUID | None = None,
    tag: str | None = None,
    type: str | None = None,
    window: Window = WHOLE,
    limit: int,
    shape: EntryShape = FULL_ENTRY,
) -> list[asyncpg.Record]:
    """Visible entries newest first (read in `window`'s direction), optionally of one
    author, with one tag, of one type; rows of `shape`."""
    by = (author_id is not None, tag is not None, type is not None)
    query = _entries_query(*by, shape, window.sql())
    filters = [f for f in (author_id, tag, type) if f is not None]
    after_ts, after_id, before_ts, before_id = window.bounds(2)
    params = (after_ts, after_id, limit, before_ts, before_id, *filters)
    if tag is not None:
        return await fetch_planned_for_its_values(db, query, *audience, *params)
    return await db.fetch(query, *audience, *params)


@lru_cache(maxsize=64)
def _by_authors(shape: EntryShape, sql: WindowSql) -> str:
    return f"""
SELECT p.parent_key, x.* FROM unnest($3::uuid[]) AS p (parent_key)
CROSS JOIN LATERAL (
    SELECT {newest_first_columns(shape)} FROM {ENTRY_FROM}
    WHERE e.user_id = p.parent_key AND {visible_entry("e")}
      AND {newest_first_window("e.created_at, e.id", sql, "$4", "$5", "$7", "$8")}
    ORDER BY e.created_at {sql.order}, e.id {sql.order}
    LIMIT $6
) AS x
"""


async def fetch_entries_by_authors(
    db: Executor,
    audience: Audience,
    author_ids: Sequence[UUID],
    *,
    window: Window,
    limit: int,
    shape: EntryShape = FULL_ENTRY,
) -> list[asyncpg.Record]:
    """A page of each author's visible entries, newest first, in one statement."""
    query = _by_authors(shape, window.sql())
    return await fetch_pages(db, query, audience, author_ids, window, limit)


@lru_cache(maxsize=64)
def _branches(shape: EntryShape, sql: WindowSql) -> str:
    return f"""
SELECT p.parent_key, x.* FROM unnest($3::bigint[]) AS p (parent_key)
CROSS JOIN LATERAL (
    SELECT b.branch_order, {entry_columns(shape)}
    FROM entry_branches b
    JOIN stream_entries e ON e.id = b.child_entry_id
    JOIN users a ON a.id = e.user_id
    LEFT JOIN entry_interaction_counts c ON c.entry_id = e.id
    WHERE b.parent_entry_id = p.parent_key
      AND b.branch_order {sql.after} COALESCE($4::integer, 0)
      AND b.branch_order {sql.before} COALESCE($6::integer, 2147483647)
      AND {visible_entry("e")}
    ORDER BY b.branch_order {sql.order}
    LIMIT $5
) AS x
"""


async def fetch_branches(
    db: Executor,
    audience: Audience,
    parent_ids: Sequence[int],
    *,
    window: Window,
    limit: int,
    shape: EntryShape = FULL_ENTRY,
) -> list[asyncpg.Record]:
    """A page of each parent's visible branches in branch order, in one statement."""
    after, before = window.bounds(1)
    query = _branches(shape, window.sql(descending=False))
    return await db.fetch(query, *audience, list(parent_ids), after, limit, before)


@lru_cache(maxsize=64)
def _ancestors(shape: EntryShape) -> str:
    # Walks up from each entry to its root; the depth bound guards against a cycle made by
    # hand.
    return f"""
WITH RECURSIVE chain (parent_key, entry_id, depth) AS (
    SELECT s.id, s.parent_id, 1
    FROM stream_entries s WHERE s.id = ANY($3::bigint[]) AND s.parent_id IS NOT NULL
    UNION ALL
    SELECT chain.parent_key, s.parent_id, chain.depth + 1
    FROM chain JOIN stream_entries s ON s.id = chain.entry_id
    WHERE s.parent_id IS NOT NULL AND chain.depth < 10000
)
SELECT chain.parent_key, chain.depth, {entry_columns(shape)}
FROM chain
JOIN stream_entries e ON e.id = chain.entry_id
JOIN users a ON a.id = e.user_id
LEFT JOIN entry_interaction_counts c ON c.entry_id = e.id
WHERE {visible_entry("e")}
ORDER BY chain.parent_key, chain.depth DESC
"""


async def fetch_ancestors(
    db: Executor, audience: Audience, entry_ids: Sequence[int], shape: EntryShape = FULL_ENTRY
) -> list[asyncpg.Record]:
    """The visible ancestors of each entry, root first, in one statement."""
    return await db.fetch(_ancestors(shape), *audience, list(entry_ids))
