"""Which media type a GraphQL answer over HTTP is sent as, chosen from the request's Accept
header as the GraphQL over HTTP specification asks.

- `application/graphql-response+json` when the client names it (and likes it at least as
  much as `application/json`): its status tells request errors (no `data`) from field errors.
- `application/json` otherwise: when Accept is missing or empty, says `*/*` or
  `application/*`, or names `application/json` above the other.
- Neither acceptable (`Accept: text/html`, or both at `q=0`): 406, naming both.

Parameters other than `q` (a charset, say) are ignored: both are always UTF-8.
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache

from server.http_input import Refused

# Accept headers are few and repeat (each client library sends its own): parsed once each.
ACCEPT_HEADERS_KEPT = 64
# A header longer than this is read as missing rather than parsed (a client's own mistake,
# and bounded work whatever it sends).
MAX_ACCEPT_LENGTH = 1024


class MediaType(Enum):
    GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
    JSON = "application/json"


def negotiate(accept: str | None) -> MediaType:
    """The media type to answer in, or Refused (406) when the client accepts neither."""
    if accept is None or len(accept) > MAX_ACCEPT_LENGTH:
        return MediaType.JSON
    chosen = _negotiated(accept)
    if chosen is None:
        raise Refused(
            f"no acceptable media type: answers are {MediaType.GRAPHQL_RESPONSE_JSON.value} "
            f"or {MediaType.JSON.value}",
            406,
        )
    return chosen


@lru_cache(maxsize=ACCEPT_HEADERS_KEPT)
def _negotiated(accept: str) -> MediaType | None:
    if not accept.strip():
        return MediaType.JSON
    # For each media type: (specificity, q) of the most specific range that matches it.
    best: dict[MediaType, tuple[int, float]] = {}
    for media_range in accept.split(","):
        name, *params = media_range.split(";")
        name = name.strip().lower()
        q = _quality(params)
        for media_type in MediaType:
            specificity = _matches(name, media_type.value)
            if specificity is None:
                continue
            known = best.get(media_type)
            if known is None or specificity > known[0]:
                best[media_type] = (specificity, q)
    wanted = {m: q for m, (_, q) in best.items() if q > 0}
    if not wanted:
        return None
    response_json = wanted.get(MediaType.GRAPHQL_RESPONSE_JSON, 0.0)
    plain_json = wanted.get(MediaType.JSON, 0.0)
    # Named outright and liked as much: the newer type. Reached only through a wildcard
    # (`*/*`), the type every client reads.
    named = best.get(MediaType.GRAPHQL_RESPONSE_JSON, (0, 0.0))[0] == 2
    if response_json > plain_json or (named and response_json == plain_json):
        return MediaType.GRAPHQL_RESPONSE_JSON
    return MediaType.JSON


def _matches(media_range: str, media_type: str) -> int | None:
    """How specifically `media_range` matches `media_type` (2 exactly, 1 `type/*`, 0 `*/*`),
    None when it does not."""
    if media_range == media_type:
        return 2
    if media_range == "*/*":
        return 0
    if media_range.endswith("/*") and media_type.startswith(media_range[:-1]):
        return 1
    return None


def _quality(params: list[str]) -> float:
    """A range's `q` (1 when absent; a malformed one counts as 1, as most servers read it)."""
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 1.0
            return q if 0.0 <= q <= 1.0 else 1.0
    return 1.0
