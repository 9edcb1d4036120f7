"""Errors as Starlette responses: a refusal before GraphQL runs, and the last resort.

What they say (code, message, extensions) is schema/errors.py's decision, like every error's;
here they become a JSON response with the refusal's status (and `Retry-After` when the error
says when to try again).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from resolvers.errors import ApiError
from schema.errors import error_body, internal, retry_after


def http_error(
    error: ApiError, status_code: int, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A refusal before GraphQL runs, still shaped like a GraphQL response."""
    body = error_body(error)
    return JSONResponse(
        body, status_code=status_code, headers={**retry_after(body), **(headers or {})}
    )


async def unexpected_error(request: Request, error: Exception) -> Response:
    """What the client gets when an exception escapes the app (Starlette's last resort):
    INTERNAL as JSON, never its plain-text 500. Starlette raises the error again afterwards,
    so the server logs it with its traceback."""
    return http_error(internal(), 500)
