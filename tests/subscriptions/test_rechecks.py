"""A subscription ends with NOT_FOUND when its row is deleted or leaves the viewer's view."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import asyncpg
import pytest
from strawberry.types import ExecutionResult

from db import unchecked
from db.listen import CountsBroker
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.subscriptions.inprocess import next_data, next_result, subscribe
from tests.subscriptions.wsclient import ENTRY_COUNTS, USER_COUNTS


async def assert_ends_not_found(results: AsyncIterator[ExecutionResult], message: str) -> None:
    result = await next_result(results)
    assert result.errors is not None
    assert [(e.message, (e.extensions or {}).get("code")) for e in result.errors] == [
        (message, "NOT_FOUND")
    ]
    with pytest.raises(StopAsyncIteration):
        await next_result(results)


async def test_deleting_an_entry_ends_its_subscriptions_with_not_found(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    async with AsyncExitStack() as stack:
        results = await subscribe(stack, broker, pool, ENTRY_COUNTS, entry_gid(entry))
        await next_data(results)
        await conn.execute("DELETE FROM stream_entries WHERE id = $1", entry["id"])
        await assert_ends_not_found(results, "entryId: no such entry")
    assert broker.registry_size() == 0


async def test_an_entry_made_private_ends_the_subscriptions_of_others_not_the_authors(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    author, reader = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    async with AsyncExitStack() as stack:
        authors = await subscribe(stack, broker, pool, ENTRY_COUNTS, entry_gid(entry), author["id"])
        readers = await subscribe(stack, broker, pool, ENTRY_COUNTS, entry_gid(entry), reader["id"])
        await next_data(authors)
        await next_data(readers)

        await conn.execute(
            "UPDATE stream_entries SET privacy = 'private' WHERE id = $1", entry["id"]
        )
        await assert_ends_not_found(readers, "entryId: no such entry")

        await unchecked.insert_resonance(conn, user_id=author["id"], entry_id=entry["id"])
        data = await next_data(authors)
        assert data["entryCounts"]["counts"]["resonanceCount"] == 1


async def test_deleting_a_user_ends_the_subscriptions_to_their_counts_with_not_found(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    user = await make_user(conn)
    async with AsyncExitStack() as stack:
        results = await subscribe(stack, broker, pool, USER_COUNTS, user_gid(user))
        await next_data(results)
        assert await unchecked.delete_user(conn, user["id"])
        await assert_ends_not_found(results, "userId: no such user")
    assert broker.registry_size() == 0


async def test_unfollowing_the_author_ends_the_subscriptions_to_entries_for_followers(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    author, leaving, staying = [await make_user(conn) for _ in range(3)]
    for follower in (leaving, staying):
        await unchecked.insert_follow(conn, follower_id=follower["id"], followed_id=author["id"])
    entry = await make_entry(conn, author, privacy="followers")
    gid = entry_gid(entry)
    async with AsyncExitStack() as stack:
        leavers = await subscribe(stack, broker, pool, ENTRY_COUNTS, gid, leaving["id"])
        stayers = await subscribe(stack, broker, pool, ENTRY_COUNTS, gid, staying["id"])
        await next_data(leavers)
        await next_data(stayers)

        await unchecked.delete_follow(conn, follower_id=leaving["id"], followed_id=author["id"])
        await assert_ends_not_found(leavers, "entryId: no such entry")

        await unchecked.insert_resonance(conn, user_id=staying["id"], entry_id=entry["id"])
        data = await next_data(stayers)
        assert data["entryCounts"]["counts"]["resonanceCount"] == 1
