"""What every answer to a hostile client must be, whatever it sent."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx

from tests.fuzz.server import HEALTH_SECONDS, REQUEST_SECONDS, FuzzServer

# The codes a client may be given (the schema's list); INTERNAL is never one of them here.
CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "CONFLICT",
    "RATE_LIMITED",
    "TIMEOUT",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_NOT_SUPPORTED",
}


def sound_body(body: Any, context: str) -> None:
    """A GraphQL response (or a batch's, a list of them): errors, if any, each with a message
    and a known code."""
    if isinstance(body, list) and body:
        for each in body:
            sound_body(each, context)
        return
    assert isinstance(body, dict), f"{context}: the body is not an object: {body!r}"[:2000]
    assert "data" in body or "errors" in body, f"{context}: {body!r}"[:2000]
    for error in body.get("errors") or ():
        assert isinstance(error.get("message"), str), f"{context}: {error!r}"
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES, f"code {code!r}: {error!r}"[:1000] + f" for {context[:1000]}"


def sound_response(response: httpx.Response, context: str) -> dict[str, Any]:
    """No 5xx, a JSON body shaped like GraphQL, within the time bound: the answer (a batch's
    first)."""
    assert response.status_code < 500, (
        f"{context}: HTTP {response.status_code}: {response.text[:500]}"
    )
    assert response.elapsed.total_seconds() < REQUEST_SECONDS, (
        f"{context}: took {response.elapsed.total_seconds():.1f} s"
    )
    assert response.headers.get("content-type", "").startswith("application/"), (
        f"{context}: {response.headers.get('content-type')}: {response.text[:500]}"
    )
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise AssertionError(f"{context}: not JSON: {response.text[:500]!r}") from None
    sound_body(body, context)
    answers = body if isinstance(body, list) else [body]  # a batch's, or one
    for answer in answers:
        OUTCOMES[outcome(answer)] += 1
    result: dict[str, Any] = answers[0]
    return result


# How many answers of each kind the fuzzing got: a fuzz that only ever hits validation errors
# would test little (the tests check what share ran).
OUTCOMES: Counter[str] = Counter()


def outcome(body: dict[str, Any]) -> str:
    """What kind of answer it was: whether it ran (has data), and its errors' codes."""
    errors = body.get("errors") or []
    codes = sorted({(e.get("extensions") or {}).get("code", "?") for e in errors})
    ran = "data" if body.get("data") else "no data"
    return f"{ran}, errors: {','.join(codes) or 'none'}"


def server_sound(server: FuzzServer) -> None:
    """The server answered /healthz all along and logged no unexpected error."""
    assert server.process.poll() is None, f"the server exited:\n{server.output()[-5000:]}"
    response = httpx.get(f"{server.url}/healthz", timeout=HEALTH_SECONDS)
    assert response.status_code == 200
    assert not server.health.misses, f"/healthz missed: {server.health.misses[:5]}"
    log = server.output()
    for marker in ("Traceback", "unexpected error", "Exception in ASGI"):
        assert marker not in log, f"the server logged {marker!r}:\n{_around(log, marker)}"


def _around(log: str, marker: str) -> str:
    at = log.index(marker)
    return log[max(0, at - 1500) : at + 3000]
