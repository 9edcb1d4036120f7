"""How an error reaches an HTTP client: the status and headers that go with its code.

GraphQL errors get their code in schema/errors.py. Most answers are HTTP 200 whatever their
errors (GraphQL over HTTP with application/json); an operation that did not run at all
because the client must wait gets the status a proxy or a retrying client understands, with
`Retry-After`. A refusal before GraphQL runs (a body too large, malformed JSON) is still a
GraphQL-shaped body with a code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from schema.errors import INTERNAL_MESSAGE

# Statuses for a response with no data whose (first) error has this code.
STATUS_BY_CODE = {"RATE_LIMITED": 429, "UNAVAILABLE": 503}


def error_body(message: str, code: str, **extensions: object) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {**extensions, "code": code}}]}


def http_error(
    message: str, status_code: int, code: str = "BAD_USER_INPUT", **extensions: object
) -> JSONResponse:
    """A refusal before GraphQL runs, still shaped like a GraphQL response."""
    body = error_body(message, code, **extensions)
    return JSONResponse(body, status_code=status_code, headers=_retry_after(body))


def response_status(body: Mapping[str, Any]) -> tuple[int | None, dict[str, str]]:
    """The HTTP status (None: the default) and headers for a GraphQL response body."""
    errors = body.get("errors")
    if body.get("data") is not None or not errors:
        return None, {}
    code = str((errors[0].get("extensions") or {}).get("code"))
    return STATUS_BY_CODE.get(code), _retry_after(body)


def _retry_after(body: Mapping[str, Any]) -> dict[str, str]:
    for error in body.get("errors") or ():
        retry_after = (error.get("extensions") or {}).get("retryAfter")
        if isinstance(retry_after, int):
            return {"Retry-After": str(retry_after)}
    return {}


async def unexpected_error(request: Request, error: Exception) -> Response:
    """What the client gets when an exception escapes the app (Starlette's last resort):
    INTERNAL as JSON, never its plain-text 500. Starlette raises the error again afterwards,
    so the server logs it with its traceback."""
    return http_error(INTERNAL_MESSAGE, 500, code="INTERNAL")
