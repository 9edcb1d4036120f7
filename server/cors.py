"""CORS: the pages of CORS_ORIGINS may call the API with the headers of CORS_HEADERS.

Starlette's middleware, except that a refused preflight names the setting that refused it:
Starlette's own text ("Disallowed CORS headers") leaves the operator guessing what to change.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse, Response

from server.settings import Settings

METHODS = ("GET", "POST")
# What their scripts may read of an answer beyond the safelisted headers.
RESPONSE_HEADERS = ("ETag", "Retry-After")
# The preflight's answer may be kept this long (seconds).
MAX_AGE = 600
# A refusal names at most this many of the headers it refused, each cut to this length.
NAMED_HEADERS, NAME_LENGTH = 5, 60


def cors_middleware(settings: Settings) -> Middleware | None:
    """The middleware CORS_ORIGINS asks for; None without any (no cross-origin page may)."""
    if not settings.cors_origins:
        return None
    return Middleware(
        NamingCORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=list(METHODS),
        allow_headers=list(settings.cors_headers),
        expose_headers=list(RESPONSE_HEADERS),
        max_age=MAX_AGE,
    )


class NamingCORSMiddleware(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        reasons = self._refusals(request_headers)
        if not reasons:  # nothing we can name (an empty item in the header list, say)
            return response
        kept = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-length", "content-type")
        }
        text = "CORS preflight refused: " + "; ".join(reasons)
        return PlainTextResponse(text, status_code=400, headers=kept)

    def _refusals(self, request_headers: Headers) -> list[str]:
        reasons = []
        origin = request_headers["origin"]
        if not self.is_allowed_origin(origin=origin):
            reasons.append(f"the origin {origin[:NAME_LENGTH]!r} is not in CORS_ORIGINS")
        method = request_headers["access-control-request-method"]
        if method not in self.allow_methods:
            allowed = ", ".join(METHODS)
            reasons.append(f"the method {method[:NAME_LENGTH]!r} is not one of {allowed}")
        asked = request_headers.get("access-control-request-headers") or ""
        refused = [
            name.strip()[:NAME_LENGTH]
            for name in asked.lower().split(",")
            if name.strip() and name.strip() not in self.allow_headers
        ]
        if refused and not self.allow_all_headers:
            named = ", ".join(refused[:NAMED_HEADERS]) + (", ..." * (len(refused) > NAMED_HEADERS))
            reasons.append(f"the headers {named} are not in CORS_HEADERS")
        return reasons
