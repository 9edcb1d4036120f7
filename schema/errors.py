"""Every error a client sees carries `extensions.code`; unexpected ones are masked and logged.

- An ApiError (resolvers/errors.py) keeps its message and code.
- A document that does not parse or validate, variables of the wrong type, or an operation
  that cannot be picked (an unknown operationName, no query) are the client's to fix:
  BAD_USER_INPUT, with graphql-core's (or Strawberry's) message.
- Anything else is a bug or an outage: the client sees "Internal server error" with code
  INTERNAL, no stack trace and no SQL; the server logs it with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import StreamExecutionResult

from resolvers.errors import ApiError

logger = logging.getLogger("resonance.errors")

INTERNAL_MESSAGE = "Internal server error"

# What Strawberry raises for an operation it cannot pick or run (over a WebSocket these reach
# the client as errors): the client's mistakes, not ours.
CLIENT_MISTAKES = (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError)


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(
        original, (ApiError, GraphQLError, *CLIENT_MISTAKES)
    )


def with_code(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it."""
    original = error.original_error
    extra: dict[str, object] = {}
    if isinstance(original, ApiError):
        message, code, extra = original.message, original.code, original.extensions
    elif is_unexpected(error):
        message, code = INTERNAL_MESSAGE, "INTERNAL"
    elif error.extensions and "code" in error.extensions:
        return error
    else:
        message, code = error.message, "BAD_USER_INPUT"
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), **extra, "code": code},
    )


def error_result(error: ApiError) -> GraphQLError:
    """A whole-operation error (a bad token, say) raised before execution starts."""
    return GraphQLError(error.message, extensions={**error.extensions, "code": error.code})


class ErrorCodes(SchemaExtension):
    """Codes the results of subscriptions (queries and mutations: ResonanceSchema.execute)."""

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """A subscription's results leave before its operation ends: each is coded as it
        goes (a document that does not parse or validate, say)."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [with_code(e) for e in errors]  # type: ignore[union-attr]
        yield


class ResonanceSchema(Schema):
    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Every error of a query or mutation gets its code here, those raised by an
        extension's hook (a cached parse failing, say) included."""
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = [with_code(e) for e in result.errors]
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what is unexpected, with its traceback; a client's mistake is not news."""
        for error in errors:
            if is_unexpected(error):
                original = error.original_error
                assert original is not None
                logger.error(
                    "unexpected error at %s: %s",
                    ".".join(map(str, error.path or [])) or "<operation>",
                    original,
                    exc_info=(type(original), original, original.__traceback__),
                )
