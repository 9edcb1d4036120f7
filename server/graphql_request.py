"""The operation of a request: a POST's JSON body or a GET's parameters, read and checked
without Strawberry's HTTP view.

Strawberry's view (`AsyncBaseHTTPView.run`) serves every kind of request: GET, the IDE,
uploads, batches, streams. For a plain POST it still wraps the request in an adapter, makes
a sub-response, parses the Content-Type with the `email` package and encodes the answer
twice (to text, then to bytes): about a tenth of a millisecond a request on the bench's
machine, a third of an anonymous list page's CPU. `read_post` takes the same body with the
same checks and the same refusals, word for word (tests/api hold them); `read_get` takes a
GET's `query`, `operationName`, `variables` and `extensions` (the last two as JSON text) to
the same checks. server/app.py answers them (server/answers.py); the view still serves the
IDE, a GET with no query, and a POST whose Accept asks for a stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cross_web import HTTPException
from strawberry.http import GraphQLRequestData

from server import http_input
from server.persisted_queries import OperationRequest

# The operation's members Strawberry's view checks, in its order and words.
_MEMBERS = (
    ("query", str, "a string"),
    ("variables", dict, "an object"),
    ("extensions", dict, "an object"),
)
# Where a request may name a trusted document, and how long an id may be.
DOCUMENT_ID_MEMBERS = ("documentId", "doc_id", "id")
MAX_DOCUMENT_ID = 200
# A GET's parameters that carry JSON.
_JSON_PARAMETERS = ("variables", "extensions")


def read_post(
    headers: Any, body: bytes, max_batch: int
) -> GraphQLRequestData | list[GraphQLRequestData]:
    """The operation of a POST body, or a batch's, refused as Strawberry's view and ours
    refuse it."""
    http_input.check_post_headers(headers)
    parsed = http_input.request_objects(body, max_batch)
    if isinstance(parsed, list):
        return [_operation(each) for each in parsed]
    return _operation(parsed)


def read_get(params: Mapping[str, str]) -> GraphQLRequestData:
    """The operation of a GET's parameters (`variables` and `extensions` as JSON text)."""
    data: dict[str, Any] = dict(params)
    for name in _JSON_PARAMETERS:
        value = data.get(name)
        if isinstance(value, str):
            data[name] = http_input.parse(value, f"the {name} parameter") if value else None
    return _operation(data)


def _operation(data: Mapping[str, Any]) -> GraphQLRequestData:
    for name, kind, what in _MEMBERS:
        if not isinstance(data.get(name), (kind, type(None))):
            raise HTTPException(
                400, f"The GraphQL operation's `{name}` must be {what} or null, if provided."
            )
    http_input.check_operation_name(data.get("operationName"))
    return OperationRequest(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol="http",
        document_id=_document_id(data),
    )


def _document_id(data: Mapping[str, Any]) -> str | None:
    """A trusted document's id: `documentId` (GraphQL over HTTP's draft, GraphQL Code
    Generator), `doc_id` (Relay's examples) or `id`. Beside a query, a member that is no
    such id is some client's own and left alone; alone, it must be one."""
    for name in DOCUMENT_ID_MEMBERS:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, str) and 0 < len(value) <= MAX_DOCUMENT_ID:
            return value
        if data.get("query") is None:
            raise http_input.Refused(
                f"{name} must be a document's id, a string of 1 to {MAX_DOCUMENT_ID} characters",
                400,
            )
        return None
    return None
