"""Trusted documents: a manifest as Relay, GraphQL Code Generator or Apollo's tooling writes
it (PERSISTED_DOCUMENTS) lets clients send a document's id; with PERSISTED_ONLY nothing else
runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.settings import Settings
from server.trusted_documents import ManifestError, load_manifest
from tests.graphql import app_client, error_codes

TYPENAME = "query Typename { __typename }"
VIEWER = "query Viewer { viewer { id } }"
RELAY_ID = hashlib.md5(TYPENAME.encode()).hexdigest()  # relay-compiler's default ids
VIEWER_SHA = hashlib.sha256(VIEWER.encode()).hexdigest()


def write(tmp_path: Path, manifest: object) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def test_a_manifest_of_id_to_document_is_read(tmp_path: Path) -> None:
    documents = load_manifest(write(tmp_path, {RELAY_ID: TYPENAME, VIEWER_SHA: VIEWER}))
    assert documents == {RELAY_ID: TYPENAME, VIEWER_SHA: VIEWER}


def test_apollos_manifest_is_read(tmp_path: Path) -> None:
    manifest = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": VIEWER_SHA, "name": "Viewer", "type": "query", "body": VIEWER}],
    }
    assert load_manifest(write(tmp_path, manifest)) == {VIEWER_SHA: VIEWER}


def test_an_id_written_in_capitals_or_with_sha256_prefix_is_kept_plain(tmp_path: Path) -> None:
    manifest = {f"sha256:{VIEWER_SHA.upper()}": VIEWER}
    assert load_manifest(write(tmp_path, manifest)) == {VIEWER_SHA: VIEWER}


@pytest.mark.parametrize(
    "manifest",
    [
        [TYPENAME],
        {"id": 5},
        {"format": "apollo-persisted-query-manifest", "version": 2, "operations": []},
        {"format": "apollo-persisted-query-manifest", "version": 1, "operations": ["x"]},
    ],
)
def test_a_file_that_is_no_manifest_is_refused_saying_so(tmp_path: Path, manifest: Any) -> None:
    with pytest.raises(ManifestError, match="PERSISTED_DOCUMENTS"):
        load_manifest(write(tmp_path, manifest))


def test_a_manifest_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{not json")
    with pytest.raises(ManifestError):
        load_manifest(path)


def test_the_server_does_not_start_on_a_bad_manifest(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ManifestError):
        create_app(replace(settings, persisted_documents=tmp_path / "missing.json"))


async def client_for(
    settings: Settings, manifest: Path, only: bool
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, persisted_documents=manifest, persisted_only=only) as client:
        yield client


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    return write(tmp_path, {RELAY_ID: TYPENAME, VIEWER_SHA: VIEWER})


@pytest.fixture
async def trusting(settings: Settings, manifest: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(settings, manifest, only=False):
        yield client


@pytest.fixture
async def trusted_only(settings: Settings, manifest: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(settings, manifest, only=True):
        yield client


async def ask(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = (await client.post("/graphql", json=body)).json()
    return answer


@pytest.mark.parametrize(
    "body",
    [
        {"documentId": RELAY_ID},
        {"doc_id": RELAY_ID},
        {"id": RELAY_ID},
        {"documentId": f"sha256:{hashlib.sha256(TYPENAME.encode()).hexdigest()}"},
        {
            "extensions": {
                "persistedQuery": {
                    "version": 1,
                    "sha256Hash": hashlib.sha256(TYPENAME.encode()).hexdigest(),
                }
            }
        },
    ],
    ids=["documentId", "doc_id", "id", "sha256: prefix", "apollo's hash"],
)
async def test_a_document_is_run_by_its_id(
    trusted_only: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert await ask(trusted_only, body) == {"data": {"__typename": "Query"}}


async def test_a_document_by_get_is_run_by_its_id(trusted_only: httpx.AsyncClient) -> None:
    response = await trusted_only.get("/graphql", params={"documentId": VIEWER_SHA})
    assert response.json() == {"data": {"viewer": None}}
    assert "etag" in response.headers


async def test_an_unknown_id_is_persisted_query_not_found(trusted_only: httpx.AsyncClient) -> None:
    assert error_codes(await ask(trusted_only, {"documentId": "f" * 64})) == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]


async def test_with_persisted_only_any_other_document_is_forbidden(
    trusted_only: httpx.AsyncClient,
) -> None:
    assert error_codes(await ask(trusted_only, {"query": "{ __typename }"})) == ["FORBIDDEN"]


async def test_with_persisted_only_a_manifest_document_sent_in_full_runs(
    trusted_only: httpx.AsyncClient,
) -> None:
    assert await ask(trusted_only, {"query": VIEWER}) == {"data": {"viewer": None}}


async def test_with_persisted_only_automatic_persisted_queries_keep_nothing(
    trusted_only: httpx.AsyncClient,
) -> None:
    query = "{ a: __typename }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    assert error_codes(await ask(trusted_only, {"query": query, "extensions": extensions})) == [
        "FORBIDDEN"
    ]
    assert error_codes(await ask(trusted_only, {"extensions": extensions})) == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]


async def test_a_query_other_than_its_ids_document_is_bad_user_input(
    trusted_only: httpx.AsyncClient,
) -> None:
    body = {"documentId": RELAY_ID, "query": VIEWER}
    assert error_codes(await ask(trusted_only, body)) == ["BAD_USER_INPUT"]


async def test_without_persisted_only_any_query_still_runs(trusting: httpx.AsyncClient) -> None:
    assert await ask(trusting, {"query": "{ b: __typename }"}) == {"data": {"b": "Query"}}
    assert await ask(trusting, {"documentId": RELAY_ID}) == {"data": {"__typename": "Query"}}


async def test_an_id_beside_a_query_naming_no_document_leaves_the_query_to_run(
    trusting: httpx.AsyncClient,
) -> None:
    body = {"query": "{ c: __typename }", "id": "some client's own"}
    assert await ask(trusting, body) == {"data": {"c": "Query"}}


@pytest.mark.parametrize("value", [5, "", "x" * 201, ["a"]])
async def test_a_document_id_alone_that_is_no_id_is_400(
    trusting: httpx.AsyncClient, value: object
) -> None:
    response = await trusting.post("/graphql", json={"documentId": value})
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
