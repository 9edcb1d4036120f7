"""With PERSISTED_ONLY, the WebSocket and the HTTP streams run only the manifest's documents,
as POST and GET do: any other document is FORBIDDEN and never runs, whichever transport
carries it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.subscriptions.conftest import ServerProcess, serve
from tests.subscriptions.test_http_streams import STREAMS
from tests.subscriptions.test_transport_ws import connected, message_for, operation
from tests.subscriptions.wsclient import PROTOCOLS, TRANSPORT_WS

TRUSTED = "{ __typename }"
# Not in the manifest: a query, a mutation, a subscription.
OTHERS = [
    "{ viewer { id } }",
    'mutation { resonate(entryId: "RW50cnk6MQ==") { id } }',
    'subscription { entryCounts(entryId: "RW50cnk6MQ==") { entryId } }',
]


@pytest.fixture(scope="module")
def trusted_only(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    manifest = tmp_path_factory.mktemp("manifest") / "persisted-documents.json"
    manifest.write_text(json.dumps({hashlib.sha256(TRUSTED.encode()).hexdigest(): TRUSTED}))
    yield from serve(
        database_url,
        tmp_path_factory,
        PERSISTED_DOCUMENTS=str(Path(manifest)),
        PERSISTED_ONLY="1",
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("document", OTHERS, ids=["query", "mutation", "subscription"])
async def test_a_document_not_in_the_manifest_is_forbidden_over_the_websocket(
    trusted_only: ServerProcess, protocol: str, document: str
) -> None:
    ws = await connected(trusted_only.ws_url, protocol)
    try:
        await ws.send(operation(protocol, document))
        message = await message_for(ws, "1")
    finally:
        await ws.close()
    assert message["type"] == "error", message
    payload: Any = message["payload"]
    errors = payload if isinstance(payload, list) else [payload]
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_manifest_document_runs_over_the_websocket(
    trusted_only: ServerProcess, protocol: str
) -> None:
    ws = await connected(trusted_only.ws_url, protocol)
    try:
        await ws.send(operation(protocol, TRUSTED))
        message = await message_for(ws, "1")
    finally:
        await ws.close()
    kind = "next" if protocol == TRANSPORT_WS else "data"
    assert (message["type"], message["payload"]) == (kind, {"data": {"__typename": "Query"}})


@pytest.mark.parametrize("stream", STREAMS)
async def test_a_subscription_not_in_the_manifest_is_forbidden_as_a_stream(
    trusted_only: ServerProcess, stream: str
) -> None:
    async with httpx.AsyncClient(base_url=trusted_only.http_url) as client:
        response = await asyncio.wait_for(
            client.post("/graphql", json={"query": OTHERS[2]}, headers=STREAMS[stream]), 10
        )
    assert response.status_code == 403, response.text
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FORBIDDEN"]
