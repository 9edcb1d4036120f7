"""Talking GraphQL to the app in tests: tokens and a one-call query helper."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import jwt

from server.app import create_app
from server.settings import Settings
from tests.conftest import JWT_SECRET


def token_for(
    user_id: uuid.UUID | str,
    *,
    role: str | None = None,
    expires_in: float = 3600,
    secret: str = JWT_SECRET,
) -> str:
    claims: dict[str, Any] = {"sub": str(user_id), "exp": int(time.time() + expires_in)}
    if role is not None:
        claims["role"] = role
    return jwt.encode(claims, secret, algorithm="HS256")


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_user: uuid.UUID | None = None,
    token: str | None = None,
    admin: bool = False,
) -> dict[str, Any]:
    """POST a GraphQL document; returns the JSON body (data and errors)."""
    headers = {}
    if as_user is not None:
        token = token_for(as_user, role="admin" if admin else None)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def data(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    """POST and expect no errors; returns `data`."""
    body = await post(client, query, variables, **kw)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@asynccontextmanager
async def app_client(
    settings: Settings, address: str = "127.0.0.1", **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app of its own with these settings changed, from `address`, its
    lifespan running."""
    app = create_app(replace(settings, **changes))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
