"""A POST of one JSON operation, the request nearly every client sends, read and answered
without Strawberry's HTTP view.

Strawberry's view (`AsyncBaseHTTPView.run`) serves every kind of request: GET, the IDE,
uploads, batches, streams. For a plain POST it still wraps the request in an adapter, makes
a sub-response, parses the Content-Type with the `email` package and encodes the answer
twice (to text, then to bytes): about a tenth of a millisecond a request on the bench's
machine, a third of an anonymous list page's CPU. `read_operation` takes the same body with
the same checks and the same refusals, word for word (tests/api hold them); `json_response`
answers the way the view's `create_response` does. server/app.py sends a POST here unless
its Accept asks for a stream, which the view serves.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.responses import Response
from strawberry.http import GraphQLRequestData, process_result
from strawberry.types import ExecutionResult

from schema.errors import response_status
from server import http_input

# The body's members Strawberry's view checks, in its order and words.
_MEMBERS = (
    ("query", str, "a string"),
    ("variables", dict, "an object"),
    ("extensions", dict, "an object"),
)


def read_operation(headers: Any, body: bytes) -> GraphQLRequestData:
    """The operation of a POST body, refused as Strawberry's view and ours refuse it."""
    http_input.check_post_headers(headers)
    data = http_input.request_object(body)
    for name, kind, what in _MEMBERS:
        if not isinstance(data.get(name), (kind, type(None))):
            raise HTTPException(
                400, f"The GraphQL operation's `{name}` must be {what} or null, if provided."
            )
    http_input.check_operation_name(data.get("operationName"))
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol="http",
    )


def json_response(result: ExecutionResult) -> Response:
    """The result as the JSON body, with the status and headers its errors call for."""
    body = process_result(result)
    status, headers = response_status(body)
    return Response(
        orjson.dumps(body),
        status_code=status or 200,
        headers=headers or None,
        media_type="application/json",
    )
