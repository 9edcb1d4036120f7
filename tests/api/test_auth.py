"""Reading the bearer token: anonymous without one, UNAUTHENTICATED with a bad one."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import jwt

from tests.conftest import JWT_SECRET
from tests.factories import make_user
from tests.graphql import data, error_codes, post, token_for

VIEWER = "{ viewer { username } }"


async def test_no_header_is_anonymous(client: httpx.AsyncClient) -> None:
    assert (await data(client, VIEWER))["viewer"] is None


async def test_a_valid_token_names_the_viewer(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn, username="ada_t")
    got = await data(client, VIEWER, token=token_for(ada["id"]))
    assert got["viewer"] == {"username": "ada_t"}


async def test_a_token_signed_with_another_secret_is_unauthenticated(
    client: httpx.AsyncClient,
) -> None:
    forged = token_for(uuid.uuid4(), secret="not-the-server-secret-at-all-not-at-all")
    body = await post(client, VIEWER, token=forged)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["data"] is None


async def test_an_expired_token_is_unauthenticated(client: httpx.AsyncClient) -> None:
    body = await post(client, VIEWER, token=token_for(uuid.uuid4(), expires_in=-60))
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert "expired" in body["errors"][0]["message"]


async def test_a_malformed_token_is_unauthenticated(client: httpx.AsyncClient) -> None:
    for token in ("garbage", "a.b.c", ""):
        response = await client.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
        )
        assert error_codes(response.json()) == ["UNAUTHENTICATED"], token


async def test_a_header_that_is_not_bearer_is_unauthenticated(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": "Basic YWRhOnB3"}
    )
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


async def test_a_token_whose_sub_is_not_a_uuid_is_unauthenticated(
    client: httpx.AsyncClient,
) -> None:
    body = await post(
        client, VIEWER, token=jwt.encode({"sub": "ada"}, JWT_SECRET, algorithm="HS256")
    )
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_an_unsigned_token_is_unauthenticated(client: httpx.AsyncClient) -> None:
    unsigned = jwt.encode({"sub": str(uuid.uuid4())}, "", algorithm="none")
    assert error_codes(await post(client, VIEWER, token=unsigned)) == ["UNAUTHENTICATED"]
