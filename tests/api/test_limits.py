"""Abusive documents and bodies are refused, and the server answers the next request."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx

from db.pool import counting_statements
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


def fan_out(levels: int, bottom: str) -> str:
    """`query { ...F0 }` where each fragment spreads the next one twice: 2^levels paths."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ {bottom} }}")
    return "query { ...F0 } " + " ".join(fragments)


async def test_a_40_level_fragment_fan_out_is_answered_at_once(
    client: httpx.AsyncClient,
) -> None:
    """2^40 paths to one field: strawberry's limiter never returned. Checked, compiled and run
    it takes about 15 ms; the bound is far from both, so a loaded machine cannot fail it and
    anything exponential cannot pass."""
    query = fan_out(40, "__typename")
    started = time.process_time()
    body = await post(client, query)
    spent = time.process_time() - started
    assert body == {"data": {"__typename": "Query"}}
    assert spent < 1.0, f"{spent * 1000:.0f} ms"
    await assert_still_answers(client)


async def test_aliases_count_once_per_path_and_are_counted_in_linear_time(
    client: httpx.AsyncClient,
) -> None:
    body = await post(client, fan_out(40, "a: __typename"))
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "limit": "aliases",
        "max": 30,
        "actual": 2**40,
    }


async def test_a_spread_of_an_unknown_fragment_is_bad_user_input(
    client: httpx.AsyncClient,
) -> None:
    body = await post(client, "{ viewer { ...Nope } }")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "Unknown fragment 'Nope'."


async def test_a_fragment_cycle_is_bad_user_input(client: httpx.AsyncClient) -> None:
    body = await post(client, "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_the_depth_refusal_says_the_limit_and_the_depth(client: httpx.AsyncClient) -> None:
    inner = "id"
    for _ in range(15):
        inner = f"branches {{ nodes {{ {inner} }} }}"
    body = await post(client, f'query Deep {{ entry(id: "RW50cnk6MQ==") {{ {inner} }} }}')
    [error] = body["errors"]
    assert error["message"] == "'Deep' is 31 levels deep, over the maximum depth of 15"
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "limit": "depth",
        "max": 15,
        "actual": 31,
    }


async def test_the_alias_refusal_says_the_limit_and_the_count(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ id }}" for i in range(31)) + " }"
    body = await post(client, query)
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "limit": "aliases",
        "max": 30,
        "actual": 31,
    }


async def test_the_token_refusal_says_the_limit(client: httpx.AsyncClient) -> None:
    body = await post(client, "{ viewer { " + " ".join(["id"] * 6000) + " } }")
    [error] = body["errors"]
    assert error["message"] == "the document has more than the maximum of 5000 tokens"
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": "tokens", "max": 5000}


async def test_comments_count_as_tokens(client: httpx.AsyncClient) -> None:
    body = await post(client, "{ viewer { id } }" + "\n#" * 6000)
    assert body["errors"][0]["extensions"]["limit"] == "tokens"


async def test_a_document_too_costly_to_validate_is_refused(client: httpx.AsyncClient) -> None:
    # graphql-core compares same-named fields pairwise: 0.1 s of its default budget here,
    # up to 0.9 s for other shapes; ours stops at a twenty-fifth of it.
    body = await post(client, "{ viewer { " + " ".join(["id"] * 4990) + " } }")
    [error] = body["errors"]
    assert error["message"].startswith("the document is too costly to validate")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": "validation", "max": 20_000}
    await assert_still_answers(client)


NESTED = (
    "{ entries(first: 100) { nodes { resonators(first: 100) { nodes {"
    " followers(first: 100) { nodes { followers(first: 100) { nodes { id } } } } } } } } }"
)


async def test_a_query_over_the_cost_limit_is_refused_before_any_sql(
    client: httpx.AsyncClient,
) -> None:
    with counting_statements() as statements:
        body = await post(client, NESTED)
    assert statements[0] == 0
    [error] = body["errors"]
    assert body["data"] is None
    assert error["message"].startswith("the operation costs 101010100, over the maximum of 10000")
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "limit": "cost",
        "max": 10_000,
        "actual": 101_010_100,
    }


async def test_nested_introspection_is_counted_too(client: httpx.AsyncClient) -> None:
    # Two levels of fields (graphql-core refuses three); strawberry's depth limiter skipped
    # everything under __schema.
    query = "{ __schema { types { fields { type { fields { type { name } } } } } } }"
    body = await post(client, query)
    assert body["errors"][0]["extensions"]["limit"] == "cost"


async def test_a_query_at_the_cost_limit_runs(client: httpx.AsyncClient) -> None:
    at_limit = "{ entries(first: 100) { nodes { resonators(first: 99) { nodes { id } } } } }"
    assert "errors" not in await post(client, at_limit)  # 100 + 100 x 99
    over = at_limit.replace("99", "100")
    assert (await post(client, over))["errors"][0]["extensions"]["actual"] == 10_100


VARIABLE_PAGES = """
query Pages($n: Int) {
  entries(first: $n) { nodes { resonators(first: $n) { nodes { id } } } }
}
"""


async def test_variables_used_as_first_count_with_their_value(
    client: httpx.AsyncClient,
) -> None:
    assert "errors" not in await post(client, VARIABLE_PAGES, {"n": 10})
    with counting_statements() as statements:
        body = await post(client, VARIABLE_PAGES, {"n": 100})
    assert statements[0] == 0
    assert body["errors"][0]["extensions"]["actual"] == 10_100


async def test_a_first_sent_as_a_float_counts_as_the_int_it_is(client: httpx.AsyncClient) -> None:
    body = await post(client, VARIABLE_PAGES, {"n": 100.0})  # graphql-core takes it for 100
    assert body["errors"][0]["extensions"]["actual"] == 10_100
