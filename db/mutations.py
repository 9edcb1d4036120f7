"""Writes on behalf of a viewer: each checks, in the same statement, what the API promises.

The viewer must have a profile, and an entry acted on must be visible to the viewer (the one
visibility predicate, so an invisible entry reads as missing and its existence does not leak).
Each function returns what it found, so the caller can tell "not found" from "not allowed"
without a second round trip. Counters move by trigger only; nothing here writes one.

The writes that check nothing, for tests and the benchmark, are db/unchecked.py's, under names
of their own (insert_resonance, not resonate).

Partial updates use a flag per column ("was this field given?") instead of building SQL from
the input, so each statement is fixed text, prepared once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

import asyncpg

from db.errors import AlreadyTaken, RowGone
from db.executor import Executor, Row
from db.visibility import Audience, visible_entry


class Outcome(NamedTuple):
    has_profile: bool  # the viewer has a users row
    found: bool  # the target exists and the viewer may see it
    changed: bool  # a row was inserted, updated or deleted


_VIEWER = "viewer AS (SELECT id FROM users WHERE id = $1::uuid)"
_VISIBLE_TARGET = (
    "target AS (SELECT e.id, e.user_id FROM stream_entries e"
    f" WHERE e.id = $3 AND {visible_entry('e')})"
)
_OUTCOME = """
SELECT EXISTS (SELECT 1 FROM viewer) AS has_profile,
       EXISTS (SELECT 1 FROM target) AS found,
       EXISTS (SELECT 1 FROM changed) AS changed
"""


def _entry_interaction(table: str, insert: bool) -> str:
    if insert:
        change = (
            f"INSERT INTO {table} (user_id, entry_id) SELECT v.id, t.id FROM viewer v, target t"
            " ON CONFLICT (user_id, entry_id) DO NOTHING RETURNING 1"
        )
    else:
        change = (
            f"DELETE FROM {table} i USING viewer v, target t"
            " WHERE i.user_id = v.id AND i.entry_id = t.id RETURNING 1"
        )
    return f"WITH {_VIEWER}, {_VISIBLE_TARGET}, changed AS ({change}) {_OUTCOME}"


_RESONATE = _entry_interaction("user_resonances", insert=True)
_UNRESONATE = _entry_interaction("user_resonances", insert=False)
_AMPLIFY = _entry_interaction("user_amplifications", insert=True)
_UNAMPLIFY = _entry_interaction("user_amplifications", insert=False)


async def _fetchrow(db: Executor, query: str, *args: Any) -> Row:
    """One row; a foreign key broken by a concurrent delete is RowGone."""
    try:
        row: Row = await db.fetchrow(query, *args)
    except asyncpg.ForeignKeyViolationError as error:
        raise RowGone(str(error)) from None
    return row


async def _outcome(db: Executor, query: str, *args: Any) -> Outcome:
    row = await _fetchrow(db, query, *args)
    return Outcome(row["has_profile"], row["found"], row["changed"])


async def resonate(db: Executor, audience: Audience, entry_id: int) -> Outcome:
    return await _outcome(db, _RESONATE, *audience, entry_id)


async def unresonate(db: Executor, audience: Audience, entry_id: int) -> Outcome:
    return await _outcome(db, _UNRESONATE, *audience, entry_id)


async def amplify(db: Executor, audience: Audience, entry_id: int) -> Outcome:
    return await _outcome(db, _AMPLIFY, *audience, entry_id)


async def unamplify(db: Executor, audience: Audience, entry_id: int) -> Outcome:
    return await _outcome(db, _UNAMPLIFY, *audience, entry_id)


_SHARE = f"""
WITH {_VIEWER}, {_VISIBLE_TARGET},
changed AS (SELECT s.share_count FROM viewer, target t CROSS JOIN LATERAL record_share(t.id) s)
{_OUTCOME}
"""


async def share(db: Executor, audience: Audience, entry_id: int) -> Outcome:
    return await _outcome(db, _SHARE, *audience, entry_id)


def _follow_statement(insert: bool) -> str:
    if insert:
        change = (
            "INSERT INTO user_follows (follower_id, followed_id) SELECT v.id, t.id"
            " FROM viewer v, target t ON CONFLICT (follower_id, followed_id) DO NOTHING RETURNING 1"
        )
    else:
        change = (
            "DELETE FROM user_follows f USING viewer v, target t"
            " WHERE f.follower_id = v.id AND f.followed_id = t.id RETURNING 1"
        )
    target = "target AS (SELECT id FROM users WHERE id = $2::uuid)"
    return f"WITH {_VIEWER}, {target}, changed AS ({change}) {_OUTCOME}"


_FOLLOW = _follow_statement(insert=True)
_UNFOLLOW = _follow_statement(insert=False)


async def follow(db: Executor, viewer_id: UUID, user_id: UUID) -> Outcome:
    """The viewer follows `user_id` (found: that user exists)."""
    return await _outcome(db, _FOLLOW, viewer_id, user_id)


async def unfollow(db: Executor, viewer_id: UUID, user_id: UUID) -> Outcome:
    return await _outcome(db, _UNFOLLOW, viewer_id, user_id)


# Entries

_CREATE_ENTRY = f"""
WITH {_VIEWER},
parent AS (
    SELECT e.id FROM stream_entries e WHERE e.id = $3::bigint AND {visible_entry("e")}
),
created AS (
    INSERT INTO stream_entries
        (user_id, parent_id, type, content, title, agent, privacy, tags, metadata)
    SELECT v.id, $3::bigint, $4, $5, $6, $7, $8, $9, $10
    FROM viewer v
    WHERE $3::bigint IS NULL OR EXISTS (SELECT 1 FROM parent)
    RETURNING id
)
SELECT EXISTS (SELECT 1 FROM viewer) AS has_profile,
       ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM parent)) AS parent_found,
       (SELECT id FROM created) AS id
"""


class Created(NamedTuple):
    has_profile: bool
    parent_found: bool
    id: int | None


async def create_entry(
    db: Executor,
    audience: Audience,
    *,
    parent_id: int | None,
    type: str,
    content: str,
    title: str | None,
    agent: str | None,
    privacy: str,
    tags: Sequence[str],
    metadata: Any,
) -> Created:
    """Insert an entry by the viewer; with a parent the viewer may see, a branch of it."""
    row = await _fetchrow(
        db,
        _CREATE_ENTRY,
        *audience,
        parent_id,
        type,
        content,
        title,
        agent,
        privacy,
        list(tags),
        metadata,
    )
    return Created(row["has_profile"], row["parent_found"], row["id"])


class Authored(NamedTuple):
    author_id: UUID | None  # None: no such entry the viewer may see
    changed: bool


_UPDATE_ENTRY = f"""
WITH {_VISIBLE_TARGET},
changed AS (
    UPDATE stream_entries s SET
        content = CASE WHEN $4::boolean THEN $5 ELSE s.content END,
        title = CASE WHEN $6::boolean THEN $7 ELSE s.title END,
        privacy = CASE WHEN $8::boolean THEN $9 ELSE s.privacy END,
        tags = CASE WHEN $10::boolean THEN $11::text[] ELSE s.tags END,
        metadata = CASE WHEN $12::boolean THEN $13::jsonb ELSE s.metadata END,
        updated_at = now()
    FROM target t
    WHERE s.id = t.id AND t.user_id = $1::uuid
    RETURNING s.id
)
SELECT (SELECT user_id FROM target) AS author_id, EXISTS (SELECT 1 FROM changed) AS changed
"""


async def update_entry(
    db: Executor, audience: Audience, entry_id: int, changes: dict[str, Any]
) -> Authored:
    """Apply `changes` (content, title, privacy, tags, metadata: those given) if the viewer
    wrote the entry."""
    args: list[Any] = []
    for column in ("content", "title", "privacy", "tags", "metadata"):
        args += [column in changes, changes.get(column)]
    row = await _fetchrow(db, _UPDATE_ENTRY, *audience, entry_id, *args)
    return Authored(row["author_id"], row["changed"])


_DELETE_ENTRY = f"""
WITH {_VISIBLE_TARGET},
changed AS (
    DELETE FROM stream_entries s USING target t
    WHERE s.id = t.id AND (t.user_id = $1::uuid OR $2::boolean)
    RETURNING s.id
)
SELECT (SELECT user_id FROM target) AS author_id, EXISTS (SELECT 1 FROM changed) AS changed
"""


async def delete_entry(db: Executor, audience: Audience, entry_id: int) -> Authored:
    """Delete the entry if the viewer wrote it or is an admin."""
    row = await _fetchrow(db, _DELETE_ENTRY, *audience, entry_id)
    return Authored(row["author_id"], row["changed"])


# Profiles

_CREATE_PROFILE = """
INSERT INTO users (id, username, email, name, bio, location, avatar)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""


async def create_profile(
    db: Executor,
    user_id: UUID,
    *,
    username: str,
    email: str | None,
    name: str | None,
    bio: str | None,
    location: str | None,
    avatar: str | None,
) -> None:
    """AlreadyTaken('id') when the viewer has a profile, ('username') when the name is taken,
    however many requests race for it: the unique indexes decide."""
    try:
        await db.execute(_CREATE_PROFILE, user_id, username, email, name, bio, location, avatar)
    except asyncpg.UniqueViolationError as error:
        taken = "username" if "username" in (error.constraint_name or "") else "id"
        raise AlreadyTaken(taken) from None


_UPDATE_PROFILE = """
UPDATE users u SET
    name = CASE WHEN $2::boolean THEN $3 ELSE u.name END,
    bio = CASE WHEN $4::boolean THEN $5 ELSE u.bio END,
    location = CASE WHEN $6::boolean THEN $7 ELSE u.location END,
    avatar = CASE WHEN $8::boolean THEN $9 ELSE u.avatar END,
    email = CASE WHEN $10::boolean THEN $11 ELSE u.email END,
    updated_at = now()
WHERE u.id = $1
"""


async def update_profile(db: Executor, user_id: UUID, changes: dict[str, Any]) -> bool:
    """Apply `changes` (name, bio, location, avatar, email: those given); False without a
    profile."""
    args: list[Any] = []
    for column in ("name", "bio", "location", "avatar", "email"):
        args += [column in changes, changes.get(column)]
    status: str = await db.execute(_UPDATE_PROFILE, user_id, *args)
    return status == "UPDATE 1"
