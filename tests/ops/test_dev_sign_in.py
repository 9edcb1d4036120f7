"""Development sign-in (POST /dev/sign-in, server/dev_sign_in.py): with the development
secret, a token for an existing user that /graphql takes as that user; bad input a 4xx
GraphQL-shaped error; with a real JWT_SECRET no such route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from seed.corpus import FEATURED
from server import dev_sign_in
from server.settings import DEVELOPMENT_JWT_SECRET, Settings
from tests.factories import make_user
from tests.graphql import app_client, data, error_codes

PATH = dev_sign_in.PATH


@pytest.fixture(scope="module")
async def dev_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app as `make run` serves it without JWT_SECRET."""
    async with app_client(settings, jwt_secret=DEVELOPMENT_JWT_SECRET) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, username: str) -> httpx.Response:
    return await client.post(PATH, json={"username": username})


def bearer(answer: dict[str, Any]) -> str:
    authorization: str = answer["authorization"]
    assert authorization.startswith("Bearer ")
    return authorization.removeprefix("Bearer ")


async def test_the_token_signs_in_as_the_user_named(
    dev_client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await make_user(conn, username="dev_reader")
    response = await sign_in(dev_client, "dev_reader")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    assert answer["username"] == "dev_reader"
    assert answer["admin"] is False
    viewer = await data(dev_client, "{ viewer { username } }", token=bearer(answer))
    assert viewer == {"viewer": {"username": "dev_reader"}}


async def test_usernames_match_whatever_their_case(
    dev_client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await make_user(conn, username="grace_h")
    response = await sign_in(dev_client, "GRACE_h")
    assert response.json()["username"] == "grace_h"


async def test_an_admins_token_carries_the_admin_role_as_make_seeds_do(
    dev_client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await make_user(conn, username="ada_admin", role="admin")
    await make_user(conn, username="plain_user")
    admin = (await sign_in(dev_client, "ada_admin")).json()
    plain = (await sign_in(dev_client, "plain_user")).json()
    assert admin["admin"] is True
    claims = jwt.decode(bearer(admin), DEVELOPMENT_JWT_SECRET, algorithms=["HS256"])
    assert claims["role"] == "admin"
    claims = jwt.decode(bearer(plain), DEVELOPMENT_JWT_SECRET, algorithms=["HS256"])
    assert "role" not in claims


async def test_an_unknown_user_is_not_found_saying_how_to_load_the_demo_users(
    dev_client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    response = await sign_in(dev_client, "nobody_here")
    assert response.status_code == 404
    body = response.json()
    assert error_codes(body) == ["NOT_FOUND"]
    assert body["errors"][0]["message"].startswith("no user named 'nobody_here': `make seed`")


OVERSIZE = b'{"username": "' + b"a" * 2000 + b'"}'


@pytest.mark.parametrize(
    ("body", "content_type", "status", "says"),
    [
        (b'{"username": ', "application/json", 400, "the request body"),
        (b'["ada"]', "application/json", 400, '{"username": "<a username>"}'),
        (b'{"user": "ada"}', "application/json", 400, '{"username": "<a username>"}'),
        (b'{"username": 5}', "application/json", 400, '{"username": "<a username>"}'),
        (b'{"username": "' + b"a" * 31 + b'"}', "application/json", 400, "3 to 30 characters"),
        (b'{"username": "ada; --"}', "application/json", 400, "3 to 30 characters"),
        (b'{"username": ""}', "application/json", 400, "3 to 30 characters"),
        (OVERSIZE, "application/json", 413, "over 1024 bytes"),
        (b'{"username": "ada"}', "text/plain", 415, "Content-Type: application/json"),
    ],
)
async def test_bad_input_is_a_client_error_saying_what_is_wrong(
    dev_client: httpx.AsyncClient, body: bytes, content_type: str, status: int, says: str
) -> None:
    response = await dev_client.post(PATH, content=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    answer = response.json()
    assert error_codes(answer) == ["BAD_USER_INPUT"]
    assert says in answer["errors"][0]["message"]


async def test_an_oversize_body_without_a_length_is_refused_as_it_arrives(
    dev_client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 100

    headers = {"Content-Type": "application/json"}
    response = await dev_client.post(PATH, content=chunks(), headers=headers)
    assert response.status_code == 413
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]


async def test_a_get_is_told_to_post(dev_client: httpx.AsyncClient) -> None:
    response = await dev_client.get(PATH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]


async def test_with_a_real_jwt_secret_there_is_no_sign_in(
    client: httpx.AsyncClient, conn: asyncpg.Connection
) -> None:
    await make_user(conn, username="dev_reader")
    response = await sign_in(client, "dev_reader")
    assert response.status_code == 404
    assert "authorization" not in response.text


def test_the_users_offered_are_those_make_seed_prints_tokens_for() -> None:
    assert tuple(name for name, *_ in FEATURED) == dev_sign_in.DEMO_USERS
