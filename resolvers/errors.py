"""Errors a client can branch on: each carries one of the contract's `extensions.code`s.

Anything else raised while resolving is unexpected: it is logged with its traceback and the
client sees only "Internal server error" with code INTERNAL (see server/errors.py).
"""

from __future__ import annotations


class ApiError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
