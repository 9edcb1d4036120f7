"""Query.viewer, Query.user, Query.node and the User fields, through HTTP."""

from __future__ import annotations

import asyncpg
import httpx

from db import unchecked
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data, error_codes, post

USER_FIELDS = """
  id username email name bio location avatar role stats
  followerCount followingCount createdAt updatedAt viewerIsFollowing followsViewer
"""


async def test_user_by_id_returns_every_field(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(
        conn,
        username="Ada",
        email="ada@example.com",
        name="Ada L",
        bio="maths",
        location="London",
        avatar="https://example.com/ada.png",
    )
    query = f"query ($id: ID) {{ user(id: $id) {{ {USER_FIELDS} }} }}"
    got = (await data(client, query, {"id": user_gid(ada)}))["user"]
    assert got["id"] == user_gid(ada)
    assert (got["username"], got["name"], got["bio"]) == ("Ada", "Ada L", "maths")
    assert (got["location"], got["avatar"]) == ("London", "https://example.com/ada.png")
    assert got["role"] == "USER"
    assert got["stats"] == {}
    assert (got["followerCount"], got["followingCount"]) == (0, 0)
    assert got["email"] is None  # anonymous
    assert (got["viewerIsFollowing"], got["followsViewer"]) == (False, False)


async def test_user_by_username_ignores_case(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn, username="AdaL")
    got = await data(client, '{ user(username: "adal") { id } }')
    assert got["user"] == {"id": user_gid(ada)}


async def test_user_needs_exactly_one_of_id_and_username(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    assert error_codes(await post(client, "{ user { id } }")) == ["BAD_USER_INPUT"]
    both = f'{{ user(id: "{user_gid(ada)}", username: "x") {{ id }} }}'
    assert error_codes(await post(client, both)) == ["BAD_USER_INPUT"]


async def test_unknown_user_is_null(client: httpx.AsyncClient) -> None:
    assert (await data(client, '{ user(username: "nobody_here") { id } }'))["user"] is None


async def test_email_is_shown_to_the_user_and_admins_only(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn, email="ada@example.com")
    bob = await make_user(conn)
    query = "query ($id: ID) { user(id: $id) { email } }"
    variables = {"id": user_gid(ada)}
    assert (await data(client, query, variables, as_user=ada["id"]))["user"][
        "email"
    ] == "ada@example.com"
    assert (await data(client, query, variables, as_user=bob["id"], admin=True))["user"][
        "email"
    ] == "ada@example.com"
    assert (await data(client, query, variables, as_user=bob["id"]))["user"]["email"] is None


async def test_viewer_is_the_signed_in_user(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn, username="ada_v")
    assert (await data(client, "{ viewer { username } }", as_user=ada["id"]))["viewer"] == {
        "username": "ada_v"
    }


async def test_viewer_is_null_when_anonymous_or_without_a_profile(
    client: httpx.AsyncClient,
) -> None:
    import uuid

    assert (await data(client, "{ viewer { id } }"))["viewer"] is None
    assert (await data(client, "{ viewer { id } }", as_user=uuid.uuid4()))["viewer"] is None


async def test_follow_flags_and_lists(conn: asyncpg.Connection, client: httpx.AsyncClient) -> None:
    ada, bob, cy = await make_user(conn), await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=bob["id"], followed_id=ada["id"])
    await unchecked.insert_follow(conn, follower_id=cy["id"], followed_id=ada["id"])
    await unchecked.insert_follow(conn, follower_id=ada["id"], followed_id=bob["id"])
    query = """
    query ($id: ID) { user(id: $id) {
      followerCount followingCount viewerIsFollowing followsViewer
      followers { nodes { id viewerIsFollowing } pageInfo { hasNextPage } }
      following { nodes { id } }
    } }
    """
    got = (await data(client, query, {"id": user_gid(ada)}, as_user=bob["id"]))["user"]
    assert (got["followerCount"], got["followingCount"]) == (2, 1)
    assert (got["viewerIsFollowing"], got["followsViewer"]) == (True, True)
    assert got["followers"]["nodes"] == [
        {"id": user_gid(cy), "viewerIsFollowing": False},
        {"id": user_gid(bob), "viewerIsFollowing": False},
    ]
    assert got["following"]["nodes"] == [{"id": user_gid(bob)}]


async def test_followers_page_with_cursors(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    fans = [await make_user(conn) for _ in range(5)]
    for fan in fans:
        await unchecked.insert_follow(conn, follower_id=fan["id"], followed_id=ada["id"])
    query = """
    query ($id: ID, $after: String) { user(id: $id) {
      followers(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
    } }
    """
    seen: list[str] = []
    after = None
    while True:
        page = (await data(client, query, {"id": user_gid(ada), "after": after}))["user"][
            "followers"
        ]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [user_gid(f) for f in reversed(fans)]


async def test_user_entries_are_newest_first_and_page(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    made = [await make_entry(conn, ada) for _ in range(3)]
    query = """
    query ($id: ID, $after: String) { user(id: $id) {
      entries(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
    } }
    """
    first = (await data(client, query, {"id": user_gid(ada)}))["user"]["entries"]
    assert [n["id"] for n in first["nodes"]] == [entry_gid(made[2]), entry_gid(made[1])]
    after = first["pageInfo"]["endCursor"]
    rest = (await data(client, query, {"id": user_gid(ada), "after": after}))["user"]["entries"]
    assert [n["id"] for n in rest["nodes"]] == [entry_gid(made[0])]
    assert rest["pageInfo"]["hasNextPage"] is False


NODE = """
query ($id: ID!) { node(id: $id) {
  __typename id
  ... on User { username }
  ... on Entry { content }
} }
"""


async def test_node_resolves_users_and_entries(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn, username="ada_n")
    entry = await make_entry(conn, ada, content="hello")
    assert (await data(client, NODE, {"id": user_gid(ada)}))["node"] == {
        "__typename": "User",
        "id": user_gid(ada),
        "username": "ada_n",
    }
    assert (await data(client, NODE, {"id": entry_gid(entry)}))["node"] == {
        "__typename": "Entry",
        "id": entry_gid(entry),
        "content": "hello",
    }


async def test_node_of_an_unknown_type_or_row_is_null(client: httpx.AsyncClient) -> None:
    import base64

    assert (await data(client, NODE, {"id": base64.b64encode(b"Thing:1").decode()}))["node"] is None
    assert (await data(client, NODE, {"id": entry_gid(987654)}))["node"] is None
