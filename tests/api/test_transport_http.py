"""Whatever bytes reach /graphql, the answer is a GraphQL-shaped JSON body with a code that
says what is wrong, never a plain-text 500; and the server answers the next request."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.settings import Settings
from tests.conftest import JWT_SECRET
from tests.graphql import error_codes, post, token_for

OK = "{ viewer { id } }"
JSON = {"Content-Type": "application/json"}


async def refusal(
    client: httpx.AsyncClient, body: bytes, status: int, headers: dict[str, str] | None = None
) -> str:
    """POST raw bytes, expect `status` with one BAD_USER_INPUT error; returns its message."""
    response = await client.post("/graphql", content=body, headers=headers or JSON)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert error_codes(response.json()) == ["BAD_USER_INPUT"], response.text
    message: str = response.json()["errors"][0]["message"]
    assert await post(client, OK) == {"data": {"viewer": None}}
    return message


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


async def test_a_body_that_is_not_utf8_is_400_saying_so(client: httpx.AsyncClient) -> None:
    message = await refusal(client, b'{"query": "\xff{ viewer { id } }"}', 400)
    assert "not UTF-8" in message


async def test_a_charset_other_than_utf8_is_415(client: httpx.AsyncClient) -> None:
    body = '{"query": "{ viewer { id } }", "operationName": "café"}'.encode("latin1")
    headers = {"Content-Type": "application/json; charset=latin1"}
    assert "charset=latin1" in await refusal(client, body, 415, headers)


async def test_json_in_utf8_may_say_so(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": OK}).encode(),
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert response.json() == {"data": {"viewer": None}}


async def test_a_compressed_body_is_415_asking_for_it_uncompressed(
    client: httpx.AsyncClient,
) -> None:
    body = gzip.compress(json.dumps({"query": OK}).encode())
    response = await client.post(
        "/graphql", content=body, headers={**JSON, "Content-Encoding": "gzip"}
    )
    assert response.status_code == 415
    assert response.headers["accept-encoding"] == "identity"
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    assert "gzip" in response.json()["errors"][0]["message"]


async def test_a_body_that_is_not_json_by_its_content_type_is_415(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Content-Type": "text/plain"}
    message = await refusal(client, json.dumps({"query": OK}).encode(), 415, headers)
    assert "application/json" in message


async def test_a_5000_digit_number_is_400_saying_so(client: httpx.AsyncClient) -> None:
    body = b'{"query": "{ viewer { id } }", "variables": {"n": ' + b"9" * 5000 + b"}}"
    assert "number too large" in await refusal(client, body, 400)


async def test_variables_nested_3000_levels_are_400_saying_so(client: httpx.AsyncClient) -> None:
    body = b'{"query": "{ viewer { id } }", "variables": {"v": ' + nested(3000) + b"}}"
    assert "nested deeper than 32 levels" in await refusal(client, body, 400)


async def test_one_level_past_the_bound_is_refused_and_the_bound_itself_is_served(
    client: httpx.AsyncClient,
) -> None:
    # The body is level 1, variables 2, so v's arrays start at level 3.
    within = b'{"query": "{ viewer { id } }", "variables": {"v": ' + nested(30) + b"}}"
    response = await client.post("/graphql", content=within, headers=JSON)
    assert response.json() == {"data": {"viewer": None}}
    past = b'{"query": "{ viewer { id } }", "variables": {"v": ' + nested(31) + b"}}"
    assert "nested deeper" in await refusal(client, past, 400)


async def test_a_lone_surrogate_in_the_operation_name_is_400(client: httpx.AsyncClient) -> None:
    body = b'{"query": "query A { viewer { id } }", "operationName": "\\ud800"}'
    assert "lone surrogate" in await refusal(client, body, 400)


async def test_a_lone_surrogate_in_a_variable_is_400(client: httpx.AsyncClient) -> None:
    body = b'{"query": "{ viewer { id } }", "variables": {"x": "a\\udc00b"}}'
    assert "lone surrogate" in await refusal(client, body, 400)


async def test_malformed_json_says_where(client: httpx.AsyncClient) -> None:
    message = await refusal(client, b'{"query": ', 400)
    assert "not valid JSON" in message
    assert "line 1" in message


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42", b"null"])
async def test_a_body_that_is_not_an_object_is_400(client: httpx.AsyncClient, body: bytes) -> None:
    assert "JSON object" in await refusal(client, body, 400)


@pytest.mark.parametrize("name", [42, ["A"], {"a": 1}, True])
async def test_an_operation_name_that_is_not_a_string_is_400(
    client: httpx.AsyncClient, name: Any
) -> None:
    body = json.dumps({"query": "query A { viewer { id } }", "operationName": name}).encode()
    assert "operationName" in await refusal(client, body, 400)


async def test_an_unknown_operation_name_is_400(client: httpx.AsyncClient) -> None:
    body = json.dumps({"query": "query A { viewer { id } }", "operationName": "B"}).encode()
    assert "B" in await refusal(client, body, 400)


async def test_deeply_nested_variables_in_a_get_are_400(client: httpx.AsyncClient) -> None:
    params = {"query": OK, "variables": nested(3000).decode()}
    response = await client.get("/graphql", params=params)
    assert response.status_code == 400
    assert "the variables parameter is nested deeper" in response.json()["errors"][0]["message"]


async def test_variables_in_a_get_are_read(client: httpx.AsyncClient) -> None:
    query = "query ($n: Int) { entries(first: $n) { nodes { id } } }"
    response = await client.get("/graphql", params={"query": query, "variables": '{"n": 101}'})
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]  # the 101 was read
    assert "first" in response.json()["errors"][0]["message"]


SUBSCRIPTION = 'subscription { entryCounts(entryId: "RW50cnk6MQ==") { entryId } }'


async def test_a_subscription_over_post_is_bad_user_input_pointing_to_the_websocket(
    client: httpx.AsyncClient,
) -> None:
    message = await refusal(client, json.dumps({"query": SUBSCRIPTION}).encode(), 400)
    assert "WebSocket at /graphql" in message


async def test_a_subscription_over_get_is_bad_user_input_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": SUBSCRIPTION})
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    assert "WebSocket" in response.json()["errors"][0]["message"]


async def test_a_mutation_over_get_is_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "mutation { unfollow(userId: 1) }"})
    assert response.status_code == 405
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]


def segment(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token_with_header(header: bytes) -> str:
    claims = json.dumps({"sub": str(uuid.uuid4())}).encode()
    return f"{segment(header)}.{segment(claims)}.{segment(b'not a signature')}"


@pytest.mark.parametrize(
    "header",
    [b'{"alg": "\\ud800"}', b'{"alg": ["HS256"]}', b'{"alg": ' + nested(5000) + b"}", b"[1]"],
    ids=["lone surrogate", "a list", "nested 5000 deep", "not an object"],
)
async def test_a_token_whose_header_is_hostile_is_unauthenticated(
    client: httpx.AsyncClient, header: bytes
) -> None:
    body = await post(client, OK, token=token_with_header(header))
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert body["errors"][0]["message"].isascii()


async def test_a_token_signed_with_an_algorithm_we_do_not_take_names_it(
    client: httpx.AsyncClient,
) -> None:
    claims_and_signature = token_for(uuid.uuid4(), secret=JWT_SECRET).split(".", 1)[1]
    header = segment(b'{"alg": "HS512"}')
    body = await post(client, OK, token=f"{header}.{claims_and_signature}")
    assert "HS512" in body["errors"][0]["message"]


async def test_a_failure_escaping_the_graphql_view_is_internal_json_and_logged(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("the secret internals of the access log")

    monkeypatch.setattr("server.app.access_log.record_operation", broken)
    response = await client.post("/graphql", json={"query": OK})

    assert response.status_code == 500
    assert response.json() == {
        "errors": [{"message": "Internal server error", "extensions": {"code": "INTERNAL"}}]
    }
    assert "secret internals" in caplog.text
    assert "Traceback" in caplog.text


async def test_a_failure_escaping_any_other_route_is_internal_json(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("server.health.JSONResponse", broken)
    # Starlette raises the error again once it has answered, for the server to log: a client
    # that leaves it to the server (as uvicorn does) sees the answer.
    transport = httpx.ASGITransport(app=create_app(settings), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as other:
        response = await other.get("/healthz")
    assert response.status_code == 500
    assert error_codes(response.json()) == ["INTERNAL"]
