"""A GET query's answer for caches: public for a while when anonymous, private for a viewer,
an ETag that a conditional GET turns into 304, never kept with errors; a mutation by GET is
405 naming POST."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from server.settings import Settings
from tests.graphql import app_client, error_codes, token_for

TYPENAME = {"query": "{ __typename }"}


async def test_an_anonymous_get_may_be_kept_by_shared_caches_for_the_set_time(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.get("/graphql", params=TYPENAME)
    assert response.status_code == 200
    assert response.headers["cache-control"] == f"public, max-age={settings.get_max_age_seconds}"
    assert response.headers["etag"].startswith('"')
    assert "Authorization" in response.headers["vary"]


async def test_a_get_with_a_token_is_private_and_revalidated(client: httpx.AsyncClient) -> None:
    token = token_for("00000000-0000-0000-0000-000000000001")
    response = await client.get(
        "/graphql", params=TYPENAME, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.headers["cache-control"] == "private, no-cache"


async def test_a_conditional_get_naming_the_etag_is_304_with_no_body(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/graphql", params=TYPENAME)
    again = await client.get(
        "/graphql", params=TYPENAME, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == first.headers["cache-control"]


@pytest.mark.parametrize("if_none_match", ['"other"', "", 'W/"other", "also other"'])
async def test_a_conditional_get_naming_another_etag_is_answered_in_full(
    client: httpx.AsyncClient, if_none_match: str
) -> None:
    response = await client.get(
        "/graphql", params=TYPENAME, headers={"If-None-Match": if_none_match}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_weak_or_listed_etag_matches_too(client: httpx.AsyncClient) -> None:
    etag = (await client.get("/graphql", params=TYPENAME)).headers["etag"]
    for header in (f"W/{etag}", f'"x", {etag}', "*"):
        response = await client.get("/graphql", params=TYPENAME, headers={"If-None-Match": header})
        assert response.status_code == 304, header


async def test_the_etag_changes_with_the_answer(client: httpx.AsyncClient) -> None:
    one = await client.get("/graphql", params=TYPENAME)
    other = await client.get("/graphql", params={"query": "{ a: __typename }"})
    assert one.headers["etag"] != other.headers["etag"]


async def test_a_get_answered_with_errors_is_never_stored(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ nope }"})
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


async def test_a_post_carries_no_caching_headers(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=TYPENAME)
    assert "etag" not in response.headers
    assert "cache-control" not in response.headers


@pytest.fixture
async def uncached_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, get_max_age_seconds=0) as client:
        yield client


async def test_with_no_max_age_an_anonymous_get_is_revalidated_each_time(
    uncached_client: httpx.AsyncClient,
) -> None:
    response = await uncached_client.get("/graphql", params=TYPENAME)
    assert response.headers["cache-control"] == "public, no-cache"


async def test_a_mutation_by_get_is_405_allowing_post(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={"query": 'mutation { follow(userId: "x") { id } }'},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
