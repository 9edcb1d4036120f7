"""Lists resolve in a constant number of SQL statements, whatever their length.

Each test runs one operation over a small and a large page and asserts the statement count is
the same for both and within the budget: a resolver that queries per row fails here.
"""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from db import unchecked
from db.pool import counting_statements
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data

BUDGET = 8

FEED = """
query ($first: Int) {
  feed(first: $first) {
    edges {
      reason { amplifiedBy { username } }
      node {
        id content
        author { username followerCount viewerIsFollowing }
        counts { resonanceCount branchCount amplificationCount shareCount }
        viewerHasResonated viewerHasAmplified
        branches(first: 3) { nodes { author { username } } }
      }
    }
  }
}
"""


async def _statements(
    client: httpx.AsyncClient, query: str, variables: dict[str, object], **kw: object
) -> tuple[int, dict[str, object]]:
    with counting_statements() as counter:
        result = await data(client, query, variables, **kw)
    return counter[0], result


async def test_feed_pages_of_10_and_100_cost_the_same_few_statements(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    friends = [await make_user(conn) for _ in range(10)]
    for friend in friends:
        await unchecked.insert_follow(conn, follower_id=me["id"], followed_id=friend["id"])
    stranger = await make_user(conn)
    repliers = [await make_user(conn) for _ in range(4)]  # not followed: replies stay off the feed
    for i in range(110):
        author = friends[i % len(friends)]
        entry = await make_entry(conn, author if i % 5 else stranger)
        if i % 5 == 0:
            await unchecked.insert_amplification(conn, user_id=author["id"], entry_id=entry["id"])
        await unchecked.insert_resonance(conn, user_id=me["id"], entry_id=entry["id"])
        for replier in repliers:
            await make_entry(conn, replier, parent_id=entry["id"])

    small, small_result = await _statements(client, FEED, {"first": 10}, as_user=me["id"])
    large, large_result = await _statements(client, FEED, {"first": 100}, as_user=me["id"])

    assert len(small_result["feed"]["edges"]) == 10  # type: ignore[index]
    large_edges = large_result["feed"]["edges"]  # type: ignore[index]
    assert len(large_edges) == 100
    assert all(len(e["node"]["branches"]["nodes"]) == 3 for e in large_edges)
    assert any(e["reason"] for e in large_edges)
    assert small == large <= BUDGET


NESTED = """
query ($first: Int) {
  entries(first: $first) {
    nodes {
      author { username entries(first: 2) { nodes { id } } followers(first: 2) { nodes { id } } }
      parent { id }
      ancestors { id }
      branches(first: 2) { nodes { id author { username } } }
      resonators(first: 2) { nodes { username viewerIsFollowing } }
      amplifiers(first: 2) { nodes { username } }
    }
  }
}
"""


@pytest.mark.parametrize("viewer", ["anonymous", "signed in"])
async def test_nested_entry_lists_cost_the_same_for_10_and_100(
    conn: asyncpg.Connection, client: httpx.AsyncClient, viewer: str
) -> None:
    users = [await make_user(conn) for _ in range(5)]
    for a in users:
        for b in users:
            if a != b:
                await unchecked.insert_follow(conn, follower_id=a["id"], followed_id=b["id"])
    parent = None
    for i in range(100):
        entry = await make_entry(conn, users[i % 5], parent_id=parent)
        parent = entry["id"] if i % 3 else None
        await unchecked.insert_resonance(
            conn, user_id=users[(i + 1) % 5]["id"], entry_id=entry["id"]
        )
        await unchecked.insert_amplification(
            conn, user_id=users[(i + 2) % 5]["id"], entry_id=entry["id"]
        )
    kw = {} if viewer == "anonymous" else {"as_user": users[0]["id"]}

    small, _ = await _statements(client, NESTED, {"first": 10}, **kw)
    large, result = await _statements(client, NESTED, {"first": 100}, **kw)

    assert len(result["entries"]["nodes"]) == 100  # type: ignore[index]
    assert small == large <= BUDGET


async def test_a_user_page_with_nested_lists_is_constant(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    star = await make_user(conn)
    fans = [await make_user(conn) for _ in range(60)]
    for fan in fans:
        await unchecked.insert_follow(conn, follower_id=fan["id"], followed_id=star["id"])
        await make_entry(conn, fan)
    query = """
    query ($id: ID, $first: Int) { user(id: $id) {
      followers(first: $first) { nodes { username entries(first: 1) { nodes { id } }
                                         following(first: 1) { nodes { id } } } }
    } }
    """
    small, _ = await _statements(client, query, {"id": user_gid(star), "first": 5})
    large, result = await _statements(client, query, {"id": user_gid(star), "first": 60})
    assert len(result["user"]["followers"]["nodes"]) == 60  # type: ignore[index]
    assert small == large <= BUDGET


async def test_pages_of_two_sizes_under_many_parents_are_a_statement_each(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    """The branches loader gets (parent, first) keys of two sizes in one batch: one
    statement per size, and every parent gets its own page of its own size."""
    author = await make_user(conn)
    roots = [await make_entry(conn, author) for _ in range(6)]
    for root in roots:
        for _ in range(3):
            await make_entry(conn, author, parent_id=root["id"])
    query = """
    query ($first: Int) { entries(first: $first) { nodes {
      few: branches(first: 1) { nodes { id } }
      more: branches(first: 2) { nodes { id } }
    } } }
    """
    small, _ = await _statements(client, query, {"first": 3})
    large, result = await _statements(client, query, {"first": 30})

    nodes = result["entries"]["nodes"]  # type: ignore[index]
    with_branches = [n for n in nodes if n["few"]["nodes"]]
    assert len(with_branches) == len(roots)
    assert all(len(n["few"]["nodes"]) == 1 and len(n["more"]["nodes"]) == 2 for n in with_branches)
    assert all(n["few"]["nodes"][0] == n["more"]["nodes"][0] for n in with_branches)
    assert large == 3  # the entries, then the branches of each size
    # The 3 newest entries are replies, with no branches: their counters say so, and no
    # branches are read (resolvers/pagination.counted_page).
    assert small == 1


async def test_counting_sees_every_statement(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    """The counter itself: one entry lookup is one statement, not zero."""
    entry = await make_entry(conn, await make_user(conn))
    count, _ = await _statements(
        client, "query ($id: ID!) { entry(id: $id) { id } }", {"id": entry_gid(entry)}
    )
    assert count == 1
