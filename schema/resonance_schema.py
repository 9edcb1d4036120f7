"""The schema's class: how an operation runs (a document seen before and valid the short
way, schema/prepared_execution.py, a subscription's stream too; any other through
Strawberry), and its errors coded and logged the one way schema/errors.py decides."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.types import ExecutionContext as StrawberryContext
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.aio import aclosing

from schema.errors import log_errors, nothing_for_want_of_the_database, with_code
from schema.prepared_execution import execute_prepared, stream_prepared

if TYPE_CHECKING:
    from schema.document_cache import Prepared
    from schema.limits import Limits


class ResonanceSchema(Schema):
    # Set by schema.build_schema: the documents' limits and cache, the time bound.
    limits: Limits | None = None
    deadline_seconds: float | None = None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """A document seen before and valid runs the short way (schema/prepared_execution.py),
        any other through Strawberry. Every error of a query or mutation gets its code here,
        those raised by an extension's hook (a cached parse failing, say) included."""
        result: ExecutionResult | None = None
        prepared = self._prepared(query, operation_extensions)
        if prepared is not None:
            result = await execute_prepared(
                self,
                prepared,
                variable_values,
                context_value,
                root_value,
                operation_name,
                _allowed(allowed_operation_types),
            )
        if result is None:
            result = await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        if result.errors:
            result.errors = [with_code(e) for e in result.errors]
            if nothing_for_want_of_the_database(result):
                result.data = None
        return result

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        """Strawberry's stream (subscriptions, and any operation over a WebSocket), each
        result's errors coded as it goes: a subscription's results leave before it ends. (An
        extension's `on_stream_result` did it, at the cost of wrapping its hook anew for every
        event of every subscriber.) A subscription of a document seen before and valid streams
        the short way (schema/prepared_execution.py)."""
        prepared = self._prepared(query, operation_extensions)
        if prepared is not None and OperationType.SUBSCRIPTION in _allowed(allowed_operation_types):
            streamed = stream_prepared(
                self, prepared, variable_values, context_value, root_value, operation_name
            )
            if streamed is not None:
                return streamed
        results = await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )
        return _coded(results)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: StrawberryContext | None = None
    ) -> None:
        log_errors(errors)

    def _prepared(
        self, query: str | None, operation_extensions: dict[str, Any] | None
    ) -> Prepared | None:
        """The document parsed and validated before, when it is valid and may run the short
        way (schema/prepared_execution.py)."""
        limits = self.limits
        prepared = limits.cache.get(query) if limits is not None and query else None
        if prepared is None or prepared.errors != [] or operation_extensions:
            return None
        return prepared


def _allowed(given: Iterable[OperationType] | None) -> Iterable[OperationType]:
    return DEFAULT_ALLOWED_OPERATION_TYPES if given is None else given


async def _coded(results: StreamResult) -> StreamResult:
    async with aclosing(results):
        async for result in results:
            errors = getattr(result, "errors", None)
            if errors:
                result.errors = [with_code(e) for e in errors]  # type: ignore[union-attr]
            yield result
