"""Automatic persisted queries as Apollo's createPersistedQueryLink speaks them: a hash the
server does not know is PERSISTED_QUERY_NOT_FOUND, the hash with its query is checked and
kept, then the hash alone is answered, by POST or by a GET caches can keep."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.http import GraphQLRequestData

from resolvers.errors import BadUserInput, PersistedQueryNotFound
from server.persisted_queries import PersistedQueries
from server.settings import Settings
from tests.graphql import app_client, error_codes

QUERY = "query Typename { __typename }"


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(query: str | None, digest: str, **more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
        **more,
    }
    if query is not None:
        body["query"] = query
    return body


async def send(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/graphql", json=body)


async def test_an_unknown_hash_is_persisted_query_not_found(client: httpx.AsyncClient) -> None:
    response = await send(client, persisted(None, sha256("{ a: __typename }")))
    assert response.status_code == 200
    body = response.json()
    assert error_codes(body) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert body["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_an_unknown_hash_in_graphql_response_json_is_a_4xx_without_data(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql",
        json=persisted(None, sha256("{ b: __typename }")),
        headers={"Accept": "application/graphql-response+json"},
    )
    assert 400 <= response.status_code < 500
    assert "data" not in response.json()
    assert error_codes(response.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_the_hash_with_its_query_is_answered_then_the_hash_alone(
    client: httpx.AsyncClient,
) -> None:
    first = await send(client, persisted(QUERY, sha256(QUERY)))
    assert first.json() == {"data": {"__typename": "Query"}}
    again = await send(client, persisted(None, sha256(QUERY)))
    assert again.json() == {"data": {"__typename": "Query"}}


async def test_a_hash_in_capitals_names_the_same_query(client: httpx.AsyncClient) -> None:
    query = "{ c: __typename }"
    await send(client, persisted(query, sha256(query)))
    response = await send(client, persisted(None, sha256(query).upper()))
    assert response.json() == {"data": {"c": "Query"}}


async def test_variables_and_operation_name_go_with_the_hash(client: httpx.AsyncClient) -> None:
    query = "query A($n: Int) { entries(first: $n) { nodes { id } } } query B { __typename }"
    digest = sha256(query)
    await send(client, persisted(query, digest, operationName="B"))
    response = await send(client, persisted(None, digest, operationName="A", variables={"n": 0}))
    assert response.json() == {"data": {"entries": {"nodes": []}}}


async def test_a_hash_that_is_not_its_querys_is_refused_and_not_kept(
    client: httpx.AsyncClient,
) -> None:
    digest = sha256("{ d: __typename }")
    refused = await send(client, persisted("{ viewer { id } }", digest))
    assert error_codes(refused.json()) == ["BAD_USER_INPUT"]
    assert "does not match" in refused.json()["errors"][0]["message"]
    later = await send(client, persisted(None, digest))
    assert error_codes(later.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_a_persisted_query_by_get_is_answered_for_caches(client: httpx.AsyncClient) -> None:
    query = "{ e: __typename }"
    await send(client, persisted(query, sha256(query)))
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}
    response = await client.get("/graphql", params={"extensions": json.dumps(extensions)})
    assert response.json() == {"data": {"e": "Query"}}
    assert response.headers["cache-control"].startswith("public")
    assert "etag" in response.headers


async def test_an_unknown_hash_by_get_is_not_found_and_never_stored(
    client: httpx.AsyncClient,
) -> None:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256("{ f: __typename }")}}
    response = await client.get("/graphql", params={"extensions": json.dumps(extensions)})
    assert error_codes(response.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "persisted_query",
    [
        "not an object",
        {"version": 2, "sha256Hash": "0" * 64},
        {"version": True, "sha256Hash": "0" * 64},
        {"sha256Hash": "0" * 64},
        {"version": 1, "sha256Hash": "xyz"},
        {"version": 1, "sha256Hash": "0" * 65},
        {"version": 1, "sha256Hash": 5},
        {"version": 1},
    ],
)
async def test_a_malformed_persisted_query_is_bad_user_input(
    client: httpx.AsyncClient, persisted_query: object
) -> None:
    response = await send(client, {"extensions": {"persistedQuery": persisted_query}})
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=80),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
        ),
        max_leaves=8,
    ),
    st.one_of(st.none(), st.text(max_size=40)),
)
async def test_whatever_the_persisted_query_says_the_answer_is_never_internal(
    client: httpx.AsyncClient, persisted_query: object, query: str | None
) -> None:
    body: dict[str, Any] = {"extensions": {"persistedQuery": persisted_query}}
    if query is not None:
        body["query"] = query
    response = await send(client, body)
    assert response.status_code < 500
    assert "INTERNAL" not in error_codes(response.json())


@pytest.fixture
async def no_apq_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, persisted_query_bytes=0) as client:
        yield client


async def test_with_persisted_queries_off_a_hash_is_not_supported(
    no_apq_client: httpx.AsyncClient,
) -> None:
    response = await send(no_apq_client, persisted(QUERY, sha256(QUERY)))
    assert error_codes(response.json()) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
    plain = await no_apq_client.post("/graphql", json={"query": QUERY})
    assert plain.json() == {"data": {"__typename": "Query"}}


def request(query: str | None, digest: str) -> GraphQLRequestData:
    return GraphQLRequestData(
        query=query,
        variables=None,
        operation_name=None,
        extensions={"persistedQuery": {"version": 1, "sha256Hash": digest}},
        protocol="http",
    )


def test_the_store_drops_the_least_recently_used_past_its_bytes() -> None:
    queries = [f"{{ q{n}: __typename }}" for n in range(4)]
    store = PersistedQueries(max_bytes=len(queries[0]) * 3)
    for query in queries[:3]:
        store.resolve(request(query, sha256(query)))
    store.resolve(request(None, sha256(queries[0])))  # used: now the most recent
    store.resolve(request(queries[3], sha256(queries[3])))
    assert len(store) == 3
    assert store.resolve(request(None, sha256(queries[0]))).query == queries[0]
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(request(None, sha256(queries[1])))


def test_a_query_larger_than_the_store_is_answered_but_not_kept() -> None:
    query = "{ " + "a: __typename " * 10 + "}"
    store = PersistedQueries(max_bytes=10)
    assert store.resolve(request(query, sha256(query))).query == query
    assert len(store) == 0


def test_a_request_with_no_persisted_query_passes_unchanged() -> None:
    plain = replace(request("{ __typename }", "0" * 64), extensions=None)
    assert PersistedQueries(max_bytes=100).resolve(plain) is plain
    with pytest.raises(BadUserInput):
        PersistedQueries(max_bytes=100).resolve(request("{ x }", "0" * 64))
