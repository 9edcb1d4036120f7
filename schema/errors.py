"""How every error reaches the client, and with which code: the one module that decides.

- An ApiError (resolvers/errors.py) keeps its message, code and extensions.
- A document that does not parse or validate, variables of the wrong type, or an operation
  that cannot be picked (an unknown operationName, no query) are the client's to fix:
  BAD_USER_INPUT, with graphql-core's (or Strawberry's) message.
- The database not there (down, restarting, the connection lost: db.errors decides) is
  UNAVAILABLE with `retryAfter`; a statement PostgreSQL cancelled at its time bound is
  TIMEOUT. The server logs one line for each, no traceback: they are not bugs.
- Anything else is a bug: the client sees "Internal server error" with code INTERNAL, no
  stack trace and no SQL; the server logs it with its traceback.

Every way out goes through here: a query's or mutation's errors (ResonanceSchema.execute,
schema/resonance_schema.py, codes them with `with_code`),
a subscription's (ResonanceSchema.stream, and `with_code` for its events), an error raised before
execution (`graphql_error`), a refusal before GraphQL runs and a WebSocket's `error`
message (`error_body`, `formatted`), graphql-ws's `connection_error` (`connection_error`),
and for HTTP the status and `Retry-After` that go with an answer (`response_status`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError, GraphQLFormattedError, Node
from strawberry.exceptions import MissingQueryError
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

from db import errors as db_errors
from resolvers.errors import (
    ApiError,
    BadUserInput,
    Forbidden,
    RateLimited,
    TimedOut,
    Unauthenticated,
    Unavailable,
)

logger = logging.getLogger("resonance.errors")

INTERNAL_MESSAGE = "Internal server error"
# A restart takes a second or two; a client told to wait this long finds the server back.
UNAVAILABLE_RETRY_AFTER_SECONDS = 2
# HTTP statuses for an answer with no data whose (first) error has this code; every other
# answer is 200, whatever its errors (GraphQL over HTTP with application/json).
STATUS_BY_CODE = {RateLimited.code: 429, Unavailable.code: 503}
# The status of an answer with no `data` entry at all: a request error (the operation never
# ran) sent as application/graphql-response+json, or a refusal before GraphQL runs. GraphQL
# over HTTP asks a 4xx or 5xx for it; by the (first) error's code, 400 for any other.
REQUEST_ERROR_STATUS = {
    BadUserInput.code: 400,
    Unauthenticated.code: 401,
    Forbidden.code: 403,
    RateLimited.code: 429,
    ApiError.code: 500,
    Unavailable.code: 503,
    TimedOut.code: 504,
}


class _LineEvery:
    """One log line per `seconds` at most: an outage fails every request, and a line for each
    would bury the rest of the log. The next line says how many were left out."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._quiet_until = 0.0
        self._left_out = 0

    def warning(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now < self._quiet_until:
            self._left_out += 1
            return
        if self._left_out:
            message, args = f"{message} (and %d more since the last line)", (*args, self._left_out)
        self._quiet_until, self._left_out = now + self.seconds, 0
        logger.warning(message, *args)


_database_failures = _LineEvery(1.0)


def api_error(original: BaseException | None) -> ApiError | None:
    """What the client is told of an exception raised while resolving; None when it is
    unexpected (or there is none)."""
    if original is None or isinstance(original, ApiError):
        return original
    if db_errors.unavailable(original):
        return Unavailable(
            "the database is unavailable; try again shortly",
            retry_after=UNAVAILABLE_RETRY_AFTER_SECONDS,
        )
    if db_errors.timed_out(original):
        return TimedOut("a database statement ran past its time bound")
    return None


# What Strawberry raises for an operation it cannot pick or run (over a WebSocket these reach
# the client as errors): the client's mistakes, not ours.
CLIENT_MISTAKES = (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError)


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return (
        original is not None
        and not isinstance(original, (GraphQLError, *CLIENT_MISTAKES))
        and api_error(original) is None
    )


def internal() -> ApiError:
    """What the client is told of a bug: that it happened, nothing more."""
    return ApiError(INTERNAL_MESSAGE)


def _told(error: GraphQLError) -> ApiError | None:
    """What the client is told of a GraphQL error; None when it carries its code already."""
    known = api_error(error.original_error)
    if known is not None:
        return known
    if is_unexpected(error):
        return internal()
    if error.extensions and "code" in error.extensions:
        return None
    return BadUserInput(error.message)


def with_code(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it."""
    told = _told(error)
    if told is None:
        return error
    return GraphQLError(
        told.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), **_extensions(told)},
    )


def _extensions(error: ApiError) -> dict[str, Any]:
    return {**error.extensions, "code": error.code}


def graphql_error(error: ApiError, nodes: Node | list[Node] | None = None) -> GraphQLError:
    """An ApiError as a GraphQL error, coded already: for errors a client gets before (or
    instead of) execution, like a bad token or a document over a limit."""
    return GraphQLError(error.message, nodes, original_error=error, extensions=_extensions(error))


def formatted(error: ApiError) -> GraphQLFormattedError:
    """An ApiError as JSON: a WebSocket `error` message's payload, an HTTP refusal's error."""
    return {"message": error.message, "extensions": _extensions(error)}


def error_body(error: ApiError) -> dict[str, Any]:
    """A GraphQL-shaped answer holding only `error`: a refusal before GraphQL runs."""
    return {"errors": [formatted(error)]}


def connection_error(error: ApiError) -> dict[str, object]:
    """graphql-ws's `connection_error` payload for a refused WebSocket (a bad token)."""
    return {"message": error.message, "code": error.code}


def escaped(schema: BaseSchema, error: Exception) -> GraphQLFormattedError:
    """An exception that escaped an operation over a WebSocket, as its client sees it: a
    syntax error is the client's to fix (BAD_USER_INPUT); anything else is logged and
    INTERNAL."""
    if not isinstance(error, GraphQLError):
        error = GraphQLError(str(error), original_error=error)
    schema.process_errors([error])
    return with_code(error).formatted


def is_request_error(result: ExecutionResult) -> bool:
    """No data, and no error of a field: the operation never ran (a document that does not
    parse or validate, variables that do not coerce, a refusal before execution)."""
    errors = result.errors
    return result.data is None and bool(errors) and all(e.path is None for e in errors or ())


def request_error_status(code: str) -> int:
    """The HTTP status of a request refused with an error of `code` before anything ran."""
    return REQUEST_ERROR_STATUS.get(code, 400)


def response_status(body: Mapping[str, Any]) -> tuple[int | None, dict[str, str]]:
    """The HTTP status (None: the default) and headers for a GraphQL response body."""
    errors = body.get("errors")
    if body.get("data") is not None or not errors:
        return None, {}
    code = str((errors[0].get("extensions") or {}).get("code"))
    if "data" not in body:
        return request_error_status(code), retry_after(body)
    return STATUS_BY_CODE.get(code), retry_after(body)


def retry_after(body: Mapping[str, Any]) -> dict[str, str]:
    """`Retry-After` for a body whose errors say when to try again."""
    for error in body.get("errors") or ():
        seconds = (error.get("extensions") or {}).get("retryAfter")
        if isinstance(seconds, int):
            return {"Retry-After": str(seconds)}
    return {}


def log_errors(errors: list[GraphQLError]) -> None:
    """Log what is unexpected, with its traceback; a database outage or timeout in a line (an
    operator wants to know, but it is no bug); a client's mistake is not news."""
    for error in errors:
        original = error.original_error
        if original is None or isinstance(original, (ApiError, GraphQLError)):
            continue
        where = ".".join(map(str, error.path or [])) or "<operation>"
        known = api_error(original)
        if known is not None:
            _database_failures.warning("%s at %s: %s", known.code, where, original)
        else:
            logger.error(
                "unexpected error at %s: %s",
                where,
                original,
                exc_info=(type(original), original, original.__traceback__),
            )


# An operation whose every root field failed for one of these got nothing from the database.
_DATABASE_FAILURES = frozenset({Unavailable.code, TimedOut.code})


def nothing_for_want_of_the_database(result: ExecutionResult) -> bool:
    """Every root field is null because the database was unavailable or too slow: the
    answer is no data (for UNAVAILABLE, HTTP 503 and Retry-After), not nulls that would read
    like "no such entry"."""
    if not result.data or not result.errors:
        return False
    failed = {
        error.path[0]
        for error in result.errors
        if error.path and (error.extensions or {}).get("code") in _DATABASE_FAILURES
    }
    return all(value is None for value in result.data.values()) and failed >= set(result.data)
