"""resonate, amplify, share, follow and their undoing, through HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest

from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data, error_codes, post


def entry_mutation(name: str) -> str:
    return f"""
    mutation ($id: ID!) {{ {name}(entryId: $id) {{
      id counts {{ resonanceCount amplificationCount shareCount }}
      viewerHasResonated viewerHasAmplified
    }} }}
    """


FOLLOW = "mutation ($id: ID!) { follow(userId: $id) { id followerCount viewerIsFollowing } }"
UNFOLLOW = "mutation ($id: ID!) { unfollow(userId: $id) { id followerCount viewerIsFollowing } }"


async def test_resonate_returns_the_entry_as_committed(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, me = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    got = (
        await data(client, entry_mutation("resonate"), {"id": entry_gid(entry)}, as_user=me["id"])
    )["resonate"]
    assert got["counts"]["resonanceCount"] == 1
    assert got["viewerHasResonated"] is True


async def test_resonate_is_idempotent_and_unresonate_of_nothing_a_no_op(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, me = await make_user(conn), await make_user(conn)
    variables = {"id": entry_gid(await make_entry(conn, author))}
    for _ in range(2):
        got = (await data(client, entry_mutation("resonate"), variables, as_user=me["id"]))[
            "resonate"
        ]
    assert got["counts"]["resonanceCount"] == 1
    for _ in range(2):
        got = (await data(client, entry_mutation("unresonate"), variables, as_user=me["id"]))[
            "unresonate"
        ]
    assert got["counts"]["resonanceCount"] == 0
    assert got["viewerHasResonated"] is False


async def test_amplify_is_idempotent_and_unamplify_undoes_it(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, me = await make_user(conn), await make_user(conn)
    variables = {"id": entry_gid(await make_entry(conn, author))}
    for _ in range(2):
        got = (await data(client, entry_mutation("amplify"), variables, as_user=me["id"]))[
            "amplify"
        ]
    assert (got["counts"]["amplificationCount"], got["viewerHasAmplified"]) == (1, True)
    got = (await data(client, entry_mutation("unamplify"), variables, as_user=me["id"]))[
        "unamplify"
    ]
    assert (got["counts"]["amplificationCount"], got["viewerHasAmplified"]) == (0, False)
    got = (await data(client, entry_mutation("unamplify"), variables, as_user=me["id"]))[
        "unamplify"
    ]
    assert got["counts"]["amplificationCount"] == 0


async def test_share_counts_every_call(conn: asyncpg.Connection, client: httpx.AsyncClient) -> None:
    author, me = await make_user(conn), await make_user(conn)
    variables = {"id": entry_gid(await make_entry(conn, author))}
    for expected in (1, 2, 3):
        got = (await data(client, entry_mutation("share"), variables, as_user=me["id"]))["share"]
        assert got["counts"]["shareCount"] == expected


async def test_follow_is_idempotent_and_unfollow_undoes_it(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    star, me = await make_user(conn), await make_user(conn)
    variables = {"id": user_gid(star)}
    for _ in range(2):
        got = (await data(client, FOLLOW, variables, as_user=me["id"]))["follow"]
    assert got == {"id": user_gid(star), "followerCount": 1, "viewerIsFollowing": True}
    for _ in range(2):
        got = (await data(client, UNFOLLOW, variables, as_user=me["id"]))["unfollow"]
    assert got == {"id": user_gid(star), "followerCount": 0, "viewerIsFollowing": False}


async def test_following_yourself_is_bad_user_input(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    body = await post(client, FOLLOW, {"id": user_gid(me)}, as_user=me["id"])
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "userId" in body["errors"][0]["message"]


async def test_following_a_missing_user_is_not_found(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    body = await post(client, FOLLOW, {"id": user_gid(uuid.uuid4())}, as_user=me["id"])
    assert error_codes(body) == ["NOT_FOUND"]


async def test_an_entry_id_for_a_user_argument_is_bad_user_input(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    entry = await make_entry(conn, me)
    assert error_codes(await post(client, FOLLOW, {"id": entry_gid(entry)}, as_user=me["id"])) == [
        "BAD_USER_INPUT"
    ]
    body = await post(client, entry_mutation("resonate"), {"id": user_gid(me)}, as_user=me["id"])
    assert error_codes(body) == ["BAD_USER_INPUT"]


Variables = Callable[[str], dict[str, Any]]

INVISIBLE_CASES: dict[str, tuple[str, Variables]] = {
    "resonate": (entry_mutation("resonate"), lambda gid: {"id": gid}),
    "unresonate": (entry_mutation("unresonate"), lambda gid: {"id": gid}),
    "amplify": (entry_mutation("amplify"), lambda gid: {"id": gid}),
    "unamplify": (entry_mutation("unamplify"), lambda gid: {"id": gid}),
    "share": (entry_mutation("share"), lambda gid: {"id": gid}),
    "updateEntry": (
        "mutation ($id: ID!, $input: UpdateEntryInput!)"
        " { updateEntry(id: $id, input: $input) { id } }",
        lambda gid: {"id": gid, "input": {"content": "x"}},
    ),
    "deleteEntry": ("mutation ($id: ID!) { deleteEntry(id: $id) }", lambda gid: {"id": gid}),
    "createEntry": (
        "mutation ($input: CreateEntryInput!) { createEntry(input: $input) { id } }",
        lambda gid: {"input": {"content": "x", "parentId": gid}},
    ),
}


@pytest.mark.parametrize("mutation", sorted(INVISIBLE_CASES))
async def test_an_invisible_entry_is_not_found_like_a_missing_one(
    conn: asyncpg.Connection, client: httpx.AsyncClient, mutation: str
) -> None:
    author, stranger = await make_user(conn), await make_user(conn)
    hidden = await make_entry(conn, author, privacy="followers")
    document, variables = INVISIBLE_CASES[mutation]

    invisible = await post(client, document, variables(entry_gid(hidden)), as_user=stranger["id"])
    missing = await post(
        client, document, variables(entry_gid(hidden["id"] + 1000)), as_user=stranger["id"]
    )

    assert error_codes(invisible) == error_codes(missing) == ["NOT_FOUND"]
    assert invisible["errors"][0]["message"] == missing["errors"][0]["message"]
    counts = await conn.fetchrow(
        "SELECT * FROM entry_interaction_counts WHERE entry_id = $1", hidden["id"]
    )
    assert (counts["resonance_count"], counts["amplification_count"], counts["share_count"]) == (
        0,
        0,
        0,
    )
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 1


@pytest.mark.parametrize("mutation", ["resonate", "unresonate", "amplify", "unamplify", "share"])
async def test_interactions_need_a_profile(
    conn: asyncpg.Connection, client: httpx.AsyncClient, mutation: str
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    body = await post(
        client, entry_mutation(mutation), {"id": entry_gid(entry)}, as_user=uuid.uuid4()
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert (await conn.fetchval("SELECT share_count FROM entry_interaction_counts")) == 0


@pytest.mark.parametrize("mutation", ["resonate", "share"])
async def test_interactions_need_a_token(
    conn: asyncpg.Connection, client: httpx.AsyncClient, mutation: str
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    assert error_codes(await post(client, entry_mutation(mutation), {"id": entry_gid(entry)})) == [
        "UNAUTHENTICATED"
    ]


async def test_a_follower_may_act_on_a_followers_only_entry(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    await data(client, FOLLOW, {"id": user_gid(author)}, as_user=fan["id"])
    entry = await make_entry(conn, author, privacy="followers")
    got = (
        await data(client, entry_mutation("resonate"), {"id": entry_gid(entry)}, as_user=fan["id"])
    )["resonate"]
    assert got["counts"]["resonanceCount"] == 1
