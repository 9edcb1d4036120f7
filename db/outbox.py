"""The outbox of the counters' changes (0011): which way the database's triggers send them,
and the relay's reads, deletes and leadership."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

# Any constant works: it only has to be the same in every server process.
RELAY_LOCK_KEY = 7_301_208

# For the database, so that every session started from now on follows it: the relay's
# readers are every server of this database, whichever connection wrote.
_SET_FANOUT = """
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I {change}', current_database());
END $$
"""

_READ = "SELECT seq, channel, payload FROM counter_outbox ORDER BY seq LIMIT $1"
_DELETE = "DELETE FROM counter_outbox WHERE seq = ANY($1::bigint[])"


async def use_outbox(dsn: str) -> None:
    """Make the triggers of every session of this database started from now on write to
    the outbox."""
    await _set_fanout(dsn, "SET resonance.fanout = 'outbox'")


async def use_notify(dsn: str) -> None:
    """Back to pg_notify for the sessions of this database started from now on."""
    await _set_fanout(dsn, "RESET resonance.fanout")


async def _set_fanout(dsn: str, change: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        # The change is one of ours, written inside the DO block's string literal.
        await conn.execute(_SET_FANOUT.format(change=change.replace("'", "''")))
    finally:
        await conn.close()


async def fanout(pool: asyncpg.Pool) -> str:
    """Which way a new session's triggers send changes: 'outbox', or 'notify'."""
    async with pool.acquire() as conn:
        mode = await conn.fetchval("SELECT current_setting('resonance.fanout', true)")
    return "outbox" if mode == "outbox" else "notify"


async def try_lead(conn: asyncpg.Connection) -> bool:
    """Take the relay's lock for this session; False when another session holds it."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY))


async def read_outbox(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """The oldest changes waiting, in the order they were written."""
    rows: list[asyncpg.Record] = await conn.fetch(_READ, limit)
    return rows


async def delete_outbox(conn: asyncpg.Connection, seqs: Sequence[int]) -> None:
    await conn.execute(_DELETE, list(seqs))
