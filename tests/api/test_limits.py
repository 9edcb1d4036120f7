"""Abusive documents and bodies are refused, and the server answers the next request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from tests.graphql import error_codes, post

OK = "{ viewer { id } }"


async def assert_still_answers(client: httpx.AsyncClient) -> None:
    assert await post(client, OK) == {"data": {"viewer": None}}


async def test_a_30_level_nested_query_is_refused(client: httpx.AsyncClient) -> None:
    inner = "id"
    for _ in range(15):
        inner = f"branches {{ nodes {{ {inner} }} }}"
    query = f'{{ entry(id: "RW50cnk6MQ==") {{ {inner} }} }}'
    body = await post(client, query)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "depth" in body["errors"][0]["message"]
    await assert_still_answers(client)


async def test_a_query_within_the_depth_limit_runs(client: httpx.AsyncClient) -> None:
    query = (
        "{ feed { edges { node { branches { nodes { author { entries { nodes { id } } } } } } } } }"
    )
    body = await post(client, query)
    assert error_codes(body) == ["UNAUTHENTICATED"]  # ran: the feed itself wants a viewer


async def test_a_1000_alias_query_is_refused(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(1000)) + " }"
    body = await post(client, query)
    assert error_codes(body) and set(error_codes(body)) == {"BAD_USER_INPUT"}
    await assert_still_answers(client)


async def test_a_document_with_too_many_tokens_is_refused(client: httpx.AsyncClient) -> None:
    query = "{ viewer { " + " ".join(["id"] * 6000) + " } }"
    body = await post(client, query)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    await assert_still_answers(client)


async def test_a_1_mb_body_is_refused_with_413(client: httpx.AsyncClient) -> None:
    padding = " " * (1024 * 1024)
    response = await client.post("/graphql", json={"query": OK + padding})
    assert response.status_code == 413
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    await assert_still_answers(client)


async def test_a_large_body_without_a_length_header_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "' + b" " * 300_000
        yield b'{ viewer { id } }"}'

    response = await client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    await assert_still_answers(client)


async def test_malformed_json_is_400_with_an_error_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b'{"query": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    await assert_still_answers(client)


async def test_a_body_that_is_not_a_graphql_request_is_400(client: httpx.AsyncClient) -> None:
    for body in (b"[1, 2]", b'"text"', b'{"query": 42}'):
        response = await client.post(
            "/graphql", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, body
    await assert_still_answers(client)
