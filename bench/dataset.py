"""Benchmark data at scale, generated with set-based SQL in one pass per table.

Counter triggers are quadratic on hot rows inside one transaction and the notify triggers
would queue a notification per row, so the load disables the user triggers of the tables it
fills, inserts everything with INSERT ... SELECT generate_series, then computes every counter
once with fix_counter_drift() and turns the triggers back on. Reconcile must then find no
drift. User 1 (`bench_000001`) is the feed reader: it follows users 2..201.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import asyncpg

from db.reconcile import find_drift
from db.tables import TABLES
from db.trending import refresh_trending


@dataclass(frozen=True)
class Size:
    users: int
    entries: int
    resonances: int
    amplifications: int
    follows: int


SIZES = {
    "tiny": Size(users=400, entries=8_000, resonances=40_000, amplifications=4_000, follows=6_000),
    "small": Size(
        users=10_000, entries=100_000, resonances=500_000, amplifications=50_000, follows=100_000
    ),
    "default": Size(
        users=100_000,
        entries=1_000_000,
        resonances=5_000_000,
        amplifications=500_000,
        follows=1_000_000,
    ),
}

FEED_READER_FOLLOWS = 200

# Deterministic ids: user n is md5('bench-user-n') as a UUID.
_USER_ID = "md5('bench-user-' || {n})::uuid"

_STEPS = [
    (
        "users",
        f"""
        INSERT INTO users (id, username, email, name, bio, location, role, created_at)
        SELECT {_USER_ID.format(n="n")}, 'bench_' || lpad(n::text, 6, '0'),
               'bench' || n || '@example.com', 'Bench User ' || n, 'I write things down.',
               (ARRAY['Lisbon', 'Oslo', 'Lagos', 'Lima', NULL])[1 + n % 5],
               CASE WHEN n % 1000 = 0 THEN 'admin' ELSE 'user' END,
               now() - interval '400 days' + n * interval '1 second'
        FROM generate_series(1, $1::int) AS n
        """,
    ),
    (
        "stream_entries",
        # A third of the entries reply to one of the 500 entries before them: threads of
        # several levels. Entry ids follow creation time (newest = highest id).
        f"""
        INSERT INTO stream_entries
            (id, user_id, parent_id, type, title, content, privacy, tags, metadata, created_at)
        SELECT i,
               {_USER_ID.format(n="1 + (hashint4(i) & 2147483647) % $2::int")},
               CASE WHEN i > 1 AND i % 3 = 0
                    THEN i - 1 - (hashint4(i * 7) & 2147483647) % LEAST(i - 1, 500) END,
               CASE WHEN i % 10 < 7 THEN 'logbook' ELSE 'dream' END,
               CASE WHEN i % 4 = 0 THEN 'Entry ' || i END,
               'Entry number ' || i || ': ' || repeat('words and more words ', 1 + i % 8),
               CASE WHEN i % 20 < 16 THEN 'public' WHEN i % 20 < 19 THEN 'followers'
                    ELSE 'private' END,
               ARRAY['tag' || (i % 50), 'topic' || (i % 7)],
               CASE WHEN i % 5 = 0 THEN jsonb_build_object('mood', i % 3) END,
               now() - ($1::int - i) * interval '2 seconds'
        FROM generate_series(1, $1::int) AS i
        """,
    ),
    (
        "entry_branches",
        """
        INSERT INTO entry_branches (parent_entry_id, child_entry_id, branch_order, created_at)
        SELECT parent_id, id, row_number() OVER (PARTITION BY parent_id ORDER BY id), created_at
        FROM stream_entries WHERE parent_id IS NOT NULL
        """,
    ),
    (
        "user_follows",
        # The feed reader follows users 2..201; the rest follow popular users more often.
        f"""
        INSERT INTO user_follows (follower_id, followed_id, created_at)
        SELECT {_USER_ID.format(n="1")}, {_USER_ID.format(n="n")},
               now() - interval '30 days' + n * interval '1 minute'
        FROM generate_series(2, {FEED_READER_FOLLOWS + 1}) AS n
        UNION ALL
        SELECT {_USER_ID.format(n="a")}, {_USER_ID.format(n="b")},
               now() - interval '300 days' + j * interval '1 second'
        FROM generate_series(1, $1::int) AS j,
             LATERAL (SELECT 2 + (hashint4(j) & 2147483647) % ($2::int - 1) AS a,
                             1 + floor(($2::int - 1) * power(
                                 ((hashint4(j * 31) & 2147483647) % 1000000) / 1e6, 3))::int
                               AS b) AS pair
        WHERE a <> b
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "user_resonances",
        # Recent entries get most resonances (the power skews towards the newest ids).
        f"""
        INSERT INTO user_resonances (user_id, entry_id, created_at)
        SELECT {_USER_ID.format(n="1 + (hashint4(j) & 2147483647) % $2::int")}, e,
               now() - (hashint4(j * 13) & 2147483647) % 600000 * interval '1 second'
        FROM generate_series(1, $1::int) AS j,
             LATERAL (SELECT $3::int - floor(($3::int - 1) * power(
                 ((hashint4(j * 17) & 2147483647) % 1000000) / 1e6, 2))::int AS e) AS pick
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "user_amplifications",
        f"""
        INSERT INTO user_amplifications (user_id, entry_id, created_at)
        SELECT {_USER_ID.format(n="1 + (hashint4(j * 3) & 2147483647) % $2::int")}, e,
               now() - (hashint4(j * 11) & 2147483647) % 600000 * interval '1 second'
        FROM generate_series(1, $1::int) AS j,
             LATERAL (SELECT $3::int - floor(($3::int - 1) * power(
                 ((hashint4(j * 19) & 2147483647) % 1000000) / 1e6, 2))::int AS e) AS pick
        ON CONFLICT DO NOTHING
        """,
    ),
]


# A showcase thread after the generated entries, for the entry-page scenario: a root, a chain
# of 5 replies (ancestors), and 30 branches under the last of them, which 50 users resonate
# with. SHOWCASE_ENTRY (relative to the size's entry count) is the page's entry.
SHOWCASE_CHAIN = 6
SHOWCASE_BRANCHES = 30
SHOWCASE_RESONATORS = 50

_SHOWCASE = [
    f"""
    INSERT INTO stream_entries (id, user_id, parent_id, title, content, tags, created_at)
    SELECT $1::int + k, {_USER_ID.format(n="2 + k % 50")},
           CASE WHEN k = 1 THEN NULL
                WHEN k <= {SHOWCASE_CHAIN} THEN $1::int + k - 1
                ELSE $1::int + {SHOWCASE_CHAIN} END,
           'Showcase ' || k, 'A thread to read: part ' || k, ARRAY['showcase'],
           now() - interval '1 hour' + k * interval '1 second'
    FROM generate_series(1, {SHOWCASE_CHAIN + SHOWCASE_BRANCHES}) AS k
    """,
    f"""
    INSERT INTO user_resonances (user_id, entry_id)
    SELECT {_USER_ID.format(n="n")}, $1::int + {SHOWCASE_CHAIN}
    FROM generate_series(1, {SHOWCASE_RESONATORS}) AS n
    ON CONFLICT DO NOTHING
    """,
]


def showcase_entry(size: Size) -> int:
    return size.entries + SHOWCASE_CHAIN


async def generate(conn: asyncpg.Connection, size: Size, log: object = print) -> dict[str, int]:
    """Fill an empty, migrated database; returns the row count of each table."""
    say = log if callable(log) else print
    await conn.execute("SET synchronous_commit = off")
    await conn.execute("SET maintenance_work_mem = '512MB'")
    async with conn.transaction():
        for table in TABLES:
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        args = {
            "users": (size.users,),
            "stream_entries": (size.entries, size.users),
            "entry_branches": (),
            "user_follows": (size.follows, size.users),
            "user_resonances": (size.resonances, size.users, size.entries),
            "user_amplifications": (size.amplifications, size.users, size.entries),
        }
        for table, sql in _STEPS:
            if table == "entry_branches":  # after every entry, the showcase's too
                for step in _SHOWCASE:
                    await conn.execute(step, size.entries)
            status = await conn.execute(sql, *args[table])
            say(f"  {table}: {status}")
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('stream_entries', 'id'), $1)",
            size.entries + SHOWCASE_CHAIN + SHOWCASE_BRANCHES,
        )
        repaired = await conn.fetchval("SELECT count(*) FROM fix_counter_drift()")
        say(f"  counters computed: {repaired} set")
        for table in TABLES:
            await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    await conn.execute("ANALYZE")
    await refresh_trending(conn)
    drift = await find_drift(conn)
    if drift:
        raise RuntimeError(f"bench data has {len(drift)} drifting counters, e.g. {drift[0]}")
    say("  reconcile: 0 drift")
    counts = {}
    for table in TABLES:
        counts[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")
    return counts


def describe(size: Size) -> dict[str, int]:
    return asdict(size)
