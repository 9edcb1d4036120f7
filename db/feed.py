"""The home feed: entries by the viewer and followed users, and entries they amplified.

Each entry appears once. An entry by the viewer or a followed author is placed at its
creation; another entry amplified by followed users is placed at the earliest of those
amplifications, which later amplifications never move, so cursors stay stable.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import asyncpg

from db.columns import (
    ENTRY_FROM,
    FULL_ENTRY,
    NEWEST_FIRST_AFTER,
    EntryShape,
    UserShape,
    entry_columns,
    user_columns,
)
from db.executor import Executor
from db.visibility import Audience, visible_entry

FeedKeyset = tuple[datetime, int]

_AFTER = NEWEST_FIRST_AFTER.format(ts="$3", id="$4")

# The page is chosen first (ids and places only: per followed author the newest entries
# through the (user_id, created_at, id) index, plus the amplified ones), then only its rows
# are joined with authors, counts and the viewer's flags.
_FEED_PAGE = f"""
WITH followed AS (
    SELECT followed_id AS user_id FROM user_follows WHERE follower_id = $1::uuid
),
authors AS (
    SELECT user_id FROM followed UNION ALL SELECT $1::uuid
),
authored AS (
    SELECT x.entry_id, x.feed_at, NULL::uuid AS amplified_by
    FROM authors CROSS JOIN LATERAL (
        SELECT e.id AS entry_id, e.created_at AS feed_at
        FROM stream_entries e
        WHERE e.user_id = authors.user_id AND (e.created_at, e.id) < ({_AFTER})
          AND {visible_entry("e")}
        ORDER BY e.created_at DESC, e.id DESC
        LIMIT $5
    ) AS x
),
amplified AS (
    SELECT DISTINCT ON (am.entry_id)
           am.entry_id, am.created_at AS feed_at, am.user_id AS amplified_by
    FROM user_amplifications am
    JOIN stream_entries ae ON ae.id = am.entry_id
    WHERE am.user_id IN (SELECT user_id FROM followed)
      AND ae.user_id NOT IN (SELECT user_id FROM authors)
      AND {visible_entry("ae")}
    ORDER BY am.entry_id, am.created_at, am.id
),
page AS (
    SELECT * FROM (SELECT * FROM authored UNION ALL SELECT * FROM amplified) AS items
    WHERE (items.feed_at, items.entry_id) < ({_AFTER})
    ORDER BY items.feed_at DESC, items.entry_id DESC
    LIMIT $5
)
"""


@lru_cache(maxsize=256)
def _feed(shape: EntryShape, amplifier: UserShape | None) -> str:
    amplifier_columns, amplifier_join = "", ""
    if amplifier is not None:
        amplifier_columns = ", " + user_columns("amp", "amplifier_", amplifier)
        amplifier_join = "LEFT JOIN users amp ON amp.id = page.amplified_by"
    return f"""{_FEED_PAGE}
SELECT page.feed_at, page.amplified_by, {entry_columns(shape)}{amplifier_columns}
FROM page
JOIN ({ENTRY_FROM}) ON e.id = page.entry_id
{amplifier_join}
ORDER BY page.feed_at DESC, page.entry_id DESC
"""


async def fetch_feed(
    db: Executor,
    audience: Audience,
    *,
    after: FeedKeyset | None,
    limit: int,
    shape: EntryShape = FULL_ENTRY,
    amplifier: UserShape | None = None,
) -> list[asyncpg.Record]:
    """The page's rows: the entry's columns of `shape`, and, with `amplifier`, the columns
    of that shape of the user who amplified it (prefixed `amplifier_`, null for an entry
    placed by its author): a page says why each entry is there in the same statement."""
    after_ts, after_id = after or (None, None)
    return await db.fetch(_feed(shape, amplifier), *audience, after_ts, after_id, limit)
