"""Snapshots of entries' and users' counters, with the version the triggers keep.

A subscription starts from (and, after a recheck or a lost LISTEN connection, restarts from)
one of these; notifications carry the same keys, so a snapshot and a change are read alike.
Snapshots are read many at once, each entry's for its own audience, in one statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from db.executor import Executor
from db.visibility import Audience, visible_entry

# A snapshot or a notification payload: id, version and the counters, by column name.
Counts = Mapping[str, Any]

# The counts row is made with the entry, but an entry without one still reads as zeros. Each
# request is (entry, viewer, admin); n says whose answer a row is.
_ENTRY_COUNTS = f"""
SELECT r.n, e.id, COALESCE(c.version, 0) AS version,
       COALESCE(c.resonance_count, 0) AS resonance_count,
       COALESCE(c.branch_count, 0) AS branch_count,
       COALESCE(c.amplification_count, 0) AS amplification_count,
       COALESCE(c.share_count, 0) AS share_count
FROM unnest($1::bigint[], $2::uuid[], $3::boolean[]) WITH ORDINALITY
     AS r (entry_id, viewer_id, is_admin, n)
JOIN stream_entries e ON e.id = r.entry_id
LEFT JOIN entry_interaction_counts c ON c.entry_id = e.id
WHERE {visible_entry("e", viewer="r.viewer_id", admin="r.is_admin")}
"""

_USER_COUNTS = """
SELECT id, counts_version AS version, follower_count, following_count
FROM users WHERE id = ANY($1::uuid[])
"""


async def fetch_entry_counts(
    db: Executor, requests: Sequence[tuple[int, Audience]]
) -> list[Counts | None]:
    """Each (entry, audience)'s snapshot, in order: None where the entry does not exist or
    that audience may not see it."""
    rows = await db.fetch(
        _ENTRY_COUNTS,
        [entry_id for entry_id, _ in requests],
        [audience.viewer_id for _, audience in requests],
        [audience.is_admin for _, audience in requests],
    )
    by_request: dict[int, Counts] = {}
    for row in rows:
        counts = dict(row)
        by_request[counts.pop("n")] = counts
    return [by_request.get(n) for n in range(1, len(requests) + 1)]


async def fetch_user_counts(db: Executor, user_ids: Sequence[UUID]) -> list[Counts | None]:
    """Every user's counts are public; None where there is no such user."""
    rows = await db.fetch(_USER_COUNTS, list(user_ids))
    by_id: dict[UUID, Counts] = {row["id"]: row for row in rows}
    return [by_id.get(user_id) for user_id in user_ids]
