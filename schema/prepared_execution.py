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
an operation the transport does not allow or the document does not hold) goes through
Strawberry as before, which answers it as it always did.

A subscription of such a document streams the short way too (`stream_prepared`): admitted
once, its source stream made by graphql-core with the schema's executor, and each event's
result handed on as it is, its errors coded and logged. Strawberry's stream wraps every event
of every subscriber in its extensions' hooks and results (none of ours has any for an event),
and that was a third of the server's CPU per event.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from graphql import ExecutionResult as CoreResult
from graphql import Executor, GraphQLError, OperationDefinitionNode, execute
from graphql.execution import create_source_event_stream
from graphql.execution.async_iterables import aclosing as core_aclosing
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from db.listen import EXPRESS
from schema.deadline import within
from schema.document_cache import Prepared
from schema.errors import with_code
from schema.shared_events import SharedEvents

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


def stream_prepared(
    schema: ResonanceSchema,
    prepared: Prepared,
    variables: dict[str, Any] | None,
    context: Any,
    root_value: Any,
    operation_name: str | None,
) -> AsyncGenerator[ExecutionResult, None] | None:
    """A subscription's results, as Strawberry's stream would give them (a refusal, or
    errors before the stream starts, as one PreExecutionError); None when the operation is
    not a subscription, or Strawberry must pick it."""
    operation = operation_of(prepared, operation_name)
    if operation is None or operation.operation.value != OperationType.SUBSCRIPTION.value:
        return None
    return _subscription(schema, prepared, variables, context, root_value, operation_name)


async def _subscription(
    schema: ResonanceSchema,
    prepared: Prepared,
    variables: dict[str, Any] | None,
    context: Any,
    root_value: Any,
    operation_name: str | None,
) -> AsyncGenerator[ExecutionResult, None]:
    limits = schema.limits
    assert limits is not None
    try:
        refused = await limits.admit(prepared, operation_name, variables, context)
        if refused is not None:
            yield _refused(schema, [refused])
            return
        built = schema.execution_context_class.build(
            schema._schema,
            prepared.document,
            root_value,
            context,
            variables,
            operation_name,
        )
        if isinstance(built, list):  # variables that do not coerce
            yield _refused(schema, built)
            return
        executor = built
        source: Any = create_source_event_stream(executor)
        if optimized_is_awaitable(source):
            source = await source
    except Exception as error:
        yield _refused(schema, [_graphql_error(error)])
        return
    if isinstance(source, CoreResult):  # the subscription's resolver raised, say
        yield _refused(schema, source.errors or [])
        return
    express = EXPRESS.get()
    if express is not None:
        express.result = partial(_result_at_once, executor)
    async with core_aclosing(source) as payloads:
        try:
            async for payload in payloads:
                event = _event_result(executor, payload)
                if not isinstance(event, CoreResult):
                    event = await event
                errors = event.errors
                if errors:
                    schema.process_errors(errors)
                    errors = [with_code(e) for e in errors]
                yield ExecutionResult(data=event.data, errors=errors, extensions={})
        except Exception as error:  # the source stream ended with an error: its last result
            failure = _graphql_error(error)
            schema.process_errors([failure])
            yield ExecutionResult(data=None, errors=[with_code(failure)], extensions={})


def _event_result(executor: Executor[Any], payload: Any) -> Any:
    """graphql-core's ExecuteSubscriptionEvent for one payload (its map_source_to_response_event
    without the generator and the callback around it); a shared event's result another
    subscriber's execution left on it, with no executor made for this one."""
    if isinstance(executor, SharedEvents):
        shared = executor.shared_result(payload)
        if shared is not None:
            return shared
    return executor.build_per_event_executor(payload).execute_operation(False)


def _result_at_once(executor: Executor[Any], event: Any) -> CoreResult | None:
    """The event's result, when it is one of data alone had at once (a shared one, or a plan
    run with nothing to await), for its message to be written in the broker's turn
    (db.listen.Express); None: the subscription's own loop answers it, errors and all."""
    result = _event_result(executor, event)
    if not isinstance(result, CoreResult):
        close = getattr(result, "close", None)
        if close is not None:  # a coroutine never to be awaited
            close()
        return None
    return None if result.errors else result


def _refused(schema: ResonanceSchema, errors: list[GraphQLError]) -> PreExecutionError:
    schema.process_errors(errors)
    return PreExecutionError(data=None, errors=[with_code(e) for e in errors], extensions={})


def _graphql_error(error: Exception) -> GraphQLError:
    if isinstance(error, GraphQLError):
        return error
    return GraphQLError(str(error), original_error=error)


def _failed(schema: ResonanceSchema, error: Exception) -> ExecutionResult:
    """An operation that did not run, or raised: its one error, logged as Strawberry would."""
    failure = _graphql_error(error)
    schema.process_errors([failure])
    return ExecutionResult(data=None, errors=[failure], extensions={})
