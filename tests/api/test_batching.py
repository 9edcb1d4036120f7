"""A POST of a JSON array is a batch (Apollo's BatchHttpLink): each operation answered in
order, as a request of its own, at most MAX_BATCH of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from db.pool import counting_statements
from server.settings import Settings
from tests.graphql import app_client, error_codes

TYPENAME = {"query": "{ __typename }"}


async def batch(client: httpx.AsyncClient, operations: Any, **headers: str) -> httpx.Response:
    return await client.post("/graphql", json=operations, headers=headers)


async def test_a_batch_is_answered_in_order(client: httpx.AsyncClient) -> None:
    response = await batch(
        client,
        [
            {"query": "{ a: __typename }"},
            {
                "query": "query($n: Int) { entries(first: $n) { nodes { id } } }",
                "variables": {"n": 0},
            },
            {"query": "{ viewer { id } }"},
        ],
    )
    assert response.status_code == 200
    assert response.json() == [
        {"data": {"a": "Query"}},
        {"data": {"entries": {"nodes": []}}},
        {"data": {"viewer": None}},
    ]


async def test_an_operation_with_errors_does_not_spoil_the_others(
    client: httpx.AsyncClient,
) -> None:
    response = await batch(
        client,
        [
            {"query": "{ nope }"},
            TYPENAME,
            {"query": "query A { __typename } query B { __typename }", "operationName": "C"},
            {"query": 'subscription { entryCounts(entryId: "x") { entryId } }'},
        ],
    )
    answers = response.json()
    assert error_codes(answers[0]) == ["BAD_USER_INPUT"]
    assert answers[1] == {"data": {"__typename": "Query"}}
    assert error_codes(answers[2]) == ["BAD_USER_INPUT"]
    assert error_codes(answers[3]) == ["BAD_USER_INPUT"]


async def test_a_batch_in_graphql_response_json_leaves_data_out_of_request_errors(
    client: httpx.AsyncClient,
) -> None:
    response = await batch(
        client, [{"query": "{ nope }"}, TYPENAME], Accept="application/graphql-response+json"
    )
    assert response.headers["content-type"] == "application/graphql-response+json"
    first, second = response.json()
    assert "data" not in first
    assert second == {"data": {"__typename": "Query"}}


async def test_a_batch_past_max_batch_is_refused_whole(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await batch(client, [TYPENAME] * (settings.max_batch + 1))
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    assert str(settings.max_batch) in response.json()["errors"][0]["message"]


async def test_a_batch_of_max_batch_is_answered(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await batch(client, [TYPENAME] * settings.max_batch)
    assert len(response.json()) == settings.max_batch


@pytest.mark.parametrize("operations", [[], [TYPENAME, "x"], [TYPENAME, [TYPENAME]]])
async def test_an_empty_batch_or_one_holding_a_non_object_is_400(
    client: httpx.AsyncClient, operations: list[Any]
) -> None:
    response = await batch(client, operations)
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]


async def test_each_operation_of_a_batch_pays_the_rate_budget(settings: Settings) -> None:
    page = {"query": "{ entries(first: 30) { nodes { id } } }"}
    async with app_client(settings, max_cost_per_minute=80) as client:
        answers = (await batch(client, [page, page, page])).json()
    assert [error_codes(answer) for answer in answers].count(["RATE_LIMITED"]) >= 1
    assert [] in [error_codes(answer) for answer in answers]


async def test_each_operation_of_a_batch_has_its_own_loaders(client: httpx.AsyncClient) -> None:
    """Two operations reading the same page: each runs its own statement, as two requests."""
    page = {"query": "{ entries(first: 2) { nodes { id } } }"}
    with counting_statements() as statements:
        await batch(client, [page, page])
    assert statements[0] == 2


@pytest.fixture
async def small_batches(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, max_batch=2) as client:
        yield client


async def test_max_batch_is_the_setting(small_batches: httpx.AsyncClient) -> None:
    assert (await batch(small_batches, [TYPENAME] * 2)).status_code == 200
    assert (await batch(small_batches, [TYPENAME] * 3)).status_code == 400
