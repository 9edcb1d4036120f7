"""A GraphQL result as the HTTP answer GraphQL over HTTP describes: its body, status and
headers, in the media type the client accepts (server/media_types.py).

- `application/json`: the body always has `data`; the status is 200 but for an answer with
  no data whose error says why (429, 503: schema/errors.py decides).
- `application/graphql-response+json`: a request error (the operation never ran) has no
  `data` entry and a 4xx or 5xx status by its code; anything that ran is 200.
- A GET query's answer can be kept by caches: with no errors it carries an `ETag` (a hash of
  the body) and a conditional GET whose `If-None-Match` names it is answered 304 with no
  body. Anonymous answers are `public` for GET_MAX_AGE_SECONDS (a CDN may share them); an
  answer for a viewer (an Authorization header) is `private, no-cache` (only that browser
  keeps it, and revalidates it). An answer with errors is `no-store`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, cast

import orjson
from starlette.responses import Response
from strawberry.http import process_result
from strawberry.types import ExecutionResult

from schema.errors import is_request_error, response_status
from server.media_types import MediaType

# Caches key a GET answer by these request headers too.
VARY = "Accept, Authorization"


@dataclass(frozen=True)
class Caching:
    """How caches may keep a GET query's answer."""

    viewer: bool  # the request carried credentials: only its own browser may keep it
    max_age_seconds: int
    if_none_match: str | None


def graphql_response(
    result: ExecutionResult, media_type: MediaType, caching: Caching | None = None
) -> Response:
    """The result as the answer's body, with its status and headers."""
    body = _body(result, media_type)
    status, headers = response_status(body)
    content = orjson.dumps(body)
    if caching is not None:
        headers = {**headers, **_cache_headers(result, content, caching)}
        if "ETag" in headers and _names(caching.if_none_match, headers["ETag"]):
            return Response(status_code=304, headers=headers)
    return Response(
        content, status_code=status or 200, headers=headers or None, media_type=media_type.value
    )


def batch_response(results: list[ExecutionResult], media_type: MediaType) -> Response:
    """A batch's answer: each operation's body, in order, in one 200."""
    return Response(
        orjson.dumps([_body(result, media_type) for result in results]),
        media_type=media_type.value,
    )


def _body(result: ExecutionResult, media_type: MediaType) -> dict[str, Any]:
    body = cast(dict[str, Any], process_result(result))  # a new dict, ours to change
    if media_type is MediaType.GRAPHQL_RESPONSE_JSON and is_request_error(result):
        del body["data"]
    return body


def _cache_headers(result: ExecutionResult, content: bytes, caching: Caching) -> dict[str, str]:
    if result.errors:
        return {"Cache-Control": "no-store", "Vary": VARY}
    if caching.viewer:
        control = "private, no-cache"
    elif caching.max_age_seconds > 0:
        control = f"public, max-age={caching.max_age_seconds}"
    else:
        control = "public, no-cache"
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    return {"Cache-Control": control, "ETag": etag, "Vary": VARY}


def _names(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (or is `*`); a weak validator (`W/`)
    matches too, as RFC 9110 compares for If-None-Match."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False
