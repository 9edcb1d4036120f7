"""Writing a plan: set-based INSERTs from arrays, the counter triggers off meanwhile.

Row triggers on popular rows are slow in bulk (each resonance of a hot entry updates its
counts row again inside one transaction), so the rows go in with the counter triggers
disabled inside the seeding transaction, and `fix_counter_drift()` then computes every
counter once from the rows: the seed ends with no drift.
"""

from __future__ import annotations

import json
import random
import uuid

import asyncpg

from db.tables import TABLES
from db.visibility import visible_entry
from seed.plan import Audiences, Plan

PRIVACIES = ("public", "followers", "private")

# The counter triggers of 0002, off while the rows go in (fix_counter_drift counts after).
_COUNTER_TRIGGERS = (
    ("user_resonances", "resonance_count_trigger"),
    ("user_amplifications", "trigger_amplification_count_update"),
    ("entry_branches", "trigger_branch_count_update"),
    ("user_follows", "update_follow_counts_trigger"),
)


async def clear(conn: asyncpg.Connection) -> None:
    """Empty every table and turn the counter triggers off (inside the seeding transaction,
    so no other session sees them off)."""
    await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    for table, trigger in _COUNTER_TRIGGERS:
        await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")


async def people(conn: asyncpg.Connection, plan: Plan, rng: random.Random) -> None:
    """The users and their follows; `rng` draws the follows' ids."""
    users = plan.users
    await conn.execute(
        """
        INSERT INTO users (id, username, email, name, bio, location, avatar, role,
                           created_at, updated_at)
        SELECT id, username, email, name, bio, location, avatar, role, created_at, created_at
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                    $7::text[], $8::text[], $9::timestamptz[])
             AS t (id, username, email, name, bio, location, avatar, role, created_at)
        """,
        [u.id for u in users],
        [u.username for u in users],
        [u.email for u in users],
        [u.name for u in users],
        [u.bio for u in users],
        [u.location for u in users],
        [u.avatar for u in users],
        [u.role for u in users],
        [u.created_at for u in users],
    )
    await conn.execute(
        """
        INSERT INTO user_follows (id, follower_id, followed_id, created_at)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[])
        """,
        # user_follows ids are UUIDs: drawn from the seed too, not gen_random_uuid().
        [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in plan.follows],
        [users[a].id for a, _, _ in plan.follows],
        [users[b].id for _, b, _ in plan.follows],
        [at for _, _, at in plan.follows],
    )


async def audiences(conn: asyncpg.Connection, plan: Plan) -> Audiences:
    """Who may see an entry of each user at each privacy, by the API's own predicate
    (db/visibility.py) over the follows just written. Admins count as ordinary members:
    the demo's admin only acts on what a member could see."""
    rows = await conn.fetch(
        f"""
        WITH people AS (
            SELECT id, n - 1 AS n FROM unnest($1::uuid[]) WITH ORDINALITY AS p (id, n)
        ), e AS (
            SELECT p.id AS user_id, p.n AS author, privacy
            FROM people p CROSS JOIN unnest($2::text[]) AS privacy
        )
        SELECT e.author, e.privacy, array_agg(v.n) AS viewers
        FROM e JOIN people v ON {visible_entry("e", viewer="v.id", admin="false")}
        GROUP BY e.author, e.privacy
        """,
        [u.id for u in plan.users],
        list(PRIVACIES),
    )
    return {(r["author"], r["privacy"]): frozenset(r["viewers"]) for r in rows}


async def activity(conn: asyncpg.Connection, plan: Plan) -> None:
    """The entries (with their threads) and the resonances and amplifications."""
    users = plan.users
    entries = sorted(plan.entries, key=lambda e: e.id)
    # In id order, so each branch's parent is in before it and branch_order follows time.
    await conn.execute(
        """
        INSERT INTO stream_entries (id, user_id, parent_id, type, agent, content, title,
                                    privacy, tags, metadata, created_at, updated_at)
        SELECT id, user_id, parent_id, type, agent, content, title, privacy,
               string_to_array(tags, ','), metadata::jsonb, created_at, created_at
        FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::text[], $5::text[],
                    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                    $11::timestamptz[])
             AS t (id, user_id, parent_id, type, agent, content, title, privacy, tags,
                   metadata, created_at)
        ORDER BY id
        """,
        [e.id for e in entries],
        [users[e.author].id for e in entries],
        [None if e.parent is None else plan.entries[e.parent].id for e in entries],
        [e.type for e in entries],
        [e.agent for e in entries],
        [e.content for e in entries],
        [e.title for e in entries],
        [e.privacy for e in entries],
        [",".join(e.tags) for e in entries],
        [None if e.metadata is None else json.dumps(e.metadata) for e in entries],
        [e.created_at for e in entries],
    )
    for table, rows in (
        ("user_resonances", plan.resonances),
        ("user_amplifications", plan.amplifications),
    ):
        await conn.execute(
            f"""
            INSERT INTO {table} (id, user_id, entry_id, created_at)
            SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::timestamptz[])
            ORDER BY 1
            """,
            list(range(1, len(rows) + 1)),
            [users[u].id for u, _, _ in rows],
            [entry_id for _, entry_id, _ in rows],
            [at for _, _, at in rows],
        )


async def finish(conn: asyncpg.Connection, plan: Plan) -> None:
    """Counters computed from the rows, the shares, the sequences past the ids used, and
    the times of the story on what the triggers stamped."""
    for table, trigger in _COUNTER_TRIGGERS:
        await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    await conn.execute("SELECT count(*) FROM fix_counter_drift()")
    # Shares have no rows: each is a call, as the share mutation makes it.
    shares = [(entry_id,) for entry_id in plan.shares]
    await conn.executemany("SELECT FROM record_share($1)", shares)
    for table in ("stream_entries", "user_resonances", "user_amplifications"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" GREATEST((SELECT max(id) FROM {table}), 1))"
        )
    # The triggers stamped what they wrote with the time of seeding: give those rows the
    # times of the story instead, so trending and "updated" read as if it had happened.
    await conn.execute(
        """
        UPDATE entry_branches b SET created_at = e.created_at
        FROM stream_entries e WHERE e.id = b.child_entry_id
        """
    )
    await conn.execute(
        """
        UPDATE entry_interaction_counts c
        SET created_at = e.created_at,
            updated_at = GREATEST(
                e.created_at,
                (SELECT max(created_at) FROM user_resonances r WHERE r.entry_id = e.id),
                (SELECT max(created_at) FROM user_amplifications a WHERE a.entry_id = e.id),
                (SELECT max(created_at) FROM entry_branches b WHERE b.parent_entry_id = e.id))
        FROM stream_entries e WHERE e.id = c.entry_id
        """
    )
