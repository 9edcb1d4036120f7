"""The HTTP surface: GraphiQL for a browser, JSON for a client, clear errors for mistakes."""

from __future__ import annotations

import httpx
import pytest

from tests.graphql import error_codes, post


async def test_a_browser_gets_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_a_query_by_get_is_answered(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ viewer { id } }"})
    assert response.json() == {"data": {"viewer": None}}


async def test_a_syntax_error_is_bad_user_input(client: httpx.AsyncClient) -> None:
    body = await post(client, "{ entries { ")
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_an_unknown_field_is_bad_user_input(client: httpx.AsyncClient) -> None:
    body = await post(client, "{ nope }")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "nope" in body["errors"][0]["message"]


async def test_a_variable_of_the_wrong_type_is_bad_user_input(client: httpx.AsyncClient) -> None:
    body = await post(
        client, "query ($n: Int) { entries(first: $n) { nodes { id } } }", {"n": "ten"}
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_malformed_json_is_http_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_an_unexpected_failure_is_masked_as_internal_and_logged(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError('relation "secret_table" does not exist: SELECT * FROM secret_table')

    monkeypatch.setattr("resolvers.entries.fetch_entries", broken)
    body = await post(client, "{ entries { nodes { id } } }")

    assert error_codes(body) == ["INTERNAL"]
    assert body["errors"][0]["message"] == "Internal server error"
    assert "secret_table" not in str(body)
    assert "secret_table" in caplog.text
    assert "Traceback" in caplog.text


async def test_the_server_answers_after_an_internal_error(client: httpx.AsyncClient) -> None:
    assert (await post(client, "{ viewer { id } }")) == {"data": {"viewer": None}}
