"""A POST of one operation is served without Strawberry's view (server/graphql_request.py) and
answers exactly as the view does: the same status, content type, headers and body, for
good requests and bad ones alike (a batch, which the view refuses, is ours alone:
tests/api/test_batching.py); a POST whose Accept asks for a stream still goes to the view."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.app import GraphQLApp, create_app
from server.settings import Settings
from tests.graphql import token_for

JSON = {"Content-Type": "application/json"}
VIEWER = "{ viewer { id } }"
PAGE_30 = "{ entries(first: 30) { nodes { id } } }"
PAGE = "query($n: Int) { entries(first: $n) { nodes { id } } }"
TWO_OPERATIONS = "query A { viewer { id } } query B { trending { id } }"

# (body, extra headers): what clients send, well and badly.
REQUESTS: list[tuple[Any, dict[str, str]]] = [
    ({"query": VIEWER}, {}),
    ({"query": PAGE, "variables": {"n": 2}}, {}),
    ({"query": TWO_OPERATIONS, "operationName": "B"}, {}),
    ({"query": TWO_OPERATIONS}, {}),
    ({"query": TWO_OPERATIONS, "operationName": "C"}, {}),
    ({"query": "{ viewer { id }"}, {}),
    ({"query": "{ nothing }"}, {}),
    ({"query": PAGE, "variables": {"n": "x"}}, {}),
    ({"query": 5}, {}),
    ({"query": VIEWER, "variables": [1]}, {}),
    ({"query": VIEWER, "extensions": "x"}, {}),
    ({"query": VIEWER, "operationName": 7}, {}),
    ({"query": None}, {}),
    ({}, {}),
    ("just a string", {}),
    ({"query": 'mutation { resonate(entryId: "x") { id } }'}, {}),
    ({"query": 'subscription { entryCounts(entryId: "x") { entryId } }'}, {}),
    ({"query": '{ entry(id: "not an id") { id } }'}, {}),
    ({"query": VIEWER}, {"Authorization": "Bearer not-a-token"}),
    ({"query": VIEWER}, {"Authorization": f"Bearer {token_for(uuid.uuid4())}"}),
    ({"query": "{ a: viewer { id } b: viewer { id } }"}, {"Accept": "application/json"}),
    ({"query": VIEWER}, {"Content-Type": "text/plain"}),
    ({"query": VIEWER}, {"Content-Encoding": "gzip"}),
    ({"query": "{ " + "viewer { id } " * 2000 + "}"}, {}),
]


def _view(app: Starlette) -> GraphQLApp:
    graphql = next(route.app for route in app.routes if getattr(route, "path", "") == "/graphql")  # type: ignore[attr-defined]
    assert isinstance(graphql, GraphQLApp)
    return graphql


@asynccontextmanager
async def app_client(
    settings: Settings, *, through_the_view: bool, **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app of its own; through_the_view: its POSTs all go through
    Strawberry's view, as before."""
    app = create_app(replace(settings, **changes))
    if through_the_view:
        view = _view(app)
        view._serve_post = view.run  # type: ignore[method-assign]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture(scope="module")
async def through_the_view(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, through_the_view=True) as client:
        yield client


async def _answer(client: httpx.AsyncClient, body: Any, headers: dict[str, str]) -> Any:
    response = await client.post(
        "/graphql", content=json.dumps(body).encode(), headers={**JSON, **headers}
    )
    kept = {k: v for k, v in response.headers.items() if k not in ("date", "server")}
    return response.status_code, kept, response.json()


@pytest.mark.parametrize(("body", "headers"), REQUESTS)
async def test_a_post_answers_as_strawberrys_view_does(
    client: httpx.AsyncClient,
    through_the_view: httpx.AsyncClient,
    body: Any,
    headers: dict[str, str],
) -> None:
    assert await _answer(client, body, headers) == await _answer(through_the_view, body, headers)


async def test_a_refusal_for_the_budget_answers_as_strawberrys_view_does(
    settings: Settings,
) -> None:
    """429 with Retry-After: a status and a header the view's create_response sets."""
    answers = []
    for view in (False, True):
        async with app_client(settings, through_the_view=view, max_cost_per_minute=40) as client:
            answers.append([await _answer(client, {"query": PAGE_30}, {}) for _ in range(3)])
    assert answers[0][-1][0] == 429
    assert "retry-after" in answers[0][-1][1]
    assert answers[0] == answers[1]


async def test_a_post_asking_for_a_stream_goes_to_the_view(settings: Settings) -> None:
    app = create_app(settings)
    view = _view(app)
    taken: list[str] = []

    async def lean(request: Any) -> Any:
        taken.append("lean")
        return await GraphQLApp._serve_post(view, request)

    view._serve_post = lean  # type: ignore[method-assign]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            stream = {"Accept": "multipart/mixed;subscriptionSpec=1.0, application/json"}
            streamed = await client.post("/graphql", json={"query": VIEWER}, headers=stream)
            assert streamed.headers["content-type"].startswith("multipart/mixed")
            assert taken == []
            plain = await client.post("/graphql", json={"query": VIEWER})
            assert plain.json() == {"data": {"viewer": None}}
            assert taken == ["lean"]
