"""Query.feed and Query.trending, through HTTP."""

from __future__ import annotations

import asyncpg
import httpx

from db import unchecked
from db.pool import capturing_statements
from db.trending import refresh_trending
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data, error_codes, post

FEED = """
query ($first: Int, $after: String) {
  feed(first: $first, after: $after) {
    edges { cursor node { id } reason { amplifiedBy { id } amplifiedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_feed_holds_own_and_followed_entries_newest_first(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me, friend, stranger = await make_user(conn), await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=me["id"], followed_id=friend["id"])
    mine = await make_entry(conn, me)
    theirs = await make_entry(conn, friend)
    await make_entry(conn, stranger)

    edges = (await data(client, FEED, as_user=me["id"]))["feed"]["edges"]

    assert [e["node"]["id"] for e in edges] == [entry_gid(theirs), entry_gid(mine)]
    assert [e["reason"] for e in edges] == [None, None]


async def test_feed_holds_entries_amplified_by_followed_users_with_the_reason(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me, friend, stranger = await make_user(conn), await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=me["id"], followed_id=friend["id"])
    older = await make_entry(conn, friend)
    theirs = await make_entry(conn, stranger)
    await unchecked.insert_amplification(conn, user_id=friend["id"], entry_id=theirs["id"])

    edges = (await data(client, FEED, as_user=me["id"]))["feed"]["edges"]

    assert [e["node"]["id"] for e in edges] == [entry_gid(theirs), entry_gid(older)]
    reason = edges[0]["reason"]
    assert reason["amplifiedBy"] == {"id": user_gid(friend)}
    assert reason["amplifiedAt"]


AMPLIFIER = """
  id username name avatar bio location role email followerCount followingCount createdAt
  viewerIsFollowing followsViewer
"""


async def test_who_amplified_answers_as_the_user_field_in_the_pages_one_statement(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me, friend, stranger = await make_user(conn), await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=me["id"], followed_id=friend["id"])
    await unchecked.insert_follow(conn, follower_id=friend["id"], followed_id=me["id"])
    await make_entry(conn, friend)
    theirs = await make_entry(conn, stranger)
    await unchecked.insert_amplification(conn, user_id=friend["id"], entry_id=theirs["id"])
    feed = f"{{ feed {{ edges {{ reason {{ amplifiedBy {{ {AMPLIFIER} }} }} }} }} }}"

    with capturing_statements() as statements:
        edges = (await data(client, feed, as_user=me["id"]))["feed"]["edges"]
    user = await data(
        client,
        f"query ($id: ID!) {{ user(id: $id) {{ {AMPLIFIER} }} }}",
        {"id": user_gid(friend)},
        as_user=me["id"],
    )

    assert len(statements) == 1
    assert [e["reason"] for e in edges] == [{"amplifiedBy": user["user"]}, None]
    assert user["user"]["viewerIsFollowing"] and user["user"]["followsViewer"]
    assert user["user"]["email"] is None  # another user's, as the user field says


async def test_an_entry_amplified_twice_appears_once_at_its_first_amplification(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me, a, b, stranger = [await make_user(conn) for _ in range(4)]
    for friend in (a, b):
        await unchecked.insert_follow(conn, follower_id=me["id"], followed_id=friend["id"])
    theirs = await make_entry(conn, stranger)
    await unchecked.insert_amplification(conn, user_id=a["id"], entry_id=theirs["id"])
    between = await make_entry(conn, a)
    await unchecked.insert_amplification(conn, user_id=b["id"], entry_id=theirs["id"])

    edges = (await data(client, FEED, as_user=me["id"]))["feed"]["edges"]

    assert [e["node"]["id"] for e in edges] == [entry_gid(between), entry_gid(theirs)]
    assert edges[1]["reason"]["amplifiedBy"] == {"id": user_gid(a)}


async def test_a_followed_authors_entry_amplified_by_a_friend_shows_as_authored(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me, a, b = await make_user(conn), await make_user(conn), await make_user(conn)
    for friend in (a, b):
        await unchecked.insert_follow(conn, follower_id=me["id"], followed_id=friend["id"])
    entry = await make_entry(conn, a)
    await unchecked.insert_amplification(conn, user_id=b["id"], entry_id=entry["id"])

    edges = (await data(client, FEED, as_user=me["id"]))["feed"]["edges"]
    assert [(e["node"]["id"], e["reason"]) for e in edges] == [(entry_gid(entry), None)]


async def test_feed_pages_without_repeats_while_entries_arrive(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me, friend = await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=me["id"], followed_id=friend["id"])
    made = [entry_gid(await make_entry(conn, friend)) for _ in range(25)]
    seen: list[str] = []
    after = None
    while True:
        page = (await data(client, FEED, {"first": 10, "after": after}, as_user=me["id"]))["feed"]
        seen += [e["node"]["id"] for e in page["edges"]]
        await make_entry(conn, friend)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(made))


async def test_feed_needs_a_signed_in_viewer(client: httpx.AsyncClient) -> None:
    assert error_codes(await post(client, FEED)) == ["UNAUTHENTICATED"]


async def test_feed_first_outside_0_to_100_is_bad_user_input(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    body = await post(client, FEED, {"first": 101}, as_user=me["id"])
    assert error_codes(body) == ["BAD_USER_INPUT"]


TRENDING = "query ($w: TrendingWindow, $first: Int) { trending(window: $w, first: $first) { id } }"


async def test_trending_ranks_public_entries_by_interactions_in_the_window(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author = await make_user(conn)
    fans = [await make_user(conn) for _ in range(3)]
    quiet, busy, middling = [await make_entry(conn, author) for _ in range(3)]
    for fan in fans:
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=busy["id"])
    await unchecked.insert_amplification(conn, user_id=fans[0]["id"], entry_id=middling["id"])
    await make_entry(conn, fans[1], parent_id=middling["id"])
    await unchecked.insert_resonance(conn, user_id=fans[0]["id"], entry_id=quiet["id"])
    # Last week's resonance counts for the week only.
    old = await make_entry(conn, author)
    for fan in fans:
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=old["id"])
    await conn.execute(
        "UPDATE user_resonances SET created_at = now() - interval '3 days' WHERE entry_id = $1",
        old["id"],
    )
    await refresh_trending(conn)

    day = (await data(client, TRENDING, {"w": "DAY"}))["trending"]
    assert [e["id"] for e in day] == [entry_gid(busy), entry_gid(middling), entry_gid(quiet)]
    week = (await data(client, TRENDING, {"w": "WEEK", "first": 2}))["trending"]
    assert [e["id"] for e in week] == [entry_gid(old), entry_gid(busy)]


async def test_trending_drops_an_entry_made_private_since_the_refresh(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    await refresh_trending(conn)
    await conn.execute("UPDATE stream_entries SET privacy = 'private' WHERE id = $1", entry["id"])
    assert (await data(client, TRENDING, as_user=author["id"]))["trending"] == []


async def test_trending_first_outside_0_to_100_is_bad_user_input(client: httpx.AsyncClient) -> None:
    assert error_codes(await post(client, TRENDING, {"first": 500})) == ["BAD_USER_INPUT"]
