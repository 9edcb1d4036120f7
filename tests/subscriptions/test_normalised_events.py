"""Live events that normalise: a client cache keyed by `__typename` and `id` (Apollo's
InMemoryCache, urql's Graphcache, Relay's store by id) updates its cached Entry and User from
an event with no code of its own, and merges partial selections of an entry's counts."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import asyncpg

from db import unchecked
from db.listen import CountsBroker
from schema import schema
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.subscriptions.inprocess import live_context, next_data, subscribe

Store = dict[str, dict[str, Any]]

ENTRY_PAGE = """query ($id: ID!) {
  entry(id: $id) { __typename id title counts { __typename id resonanceCount shareCount } }
}"""
ENTRY_EVENTS = """subscription ($id: ID!) {
  entryCounts(entryId: $id) { entry { __typename id counts { __typename id resonanceCount } } }
}"""
USER_PAGE = """query ($id: ID!) {
  node(id: $id) { __typename id ... on User { username followerCount followingCount } }
}"""
USER_EVENTS = """subscription ($id: ID!) {
  userCounts(userId: $id) { user { __typename id followerCount followingCount } }
}"""


def normalise(value: Any, store: Store) -> Any:
    """What a normalising cache keeps: each object with a type and an id once, by that key,
    its fields merged with what was there; a reference in its place."""
    if isinstance(value, list):
        return [normalise(each, store) for each in value]
    if not isinstance(value, dict):
        return value
    fields = {name: normalise(each, store) for name, each in value.items()}
    if "__typename" in fields and "id" in fields:
        key = f"{fields['__typename']}:{fields['id']}"
        store.setdefault(key, {}).update(fields)
        return {"__ref": key}
    return fields


async def query(broker: CountsBroker, pool: asyncpg.Pool, document: str, gid: str) -> Any:
    result = await schema.execute(
        document, variable_values={"id": gid}, context_value=live_context(broker, pool)
    )
    assert result.errors is None
    return result.data


async def test_an_entry_cached_from_a_query_is_updated_by_its_event(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author, title="kept")
    await unchecked.record_share(conn, entry_id=entry["id"])
    gid = entry_gid(entry)
    store: Store = {}
    normalise(await query(broker, pool, ENTRY_PAGE, gid), store)
    async with AsyncExitStack() as stack:
        events = await subscribe(stack, broker, pool, ENTRY_EVENTS, gid)
        normalise(await next_data(events), store)
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        normalise(await next_data(events), store)

    cached = store[f"Entry:{gid}"]
    counts = store[cached["counts"]["__ref"]]
    assert counts["resonanceCount"] == 1  # the event's
    assert counts["shareCount"] == 1  # the query's, merged: the event did not select it
    assert cached["title"] == "kept"


async def test_an_entrys_counts_have_one_identity_wherever_they_are_read(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    gid = entry_gid(entry)
    from_query = (await query(broker, pool, ENTRY_PAGE, gid))["entry"]["counts"]["id"]
    async with AsyncExitStack() as stack:
        events = await subscribe(stack, broker, pool, ENTRY_EVENTS, gid)
        from_event = (await next_data(events))["entryCounts"]["entry"]["counts"]["id"]
    assert from_query == from_event
    assert from_query != gid  # its own, not the entry's (Relay keys its store by id alone)


async def test_a_user_cached_from_a_query_is_updated_by_its_event(
    broker: CountsBroker, pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    star, fan = await make_user(conn), await make_user(conn)
    gid = user_gid(star)
    store: Store = {}
    normalise(await query(broker, pool, USER_PAGE, gid), store)
    async with AsyncExitStack() as stack:
        events = await subscribe(stack, broker, pool, USER_EVENTS, gid)
        normalise(await next_data(events), store)
        await unchecked.insert_follow(conn, follower_id=fan["id"], followed_id=star["id"])
        normalise(await next_data(events), store)
    cached = store[f"User:{gid}"]
    assert cached["followerCount"] == 1
    assert cached["username"] == star["username"]
