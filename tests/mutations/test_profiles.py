"""createProfile and updateProfile, through HTTP."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx

from tests.factories import make_user, user_gid
from tests.graphql import data, error_codes, post

CREATE = """
mutation ($input: CreateProfileInput!) {
  createProfile(input: $input) { id username email name bio location avatar role followerCount }
}
"""
UPDATE = """
mutation ($input: UpdateProfileInput!) {
  updateProfile(input: $input) { name bio location avatar email }
}
"""


async def test_create_profile_makes_the_user_named_by_the_token(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = uuid.uuid4()
    profile = {"username": "ada", "email": "ada@example.com", "name": "Ada", "bio": "maths"}
    got = (await data(client, CREATE, {"input": profile}, as_user=me))["createProfile"]
    assert got["id"] == user_gid(me)
    assert (got["username"], got["email"], got["name"], got["bio"]) == (
        "ada",
        "ada@example.com",
        "Ada",
        "maths",
    )
    assert (got["role"], got["followerCount"]) == ("USER", 0)
    assert await conn.fetchval("SELECT username FROM users WHERE id = $1", me) == "ada"


async def test_a_second_profile_is_a_conflict(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = uuid.uuid4()
    await data(client, CREATE, {"input": {"username": "first"}}, as_user=me)
    body = await post(client, CREATE, {"input": {"username": "second"}}, as_user=me)
    assert error_codes(body) == ["CONFLICT"]


async def test_a_taken_username_in_any_case_is_a_conflict(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await make_user(conn, username="Grace")
    body = await post(client, CREATE, {"input": {"username": "gRACE"}}, as_user=uuid.uuid4())
    assert error_codes(body) == ["CONFLICT"]
    assert "input.username" in body["errors"][0]["message"]


async def test_racing_for_one_username_gives_one_profile_and_a_conflict(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    bodies = await asyncio.gather(
        *(
            post(client, CREATE, {"input": {"username": "racer"}}, as_user=uuid.uuid4())
            for _ in range(8)
        )
    )
    outcomes = sorted("ok" if "errors" not in b else error_codes(b)[0] for b in bodies)
    assert outcomes == ["CONFLICT"] * 7 + ["ok"]
    assert await conn.fetchval("SELECT count(*) FROM users WHERE lower(username) = 'racer'") == 1


async def test_profile_fields_are_checked_and_named(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    bad = [
        ({"username": "ab"}, "input.username"),
        ({"username": "has space"}, "input.username"),
        ({"username": "x" * 31}, "input.username"),
        ({"username": "okname", "bio": "b" * 501}, "input.bio"),
        ({"username": "okname", "email": "not-an-email"}, "input.email"),
        ({"username": "okname", "avatar": "javascript:alert(1)"}, "input.avatar"),
        ({"username": "okname", "name": "n" * 101}, "input.name"),
    ]
    for profile, field in bad:
        body = await post(client, CREATE, {"input": profile}, as_user=uuid.uuid4())
        assert error_codes(body) == ["BAD_USER_INPUT"], profile
        assert field in body["errors"][0]["message"], profile
    assert await conn.fetchval("SELECT count(*) FROM users") == 0


async def test_create_profile_needs_a_token(client: httpx.AsyncClient) -> None:
    assert error_codes(await post(client, CREATE, {"input": {"username": "anon"}})) == [
        "UNAUTHENTICATED"
    ]


async def test_update_profile_changes_given_fields_and_clears_nulls(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn, name="Ada", bio="maths", location="London")
    got = await data(
        client, UPDATE, {"input": {"bio": "engines", "location": None}}, as_user=me["id"]
    )
    assert got["updateProfile"] == {
        "name": "Ada",
        "bio": "engines",
        "location": None,
        "avatar": None,
        "email": None,
    }


async def test_update_profile_checks_fields(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn, bio="kept")
    body = await post(client, UPDATE, {"input": {"bio": "b" * 501}}, as_user=me["id"])
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert await conn.fetchval("SELECT bio FROM users WHERE id = $1", me["id"]) == "kept"


async def test_update_profile_without_a_profile_is_forbidden(client: httpx.AsyncClient) -> None:
    body = await post(client, UPDATE, {"input": {"bio": "x"}}, as_user=uuid.uuid4())
    assert error_codes(body) == ["FORBIDDEN"]
    assert "createProfile" in body["errors"][0]["message"]
