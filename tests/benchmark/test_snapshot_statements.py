"""Snapshots read at once, each for its own viewer, are read in one statement."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack

import asyncpg

from db import unchecked
from db.listen import CountsBroker
from db.pool import counting_statements
from db.visibility import Audience
from resolvers.snapshots import Snapshots
from tests.factories import entry_gid, make_entry, make_user
from tests.subscriptions.inprocess import next_data, next_result, subscribe
from tests.subscriptions.wsclient import ENTRY_COUNTS, eventually


async def test_twenty_subscribers_told_to_recheck_read_their_snapshots_in_one_statement(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    async with AsyncExitStack() as stack:
        streams = [
            await subscribe(stack, broker, pool, ENTRY_COUNTS, entry_gid(entry)) for _ in range(20)
        ]
        for results in streams:
            await next_data(results)
        with counting_statements() as statements:
            waiting = [asyncio.create_task(next_result(results)) for results in streams]
        await asyncio.sleep(0.05)  # each waits on its mailbox

        recheck = json.dumps({"id": entry["id"], "recheck": True})
        await conn.execute("SELECT pg_notify('entry_counts', $1)", recheck)

        async def read() -> bool:
            return statements[0] > 0

        await eventually(read)
        await asyncio.sleep(0.1)
        assert statements[0] == 1

        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        changed = await asyncio.gather(*waiting)
    assert all(r.data["entryCounts"]["counts"]["resonanceCount"] == 1 for r in changed)  # type: ignore[index]


async def test_one_statement_answers_each_viewer_as_the_visibility_rule_does(
    pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    author, follower, stranger = [await make_user(conn) for _ in range(3)]
    await unchecked.insert_follow(conn, follower_id=follower["id"], followed_id=author["id"])
    public = await make_entry(conn, author)
    for_followers = await make_entry(conn, author, privacy="followers")
    private = await make_entry(conn, author, privacy="private")
    snapshots = Snapshots(pool)

    def audience(user: asyncpg.Record | None, admin: bool = False) -> Audience:
        return Audience(user["id"] if user else None, admin)

    asked = [
        (public["id"], audience(None)),
        (for_followers["id"], audience(stranger)),
        (for_followers["id"], audience(follower)),
        (private["id"], audience(follower)),
        (private["id"], audience(author)),
        (private["id"], audience(stranger, admin=True)),
        (10**12, audience(author)),
    ]
    with counting_statements() as statements:
        answers = await asyncio.gather(*(snapshots.entries.load(key) for key in asked))
    assert statements == [1]
    assert [a["id"] if a else None for a in answers] == [
        public["id"],
        None,
        for_followers["id"],
        None,
        private["id"],
        private["id"],
        None,
    ]
