"""Every query the test suite sends runs through both executors (issue 13), and must answer
the same: a pytest plugin, registered by tests/conftest.py.

Where it hooks: the two calls a query goes through once parsed, validated, costed and
charged, whatever brought it (HTTP, a WebSocket's query, a test calling `schema.execute`):
Strawberry's `Schema._execute_operation` for a document the schema sees for the first time
or cannot run the short way, `schema.prepared_execution.run_operation` for one it has
prepared before. After the compiled executor (the schema's own,
`build_schema(compiled=True)`) has answered, the same validated document, raw variables,
operation name, root value and middleware run through graphql-core's `execute` with the
reference executor (`compiled=False`'s), on a fresh copy of the context (fresh dataloaders,
the same viewer and pool): no second parse, cost check or rate budget charge. Its
statements are neither counted nor captured (db.pool.statements_unseen), so the
statement-count tests see only the request's own.

Both answers are compared after our error coding (schema.errors.with_code): data exactly,
key order included, and errors as a multiset (message, locations, path, extensions): the
order in which sibling async fields fail follows I/O timing, in graphql-core too. A
mismatch fails the test that sent the query, with both answers and a diff.

Not compared: mutations and subscriptions (running one twice is not running it once);
answers holding TIMEOUT or UNAVAILABLE (the reference's run could go either way); a schema
built with `compiled=False` (it is the reference). `pytest --no-differential-shadow` turns
the plugin off (to time the suite without it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
import json
from collections.abc import Awaitable, Callable, Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from inspect import isawaitable
from types import SimpleNamespace
from typing import Any, cast

import pytest
from graphql import ExecutionResult, GraphQLError, OperationType, execute
from graphql.utilities import get_operation_ast
from strawberry.execution import optimized_is_awaitable

from db.pool import statements_unseen
from resolvers.context import Context
from resolvers.errors import TimedOut, Unavailable
from schema import prepared_execution
from schema.compiled_executor import CompiledExecutor
from schema.document_cache import Prepared
from schema.errors import with_code
from schema.resonance_schema import ResonanceSchema
from schema.shared_events import SharedEventExecutor

# The answers the reference's run could legitimately differ on.
UNREPEATABLE_CODES = frozenset({TimedOut.code, Unavailable.code})
# A reference run still going after this long is reported, not waited for.
REFERENCE_TIMEOUT_SECONDS = 30.0

_enabled: ContextVar[bool] = ContextVar("differential_shadow", default=True)


@dataclasses.dataclass
class Tally:
    """What the shadow did this session, for the terminal summary."""

    compared: int = 0
    differed: int = 0
    skipped: int = 0
    mismatches: list[str] = dataclasses.field(default_factory=list)


TALLY = Tally()


@contextmanager
def shadow_off() -> Iterator[None]:
    """Queries run while inside are not shadowed: tests that run both executors themselves."""
    token = _enabled.set(False)
    try:
        yield
    finally:
        _enabled.reset(token)


# --- comparing two answers ---------------------------------------------------------------


def _ordered(value: Any) -> Any:
    """The value with every object as a list of its (key, value) pairs: == then compares key
    order too, as a response's fields have the order of the document."""
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


def _error_key(error: dict[str, Any]) -> str:
    return json.dumps(error, sort_keys=True, default=repr)


def response(data: Any, errors: list[GraphQLError] | None) -> dict[str, Any]:
    """An answer as the client reads it: data, and errors coded (schema.errors.with_code) and
    formatted, in a canonical order."""
    body: dict[str, Any] = {"data": data}
    if errors:
        formatted = [dict(with_code(error).formatted) for error in errors]
        body["errors"] = sorted(formatted, key=_error_key)
    return body


def _pretty(body: dict[str, Any]) -> str:
    return json.dumps(body, indent=1, default=repr, ensure_ascii=False)


def difference(
    compiled: dict[str, Any], reference: dict[str, Any], *, what: str = ""
) -> str | None:
    """None when both answers are identical (data with its key order, errors as a set);
    else a report with what was run and a diff from the reference to the compiled answer."""
    if _ordered(compiled) == _ordered(reference):
        return None
    diff = difflib.unified_diff(
        _pretty(reference).splitlines(),
        _pretty(compiled).splitlines(),
        "reference (graphql-core)",
        "compiled",
        lineterm="",
        n=4,
    )
    return f"{what}\n" + "\n".join(diff)


def _has_unrepeatable_code(body: dict[str, Any]) -> bool:
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors", ())}
    return bool(codes & UNREPEATABLE_CODES)


# --- the shadow run ----------------------------------------------------------------------


def fresh(context: Any) -> Any:
    """A copy of the request's context with nothing cached: its own dataloaders, the same
    viewer, pool and broker."""
    if isinstance(context, Context):
        return dataclasses.replace(context)
    return context


async def reference_result(
    schema: ResonanceSchema,
    execution_context: Any,
    middleware: Any,
    custom_context_kwargs: dict[str, Any],
) -> ExecutionResult:
    """The operation of a Strawberry execution context, run again by graphql-core's generic
    execution, its statements unseen."""
    with statements_unseen():
        result = execute(
            schema._schema,
            execution_context.graphql_document,
            root_value=execution_context.root_value,
            context_value=fresh(execution_context.context),
            variable_values=execution_context.variables,
            operation_name=execution_context.operation_name,
            middleware=middleware,
            is_awaitable=cast(Any, optimized_is_awaitable),
            executor_class=SharedEventExecutor,
            **custom_context_kwargs,
        )
        if isawaitable(result):
            async with asyncio.timeout(REFERENCE_TIMEOUT_SECONDS):
                result = await result
    assert isinstance(result, ExecutionResult)
    return result


def _what(execution_context: Any) -> str:
    variables = json.dumps(execution_context.variables, default=repr, ensure_ascii=False)
    context = execution_context.context
    viewer = getattr(context, "viewer", None)
    return (
        "the compiled executor and the reference answered differently\n"
        f"document:\n{execution_context.query}\n"
        f"operationName: {execution_context.operation_name!r}  variables: {variables}"
        f"  viewer: {viewer!r}"
    )


async def _shadow(
    schema: ResonanceSchema,
    execution_context: Any,
    middleware: Any,
    custom_context_kwargs: dict[str, Any],
    result: ExecutionResult,
) -> None:
    document = execution_context.graphql_document
    operation = get_operation_ast(document, execution_context.operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        TALLY.skipped += 1
        return
    compiled = response(result.data, result.errors)
    if _has_unrepeatable_code(compiled):
        TALLY.skipped += 1
        return
    try:
        reference = await reference_result(
            schema, execution_context, middleware, custom_context_kwargs
        )
    except TimeoutError:
        TALLY.differed += 1
        TALLY.mismatches.append(
            f"{_what(execution_context)}\nthe reference was still running after "
            f"{REFERENCE_TIMEOUT_SECONDS:g} s"
        )
        return
    TALLY.compared += 1
    found = difference(
        compiled, response(reference.data, reference.errors), what=_what(execution_context)
    )
    if found is not None:
        TALLY.differed += 1
        TALLY.mismatches.append(found)


ExecuteOperation = Callable[..., Awaitable[Any]]


def _compared(schema: ResonanceSchema, result: object) -> bool:
    """Whether a result is one to run again through the reference: the shadow is on and the
    schema's executor is the compiled one."""
    compiled = schema.execution_context_class
    return (
        _enabled.get()
        and isinstance(result, ExecutionResult)
        and isinstance(compiled, type)
        and issubclass(compiled, CompiledExecutor)
    )


def _shadowing(original: ExecuteOperation) -> ExecuteOperation:
    async def _execute_operation(
        self: ResonanceSchema,
        execution_context: Any,
        extensions_runner: Any,
        middleware_manager: Any,
        execute_function: Any,
        custom_context_kwargs: dict[str, Any],
    ) -> Any:
        result = await original(
            self,
            execution_context,
            extensions_runner,
            middleware_manager,
            execute_function,
            custom_context_kwargs,
        )
        if _compared(self, result):
            await _shadow(
                self, execution_context, middleware_manager, custom_context_kwargs, result
            )
        return result

    return _execute_operation


def _shadowing_prepared(original: ExecuteOperation) -> ExecuteOperation:
    async def run_operation(
        schema: ResonanceSchema,
        prepared: Prepared,
        variables: dict[str, Any] | None,
        context: Any,
        root_value: Any,
        operation_name: str | None,
    ) -> Any:
        result = await original(schema, prepared, variables, context, root_value, operation_name)
        if _compared(schema, result):
            document = prepared.document
            seen = SimpleNamespace(
                graphql_document=document,
                query=document.loc.source.body if document.loc else None,
                operation_name=operation_name,
                root_value=root_value,
                context=context,
                variables=variables,
            )
            await _shadow(schema, seen, None, {}, result)
        return result

    return run_operation


# --- the plugin ----------------------------------------------------------------------------

OPTION = "--no-differential-shadow"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        action="store_true",
        help="do not run every query the tests send through the reference executor too",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption(OPTION):
        return
    original = ResonanceSchema._execute_operation
    ResonanceSchema._execute_operation = _shadowing(original)  # type: ignore[method-assign, assignment]
    prepared_execution.run_operation = _shadowing_prepared(prepared_execution.run_operation)  # type: ignore[assignment]


def _fail_on_mismatch() -> Generator[None, object, object]:
    TALLY.mismatches.clear()
    try:
        outcome = yield
    finally:
        found, TALLY.mismatches[:] = list(TALLY.mismatches), []
    if found:
        more = f"\n({len(found) - 1} more)" if len(found) > 1 else ""
        pytest.fail(found[0] + more, pytrace=False)
    return outcome


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _fail_on_mismatch())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _fail_on_mismatch())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _fail_on_mismatch())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if config.getoption(OPTION) or not (TALLY.compared or TALLY.skipped):
        return
    terminalreporter.write_line(
        f"differential shadow: {TALLY.compared} queries run by both executors,"
        f" {TALLY.differed} answered differently (tests provoking it on purpose included);"
        f" {TALLY.skipped} operations not compared"
        " (mutations, subscriptions, TIMEOUT or UNAVAILABLE)"
    )
