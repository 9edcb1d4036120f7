"""The column lists every read returns, so each row carries what its GraphQL type needs.

An entry row comes with its author, its counts and the viewer's flags joined in: a page of
entries is one statement however many fields the client asks for. A read whose selection
skips the costlier columns (the viewer's flags, most of the author) can leave them out: its
shape says which it carries (schema/row_shapes.py works it out). Like the visibility rule,
these expect the viewer's id as $1 and the admin flag as $2.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from db.executor import Executor, Row
from db.visibility import Audience
from db.windows import Window, WindowSql


class UserShape(NamedTuple):
    """Which of a user row's costlier columns a read carries: the id and username always;
    `card` the name and avatar (what a user's card shows: a feed's authors), `profile` the
    other plain columns, `viewer_flags` the two EXISTS about the viewer."""

    profile: bool = True
    viewer_flags: bool = True
    card: bool = True


class EntryShape(NamedTuple):
    """Which of an entry row's costlier columns a read carries: its id, parent, title,
    content and counts always; `details` its type, agent, privacy, tags, metadata and last
    edit; `viewer_flags` its two EXISTS about the viewer; `author` its author's; `created`
    its creation (a timestamp costs more to read than any other column: db/timestamps.py;
    a list ordered by it reads it whatever the shape, for its cursors). A page read for its
    cards skips 21 of 33 columns (64 shapes in all, so clients cannot fill the statement
    caches)."""

    details: bool = True
    viewer_flags: bool = True
    author: UserShape = UserShape()
    created: bool = True


FULL_USER = UserShape()
FULL_ENTRY = EntryShape()


def user_columns(alias: str = "u", prefix: str = "", shape: UserShape = FULL_USER) -> str:
    """A user's fields (the email only for the user and admins), those of `shape`."""
    p = prefix
    columns = [f"{alias}.id AS {p}id", f"{alias}.username AS {p}username"]
    if shape.card:
        columns += [f"{alias}.name AS {p}name", f"{alias}.avatar AS {p}avatar"]
    if shape.profile:
        columns += [
            f"CASE WHEN {alias}.id = $1::uuid OR $2::boolean THEN {alias}.email END AS {p}email",
            f"{alias}.bio AS {p}bio",
            f"{alias}.location AS {p}location",
            f"{alias}.role AS {p}role",
            f"{alias}.stats AS {p}stats",
            f"{alias}.follower_count AS {p}follower_count",
            f"{alias}.following_count AS {p}following_count",
            f"{alias}.created_at AS {p}created_at",
            f"{alias}.updated_at AS {p}updated_at",
        ]
    if shape.viewer_flags:
        columns += [
            f"EXISTS (SELECT 1 FROM user_follows vf WHERE vf.follower_id = $1::uuid"
            f" AND vf.followed_id = {alias}.id) AS {p}viewer_is_following",
            f"EXISTS (SELECT 1 FROM user_follows fv WHERE fv.follower_id = {alias}.id"
            f" AND fv.followed_id = $1::uuid) AS {p}follows_viewer",
        ]
    return ", ".join(columns)


@lru_cache(maxsize=64)
def entry_columns(shape: EntryShape = FULL_ENTRY) -> str:
    """An entry row's columns (from ENTRY_FROM), those of `shape`."""
    columns = ["e.id, e.user_id, e.parent_id, e.title, e.content"]
    if shape.created:
        columns.append("e.created_at")
    if shape.details:
        columns.append("e.type, e.agent, e.privacy, e.tags, e.metadata, e.updated_at")
    columns += [
        "COALESCE(c.resonance_count, 0) AS resonance_count",
        "COALESCE(c.branch_count, 0) AS branch_count",
        "COALESCE(c.amplification_count, 0) AS amplification_count",
        "COALESCE(c.share_count, 0) AS share_count",
    ]
    if shape.viewer_flags:
        columns += [
            "EXISTS (SELECT 1 FROM user_resonances vr WHERE vr.user_id = $1::uuid"
            " AND vr.entry_id = e.id) AS viewer_has_resonated",
            "EXISTS (SELECT 1 FROM user_amplifications va WHERE va.user_id = $1::uuid"
            " AND va.entry_id = e.id) AS viewer_has_amplified",
        ]
    columns.append(user_columns("a", "author_", shape.author))
    return ", ".join(columns)


def newest_first_columns(shape: EntryShape) -> str:
    """The columns of a list ordered by creation (newest_first_window): its cursors hold each
    entry's creation, whether or not `shape` shows it."""
    return entry_columns(shape._replace(created=True))


ENTRY_COLUMNS = entry_columns()

# Every statement takes the audience as $1 and $2; one whose columns and conditions may not
# read them (a page of users of a narrow shape) begins with this, so PostgreSQL still knows
# their types (an unused WITH costs nothing: it is never run).
TYPED_AUDIENCE = "WITH audience AS (SELECT $1::uuid AS viewer_id, $2::boolean AS is_admin)"

# stream_entries as e, with its author as a and its counts as c.
ENTRY_FROM = (
    "stream_entries e JOIN users a ON a.id = e.user_id"
    " LEFT JOIN entry_interaction_counts c ON c.entry_id = e.id"
)


def newest_first_window(key: str, window: WindowSql, *params: str, id_type: str = "bigint") -> str:
    """The conditions keeping the rows of a newest-first list within a window (db/windows.py):
    `key` the sort key's columns, `params` the after bound's two placeholders then the
    before's. With no cursor, COALESCE puts a bound past every row and keeps the row
    comparison usable by the (created_at DESC, id DESC) indexes."""
    after_ts, after_id, before_ts, before_id = params
    return (
        f"({key}) {window.after} (COALESCE({after_ts}::timestamptz, 'infinity'),"
        f" COALESCE({after_id}::{id_type}, {_LOWEST[id_type]}))"
        f" AND ({key}) {window.before} (COALESCE({before_ts}::timestamptz, '-infinity'),"
        f" COALESCE({before_id}::{id_type}, {_LOWEST[id_type]}))"
    )


# Any value of the id's type: the bound's timestamp is past every row's already.
_LOWEST = {"bigint": "0", "uuid": "'00000000-0000-0000-0000-000000000000'"}


async def fetch_pages(
    db: Executor,
    query: str,
    audience: Audience,
    parents: Sequence[Any],
    window: Window,
    limit: int,
) -> list[Row]:
    """Run a per-parent page query: $3 the parents, $4 and $5 the after bound, $6 the
    limit, $7 and $8 the before bound."""
    after_ts, after_id, before_ts, before_id = window.bounds(2)
    return await db.fetch(
        query, *audience, list(parents), after_ts, after_id, limit, before_ts, before_id
    )
