"""The home feed: entries by the viewer and followed users, and entries they amplified.

Each entry appears once. An entry by the viewer or a followed author is placed at its
creation; another entry amplified by followed users is placed at the earliest of those
amplifications, which later amplifications never move, so cursors stay stable.
"""

from __future__ import annotations

from functools import lru_cache

import asyncpg

from db.columns import (
    ENTRY_FROM,
    FULL_ENTRY,
    EntryShape,
    UserShape,
    entry_columns,
    newest_first_window,
    user_columns,
)
from db.executor import Executor
from db.visibility import Audience, visible_entry
from db.windows import Window, WindowSql

# The page is chosen first (ids and places only: per followed author the entries nearest the
# window's start through the (user_id, created_at, id) index, plus the amplified ones), then
# only its rows are joined with authors, counts and the viewer's flags. A window read
# backward reads each part in reverse; the amplified entries are the same either way.
_FEED_PAGE = """
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
        WHERE e.user_id = authors.user_id AND {authored_window}
          AND {visible_entry_e}
        ORDER BY e.created_at {order}, e.id {order}
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
      AND {visible_entry_ae}
    ORDER BY am.entry_id, am.created_at, am.id
),
page AS (
    SELECT * FROM (SELECT * FROM authored UNION ALL SELECT * FROM amplified) AS items
    WHERE {page_window}
    ORDER BY items.feed_at {order}, items.entry_id {order}
    LIMIT $5
)
"""


@lru_cache(maxsize=256)
def _feed(shape: EntryShape, amplifier: UserShape | None, sql: WindowSql) -> str:
    amplifier_columns, amplifier_join = "", ""
    if amplifier is not None:
        amplifier_columns = ", " + user_columns("amp", "amplifier_", amplifier)
        amplifier_join = "LEFT JOIN users amp ON amp.id = page.amplified_by"
    bounds = ("$3", "$4", "$6", "$7")
    page = _FEED_PAGE.format(
        authored_window=newest_first_window("e.created_at, e.id", sql, *bounds),
        page_window=newest_first_window("items.feed_at, items.entry_id", sql, *bounds),
        order=sql.order,
        visible_entry_e=visible_entry("e"),
        visible_entry_ae=visible_entry("ae"),
    )
    return f"""{page}
SELECT page.feed_at, page.amplified_by, {entry_columns(shape)}{amplifier_columns}
FROM page
JOIN ({ENTRY_FROM}) ON e.id = page.entry_id
{amplifier_join}
ORDER BY page.feed_at {sql.order}, page.entry_id {sql.order}
"""


async def fetch_feed(
    db: Executor,
    audience: Audience,
    *,
    window: Window,
    limit: int,
    shape: EntryShape = FULL_ENTRY,
    amplifier: UserShape | None = None,
) -> list[asyncpg.Record]:
    """The page's rows: the entry's columns of `shape`, and, with `amplifier`, the columns
    of that shape of the user who amplified it (prefixed `amplifier_`, null for an entry
    placed by its author): a page says why each entry is there in the same statement."""
    after_ts, after_id, before_ts, before_id = window.bounds(2)
    query = _feed(shape, amplifier, window.sql())
    return await db.fetch(query, *audience, after_ts, after_id, limit, before_ts, before_id)
