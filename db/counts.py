"""Snapshots of one entry's or one user's counters, with the version the triggers keep.

A subscription starts from (and, after the LISTEN connection was lost, restarts from) one of
these; notifications carry the same keys, so a snapshot and a change are read alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from db.executor import Executor
from db.visibility import Audience, visible_entry

# A snapshot or a notification payload: id, version and the counters, by column name.
Counts = Mapping[str, Any]

# The counts row is made with the entry, but an entry without one still reads as zeros.
_ENTRY_COUNTS = f"""
SELECT e.id, COALESCE(c.version, 0) AS version,
       COALESCE(c.resonance_count, 0) AS resonance_count,
       COALESCE(c.branch_count, 0) AS branch_count,
       COALESCE(c.amplification_count, 0) AS amplification_count,
       COALESCE(c.share_count, 0) AS share_count
FROM stream_entries e LEFT JOIN entry_interaction_counts c ON c.entry_id = e.id
WHERE e.id = $3 AND {visible_entry("e")}
"""

_USER_COUNTS = """
SELECT id, counts_version AS version, follower_count, following_count
FROM users WHERE id = $1
"""


async def fetch_entry_counts(db: Executor, audience: Audience, entry_id: int) -> Counts | None:
    """None when the entry does not exist or the audience may not see it."""
    row: Counts | None = await db.fetchrow(_ENTRY_COUNTS, *audience, entry_id)
    return row


async def fetch_user_counts(db: Executor, user_id: UUID) -> Counts | None:
    """Every user's counts are public; None when there is no such user."""
    row: Counts | None = await db.fetchrow(_USER_COUNTS, user_id)
    return row
