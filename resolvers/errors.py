"""Errors a client can branch on: each class is one of the schema's `extensions.code`s.

Raise these; schema/errors.py decides how every error reaches the client (its code, message
and extensions, and over HTTP its status), whichever way it leaves. Anything else raised
while resolving is unexpected: it is logged with its traceback and the client sees only
"Internal server error" with code INTERNAL.
"""

from __future__ import annotations

from math import ceil


class ApiError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, **extensions: object) -> None:
        """`extensions` are extra fields a client can act on (a limit's `max`, say), sent
        beside the code."""
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class NotFound(ApiError):
    code = "NOT_FOUND"


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


class Conflict(ApiError):
    code = "CONFLICT"


class _Retriable(ApiError):
    """Try again later: `retryAfter` says in how many whole seconds."""

    def __init__(self, message: str, retry_after: float, **extensions: object) -> None:
        super().__init__(message, retryAfter=max(1, ceil(retry_after)), **extensions)


class RateLimited(_Retriable):
    code = "RATE_LIMITED"


class Unavailable(_Retriable):
    """The database cannot be reached (an outage, a restart): nothing was done."""

    code = "UNAVAILABLE"


class TimedOut(ApiError):
    """The request, or one of its statements, ran past its time bound."""

    code = "TIMEOUT"


class PersistedQueryNotFound(ApiError):
    """Apollo's automatic persisted queries: the hash names no query this server keeps; the
    client sends it again with the query."""

    code = "PERSISTED_QUERY_NOT_FOUND"


class PersistedQueryNotSupported(ApiError):
    """Apollo's automatic persisted queries are off here: the client stops sending hashes."""

    code = "PERSISTED_QUERY_NOT_SUPPORTED"
