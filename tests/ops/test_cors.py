"""CORS: pages of the configured origins may call the API (and open its WebSocket) with the
headers of CORS_HEADERS; others may not, and with no CORS_ORIGINS no cross-origin page may. A
refusal names the setting to change."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin, Subprotocol

from server.app import create_app
from server.settings import Settings
from tests.graphql import app_client
from tests.ops.conftest import CORS_ORIGIN, Served

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture(scope="module")
async def cors_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(replace(settings, cors_origins=(CORS_ORIGIN,)))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_a_configured_origin_passes_the_preflight(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options("/graphql", headers={"Origin": CORS_ORIGIN, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CORS_ORIGIN
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_a_configured_origin_reads_the_answer(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"Origin": CORS_ORIGIN}
    )
    assert response.json() == {"data": {"viewer": None}}
    assert response.headers["access-control-allow-origin"] == CORS_ORIGIN


async def test_another_origin_fails_the_preflight(cors_client: httpx.AsyncClient) -> None:
    headers = {"Origin": "https://evil.example", **PREFLIGHT}
    response = await cors_client.options("/graphql", headers=headers)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    assert "'https://evil.example' is not in CORS_ORIGINS" in response.text


async def test_without_cors_origins_no_cross_origin_page_may_read(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"Origin": CORS_ORIGIN}
    )
    assert "access-control-allow-origin" not in response.headers


async def test_a_configured_origin_may_open_the_websocket(served: Served) -> None:
    url = served.url.replace("http", "ws") + "/graphql"
    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(url, origin=Origin(CORS_ORIGIN), subprotocols=protocols) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
    with pytest.raises(InvalidStatus):
        async with connect(url, origin=Origin("https://evil.example"), subprotocols=protocols):
            pass


# What Apollo Client, tracing libraries and a conditional GET add to a request.
CLIENT_HEADERS = [
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "traceparent",
    "tracestate",
    "baggage",
    "sentry-trace",
    "if-none-match",
]


@pytest.mark.parametrize("header", CLIENT_HEADERS)
async def test_the_headers_graphql_clients_and_tracing_add_pass_the_preflight(
    cors_client: httpx.AsyncClient, header: str
) -> None:
    asked = {**PREFLIGHT, "Access-Control-Request-Headers": f"content-type, {header}"}
    response = await cors_client.options("/graphql", headers={"Origin": CORS_ORIGIN, **asked})
    assert response.status_code == 200
    assert header in response.headers["access-control-allow-headers"].lower()


def preflight_asking_for(header: str) -> dict[str, str]:
    return {"Origin": CORS_ORIGIN, **PREFLIGHT, "Access-Control-Request-Headers": header}


async def test_cors_headers_replaces_the_headers_pages_may_send(settings: Settings) -> None:
    headers = ("Authorization", "x-request-id")
    async with app_client(settings, cors_origins=(CORS_ORIGIN,), cors_headers=headers) as client:
        allowed = await client.options("/graphql", headers=preflight_asking_for("x-request-id"))
        assert allowed.status_code == 200
        assert "x-request-id" in allowed.headers["access-control-allow-headers"].lower()
        # A header of the default list, not named again: refused, naming the setting.
        refused = await client.options("/graphql", headers=preflight_asking_for("traceparent"))
        assert refused.status_code == 400
        assert refused.text == (
            "CORS preflight refused: the headers traceparent are not in CORS_HEADERS"
        )


async def test_a_header_outside_the_default_list_is_refused_naming_cors_headers(
    cors_client: httpx.AsyncClient,
) -> None:
    asked = preflight_asking_for("authorization, x-request-id")
    response = await cors_client.options("/graphql", headers=asked)
    assert response.status_code == 400
    assert "x-request-id are not in CORS_HEADERS" in response.text
    assert "authorization" not in response.text


async def test_a_page_may_read_the_etag_of_a_get(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Origin": CORS_ORIGIN}
    )
    assert "etag" in response.headers["access-control-expose-headers"].lower()


async def test_a_refused_websocket_origin_is_logged_naming_cors_origins(
    served: Served,
) -> None:
    url = served.url.replace("http", "ws") + "/graphql"
    protocols = [Subprotocol("graphql-transport-ws")]
    with pytest.raises(InvalidStatus):
        async with connect(url, origin=Origin("https://other.example"), subprotocols=protocols):
            pass
    log = served.output()
    assert "add it to CORS_ORIGINS" in log
    assert "allowed_origins" not in log
