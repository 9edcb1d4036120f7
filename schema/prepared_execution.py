"""Queries and mutations of a document parsed and validated before, run without Strawberry's
per-request pipeline.

For every operation Strawberry makes the schema's extensions anew, wraps each of their hooks
in a context manager and builds its execution context: for a cached `{ __typename }` that is
a third of the server's CPU. A client sends the same few documents again and again, and for
one already in the document cache (schema/document_cache.py) and valid the steps are few,
and these are the same steps the extensions take: pick the operation, admit it (its cost
and the client's rate budget: `Limits.admit`), run it by graphql-core with the schema's
executor within the deadline (`deadline.within`), and hand what it raised to the schema's
error handling as Strawberry does. Anything else (a document not seen before, or not valid,
a subscription, an operation the transport does not allow or the document does not hold)
goes through Strawberry as before, which answers it as it always did.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from graphql import ExecutionResult as CoreResult
from graphql import GraphQLError, OperationDefinitionNode, execute
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from schema.deadline import within
from schema.document_cache import Prepared

if TYPE_CHECKING:
    from schema.resonance_schema import ResonanceSchema


def operation_of(prepared: Prepared, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation graphql-core would run; None when it would refuse (none, or several and
    no name)."""
    found: OperationDefinitionNode | None = None
    for definition in prepared.document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is None:
            if found is not None:
                return None
            found = definition
        elif definition.name is not None and definition.name.value == operation_name:
            return definition
    return found


async def execute_prepared(
    schema: ResonanceSchema,
    prepared: Prepared,
    variables: dict[str, Any] | None,
    context: Any,
    root_value: Any,
    operation_name: str | None,
    allowed: Iterable[OperationType],
) -> ExecutionResult | None:
    """The operation's result; None when Strawberry's pipeline must run it."""
    operation = operation_of(prepared, operation_name)
    if operation is None:
        return None
    kind = OperationType(operation.operation.value)
    if kind is OperationType.SUBSCRIPTION or kind not in allowed:
        return None
    limits = schema.limits
    assert limits is not None
    try:
        refused = await limits.admit(prepared, operation_name, variables, context)
        if refused is not None:
            return _failed(schema, refused)
        if schema.deadline_seconds:
            async with within(schema.deadline_seconds, operation_name):
                result = await run_operation(
                    schema, prepared, variables, context, root_value, operation_name
                )
        else:
            result = await run_operation(
                schema, prepared, variables, context, root_value, operation_name
            )
    except Exception as error:
        return _failed(schema, error)
    if result.errors:
        schema.process_errors(result.errors)
    return ExecutionResult(data=result.data, errors=result.errors, extensions={})


async def run_operation(
    schema: ResonanceSchema,
    prepared: Prepared,
    variables: dict[str, Any] | None,
    context: Any,
    root_value: Any,
    operation_name: str | None,
) -> CoreResult:
    """graphql-core runs the operation with the schema's executor."""
    result = execute(
        schema._schema,
        prepared.document,
        root_value=root_value,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        executor_class=schema.execution_context_class,
        operation_extensions=None,
    )
    if isinstance(result, CoreResult):
        return result
    return await result


def _failed(schema: ResonanceSchema, error: Exception) -> ExecutionResult:
    """An operation that did not run, or raised: its one error, logged as Strawberry would."""
    if not isinstance(error, GraphQLError):
        error = GraphQLError(str(error), original_error=error)
    schema.process_errors([error])
    return ExecutionResult(data=None, errors=[error], extensions={})
