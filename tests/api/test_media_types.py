"""GraphQL over HTTP's media types: application/graphql-response+json when the client asks
for it (a request error then has no `data` and a 4xx status), application/json otherwise."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.http_input import Refused
from server.media_types import MediaType, negotiate
from tests.graphql import error_codes, token_for

RESPONSE_JSON = "application/graphql-response+json"
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"


async def ask(
    client: httpx.AsyncClient, query: str, accept: str | None, **headers: str
) -> httpx.Response:
    if accept is not None:
        headers["Accept"] = accept
    return await client.post("/graphql", json={"query": query}, headers=headers)


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, MediaType.JSON),
        ("", MediaType.JSON),
        ("*/*", MediaType.JSON),
        ("application/*", MediaType.JSON),
        ("application/json", MediaType.JSON),
        (RESPONSE_JSON, MediaType.GRAPHQL_RESPONSE_JSON),
        (APOLLO_ACCEPT, MediaType.GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", MediaType.GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0.5, application/json", MediaType.JSON),
        ("application/graphql-response+json;q=0, */*", MediaType.JSON),
        ("text/html, */*;q=0.8", MediaType.JSON),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON; charset=utf-8", MediaType.GRAPHQL_RESPONSE_JSON),
        ("application/json;q=nonsense", MediaType.JSON),
    ],
)
def test_the_media_type_follows_the_accept_header(accept: str | None, chosen: MediaType) -> None:
    assert negotiate(accept) is chosen


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
def test_an_accept_header_naming_neither_type_is_refused_406(accept: str) -> None:
    with pytest.raises(Refused) as refused:
        negotiate(accept)
    assert refused.value.status == 406


@given(st.text(max_size=300))
def test_any_accept_header_gets_a_media_type_or_a_406(accept: str) -> None:
    try:
        assert negotiate(accept) in MediaType
    except Refused as refused:
        assert refused.status == 406


def test_an_accept_header_past_its_bound_is_read_as_missing() -> None:
    assert negotiate("text/html," * 1000) is MediaType.JSON


async def test_a_client_asking_for_graphql_response_json_gets_it(client: httpx.AsyncClient) -> None:
    response = await ask(client, "{ __typename }", APOLLO_ACCEPT)
    assert response.status_code == 200
    assert response.headers["content-type"] == RESPONSE_JSON
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_client_asking_for_nothing_in_particular_gets_application_json(
    client: httpx.AsyncClient,
) -> None:
    response = await ask(client, "{ __typename }", None)
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "query", ["{ entries(first: 1) { nodes { id }", "{ nope }", "query { viewer { id } } query"]
)
async def test_a_request_error_in_graphql_response_json_is_400_with_no_data(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await ask(client, query, RESPONSE_JSON)
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_the_same_request_error_in_application_json_is_200_with_data_null(
    client: httpx.AsyncClient,
) -> None:
    response = await ask(client, "{ nope }", "application/json")
    assert response.status_code == 200
    assert response.json()["data"] is None


async def test_variables_that_do_not_coerce_in_graphql_response_json_are_400(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": "query($n: Int) { entries(first: $n) { nodes { id } } }",
            "variables": {"n": "x"},
        },
        headers={"Accept": RESPONSE_JSON},
    )
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_a_bad_token_in_graphql_response_json_is_401(client: httpx.AsyncClient) -> None:
    response = await ask(client, "{ viewer { id } }", RESPONSE_JSON, Authorization="Bearer nope")
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    assert "data" not in response.json()


async def test_a_field_error_in_graphql_response_json_is_200_with_its_data(
    client: httpx.AsyncClient,
) -> None:
    response = await ask(client, '{ entry(id: "not an id") { id } }', RESPONSE_JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"entry": None}
    assert body["errors"][0]["path"] == ["entry"]


async def test_a_viewer_query_in_graphql_response_json_is_answered(
    client: httpx.AsyncClient,
) -> None:
    token = token_for("00000000-0000-0000-0000-000000000001")
    response = await ask(
        client, "{ viewer { id } }", RESPONSE_JSON, Authorization=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": None}}


async def test_a_post_accepting_neither_type_is_406_saying_which_there_are(
    client: httpx.AsyncClient,
) -> None:
    response = await ask(client, "{ __typename }", "text/html")
    assert response.status_code == 406
    assert RESPONSE_JSON in response.json()["errors"][0]["message"]


async def test_a_get_asking_for_graphql_response_json_gets_it(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": "{ nope }"}, headers={"Accept": RESPONSE_JSON}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == RESPONSE_JSON
    assert "data" not in response.json()
