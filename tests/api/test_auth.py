"""Reading the bearer token: anonymous without one, UNAUTHENTICATED with a bad one."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
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


async def test_an_admin_claim_makes_an_admin(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn, email="ada@example.com")
    admin = token_for(uuid.uuid4(), role="admin")
    query = "query ($name: String) { user(username: $name) { email } }"
    got = await data(client, query, {"name": ada["username"]}, token=admin)
    assert got["user"]["email"] == "ada@example.com"


def _hs256(payload: bytes, key: bytes) -> str:
    """An HS256 JWT made by hand, with any key (PyJWT refuses a PEM key for HMAC)."""

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    signing_input = b64(b'{"alg":"HS256","typ":"JWT"}') + b"." + b64(payload)
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + b64(signature)).decode()


def test_rs256_tokens_verify_with_the_public_key_only() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from resolvers.errors import Unauthenticated
    from server.auth import authenticate
    from server.settings import Settings

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings = Settings(jwt_secret=JWT_SECRET, jwt_public_key=public_pem)
    user = uuid.uuid4()

    signed = jwt.encode({"sub": str(user)}, key, algorithm="RS256")
    viewer = authenticate(f"Bearer {signed}", settings)
    assert viewer is not None and viewer.id == user

    # The public key is not an HMAC secret: a token "signed" with it is refused.
    forged = _hs256(json.dumps({"sub": str(user)}).encode(), public_pem.encode())
    try:
        authenticate(f"Bearer {forged}", settings)
    except Unauthenticated:
        pass
    else:
        raise AssertionError("a token signed with the public key as an HMAC secret was accepted")

    without_key = Settings(jwt_secret=JWT_SECRET)
    try:
        authenticate(f"Bearer {signed}", without_key)
    except Unauthenticated:
        pass
    else:
        raise AssertionError("an RS256 token was accepted with no public key configured")


async def test_the_token_command_mints_a_token_the_server_accepts(
    conn: asyncpg.Connection, client: httpx.AsyncClient, database_url: str
) -> None:
    import os
    import subprocess
    import sys

    await make_user(conn, username="minted")
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": JWT_SECRET}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "commands.token", "minted"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    got = await data(client, VIEWER, token=result.stdout.strip())
    assert got["viewer"] == {"username": "minted"}

    unknown = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "commands.token", "nobody_at_all"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert unknown.returncode == 1


async def test_a_token_that_expires_after_use_is_refused_from_then_on(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    """Verified tokens are remembered; their expiry is still checked on every request."""
    ada = await make_user(conn, username="ada_exp")
    token = token_for(ada["id"], expires_in=2.5)  # exp is whole seconds: 1.5 to 2.5 s away
    assert (await data(client, VIEWER, token=token))["viewer"] == {"username": "ada_exp"}
    await asyncio.sleep(2.6)
    assert error_codes(await post(client, VIEWER, token=token)) == ["UNAUTHENTICATED"]
