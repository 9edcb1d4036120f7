"""Execution by plans compiled once per operation (schema/execution_plan.py).

`CompiledExecutor` is graphql-core's executor (Strawberry passes it as `executor_class`)
whose `execute_operation` runs the operation's plan. It follows graphql-core's executor step
by step (Executor.execute_fields, execute_field, complete_value and the list, abstract and
object completions, in graphql-core 3.3): the same order of resolver calls, the same
gathering of awaitables, the same errors with their paths and locations, the same null
propagation. What it no longer does per field is the work a plan did once: collecting the
selection, looking the field up, building a `GraphQLResolveInfo` for fields that read an
attribute, coercing literal arguments, dispatching on the return type.

What plans do not do runs through graphql-core's generic execution, so nothing is refused
for being uncompiled: an abort signal, hooks, middleware, fragment arguments, an
`is_type_of` that is not Strawberry's, a list value that is not a list or tuple (an async
iterable, say), an operation whose plan would be too large. tests/differential holds both
executors to identical responses.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable
from types import CoroutineType
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationType,
    Undefined,
)
from graphql.execution.executor import Executor, invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from schema.execution_plan import (
    ABSTRACT,
    LEAF,
    LIST,
    OBJECT,
    Completion,
    FieldPlan,
    ObjectPlan,
    Plan,
    PlanCache,
)
from schema.gathering import gather_with_cancel
from schema.shared_events import SharedEvents

# The awaitables a plain attribute may hold, checked by type (_execute_field).
HELD_AWAITABLES = frozenset({asyncio.Task, asyncio.Future, CoroutineType})

Info = GraphQLResolveInfo[Any]

_caches: weakref.WeakKeyDictionary[GraphQLSchema, PlanCache] = weakref.WeakKeyDictionary()


def plan_cache(schema: GraphQLSchema) -> PlanCache:
    """The plans of one schema's operations."""
    cache = _caches.get(schema)
    if cache is None:
        cache = _caches[schema] = PlanCache()
    return cache


_UNPLANNED: Any = object()


class _PerEvent:
    __slots__ = ("arguments", "plan")

    def __init__(self) -> None:
        self.plan: Plan | None = _UNPLANNED
        self.arguments: dict[int, dict[str, Any]] = {}


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """Runs an operation by its plan; graphql-core runs what a plan does not cover."""

    # What every event of a subscription shares: its plan and its coerced arguments.
    _per_event: _PerEvent | None = None
    # This execution's arguments coerced from variables, by field plan (id).
    _arguments: dict[int, dict[str, Any]]

    def __copy__(self) -> CompiledExecutor:
        """What `copy.copy` makes, without its generic protocol: graphql-core copies the
        executor for every event of a subscription (build_per_event_executor). The copies
        run the same operation with the same variables: they share one plan and one set of
        coerced arguments, worked out by the first event."""
        if self._per_event is None:
            self._per_event = _PerEvent()
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def _plan(self) -> Plan | None:
        shared = self._per_event
        if shared is None:
            return self._find_plan()
        if shared.plan is _UNPLANNED:
            shared.plan = self._find_plan()
        return shared.plan

    def _find_plan(self) -> Plan | None:
        if (
            self.abort_signal is not None
            or self.hooks is not None
            or self.enable_early_execution
            or not self.error_propagation
            or (
                self.middleware_manager is not None
                and self.middleware_manager._middleware_resolvers is not None
            )
            or any(f.variable_signatures for f in self.fragments.values())
        ):
            return None
        try:
            return plan_cache(self.schema).plan(
                self.schema,
                self.fragments,
                self.variable_values,
                self.operation,
                self.hide_suggestions,
            )
        except RecursionError:
            return None

    def execute_operation(self, serially: bool | None = None) -> Any:
        """graphql-core's execute_operation, running the plan's root fields."""
        plan = self._plan()
        if plan is None:
            return super().execute_operation(serially)
        shared = self._per_event
        self._arguments = {} if shared is None else shared.arguments
        try:
            if serially is None:
                serially = self.operation.operation == OperationType.MUTATION
            execute = self._execute_serially if serially else self._execute_fields
            result = execute(plan.root, self.root_value, None)
            if self.is_awaitable(result):
                return self._await_operation(result)
            data = result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self._response(None))
        return self.finish(self._response(data))

    async def _await_operation(self, result: Awaitable[dict[str, Any]]) -> Any:
        try:
            data = await result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self._response(None)
        except Exception:
            await self.cancel_incremental_work()
            self.run_async_work_finished_hook()
            raise
        return self._response(data)

    def _response(self, data: dict[str, Any] | None) -> ExecutionResult:
        """build_response for a plan's execution: a plan never defers or streams (it refuses
        @defer and @stream), so there is no incremental work to look for, on every event of
        every subscriber."""
        self.run_async_work_finished_hook()
        return ExecutionResult(data, self.collected_errors.errors or None)

    # Selection sets

    def _execute_fields(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        """Executor.execute_fields: every field, then the awaitable ones gathered (the
        plan's code, schema/plan_code.py)."""
        return plan.run(self, source, path)  # type: ignore[misc]

    async def _gather(self, results: Any, keys: list[Any]) -> Any:
        """The awaitables at `keys` of an object's results (a dict) or a list's (a list)
        replaced by their values, awaited together as graphql-core awaits them."""
        if len(keys) == 1:
            key = keys[0]
            results[key] = await results[key]
        else:
            awaited = await gather_with_cancel(results[key] for key in keys)
            for key, value in zip(keys, awaited, strict=True):
                results[key] = value
        return results

    def _execute_serially(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        """Executor.execute_fields_serially: each field once the one before it is done."""
        results: dict[str, Any] = {}
        fields = iter(plan.fields)
        for field in fields:
            result = self._execute_field(field, source, Path(path, field.key, plan.name))
            if self.is_awaitable(result):
                return self._continue_serially(results, field, result, fields, plan, source, path)
            results[field.key] = result
        return results

    async def _continue_serially(
        self,
        results: dict[str, Any],
        field: FieldPlan,
        result: Awaitable[Any],
        fields: Any,
        plan: ObjectPlan,
        source: Any,
        path: Path | None,
    ) -> dict[str, Any]:
        results[field.key] = await result
        for field in fields:
            value = self._execute_field(field, source, Path(path, field.key, plan.name))
            if self.is_awaitable(value):
                value = await value
            results[field.key] = value
        return results

    # Fields

    def _execute_field(self, field: FieldPlan, source: Any, path: Path) -> Any:
        """Executor.execute_field, reading an attribute or a constant with no info."""
        info: Info | None = None
        try:
            if field.attribute is not None:
                result = getattr(source, field.attribute)
                # An attribute may hold a task (a page's hasPreviousPage, read when asked:
                # resolvers/pagination.Page), a future or a coroutine; by its type alone, as
                # most values here are objects, for which is_awaitable is slow.
                if type(result) in HELD_AWAITABLES:
                    return self._complete_awaited(field, field.completion, info, path, result)
            elif field.typename is not None:
                result = field.typename
            else:
                info = self._info(field, path)
                args = field.args
                literal = args is not None
                if args is None:
                    args = self._arguments_of(field)
                direct = field.direct
                if direct is not None:
                    result = direct(source, info, args, literal)
                else:
                    resolve = field.resolve or self.field_resolver
                    result = resolve(source, info, **args)
                if self.is_awaitable(result):
                    return self._complete_awaited(field, field.completion, info, path, result)
            completed = self._complete(field, field.completion, info, path, result)
            if self.is_awaitable(completed):
                return self._await_completed(field, field.completion, path, completed)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.return_type, field.details, path)
            return None
        return completed

    def _info(self, field: FieldPlan, path: Path) -> Info:
        return self.build_resolve_info(field.field_def, field.nodes, field.parent_type, path)

    def _arguments_of(self, field: FieldPlan) -> dict[str, Any]:
        """The field's arguments from this request's variables, coerced once per request (a
        failure is not kept: each place reports its own error)."""
        args = self._arguments.get(id(field))
        if args is None:
            args = get_argument_values(
                field.field_def, field.nodes[0], self.variable_values, None, self.hide_suggestions
            )
            self._arguments[id(field)] = args
        return args

    async def _await_completed(
        self, field: FieldPlan, completion: Completion, path: Path, completed: Awaitable[Any]
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, completion.full_type, field.details, path)
            return None

    # Values

    def _complete(
        self,
        field: FieldPlan,
        completion: Completion,
        info: Info | None,
        path: Path,
        result: Any,
    ) -> Any:
        """Executor.complete_value, its dispatch on the type made by the plan."""
        if isinstance(result, Exception):
            raise result
        if result is None or result is Undefined:
            if completion.non_null:
                raise TypeError(field.null_message)
            return None
        kind = completion.kind
        if kind == LEAF:
            if type(result) is completion.same_type is str:
                return result
            coerced = completion.serialize(result)  # type: ignore[misc]
            if coerced is None or coerced is Undefined:
                Executor.complete_leaf_value(completion.type, result)  # raises its error
            return coerced
        if kind == OBJECT:
            return self._complete_object(field, completion.object_plan, info, path, result)  # type: ignore[arg-type]
        if kind == LIST:
            return self._complete_list(field, completion, info, path, result)
        if kind == ABSTRACT:
            return self._complete_abstract(field, completion, info, path, result)
        raise TypeError(f"unknown completion {kind}")  # pragma: no cover

    def _complete_object(
        self,
        field: FieldPlan,
        plan: ObjectPlan,
        info: Info | None,
        path: Path,
        result: Any,
    ) -> Any:
        """Executor.complete_object_value with Strawberry's is_type_of (which takes no info)."""
        is_type_of = plan.is_type_of
        if is_type_of is not None and not is_type_of(result, info):
            raise invalid_return_type_error(plan.type, result, field.details)
        return self._execute_fields(plan, result, path)

    def _complete_list(
        self,
        field: FieldPlan,
        completion: Completion,
        info: Info | None,
        path: Path,
        result: Any,
    ) -> Any:
        """Executor.complete_iterable_value for a list or tuple; graphql-core completes any
        other value (an async iterable, a generator, something not iterable)."""
        if type(result) is not list and type(result) is not tuple:
            if info is None:
                info = self._info(field, path)
            return self.complete_list_value(
                completion.type, field.details, info, path, result, None
            )
        item = completion.item
        assert item is not None
        # Objects (a page's nodes): their plan run in place, as _complete_object would.
        plan = item.object_plan
        run = plan.run if plan is not None else None
        is_type_of = plan.is_type_of if plan is not None else None
        origin = plan.origin if plan is not None else None
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, value in enumerate(result):
                if is_awaitable(value):
                    item_path = Path(path, index, None)
                    completed.append(self._complete_awaited(field, item, info, item_path, value))
                    awaitable_indices.append(index)
                    continue
                try:
                    if (
                        run is not None
                        and value is not None
                        and (
                            is_type_of is None
                            or (
                                type(value) is origin
                                and getattr(value, TYPE_CAST_ATTRIBUTE, None) is None
                            )
                            or is_type_of(value, info)
                        )
                    ):
                        # The item's path as a tuple (plan_code.as_path): a Path for
                        # nothing, twenty times a page, unless an error asks for it.
                        done = run(self, value, (path, index, None))
                        awaitable = type(done) is not dict  # its dict, or an awaitable
                    else:
                        done = self._complete(field, item, info, Path(path, index, None), value)
                        awaitable = is_awaitable(done)
                    if awaitable:
                        item_path = Path(path, index, None)
                        completed.append(self._await_completed(field, item, item_path, done))
                        awaitable_indices.append(index)
                    else:
                        completed.append(done)
                except Exception as raw_error:
                    item_path = Path(path, index, None)
                    self.handle_field_error(raw_error, item.full_type, field.details, item_path)
                    completed.append(None)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed[index] for index in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed
        return self._gather(completed, awaitable_indices)

    async def _complete_awaited(
        self,
        field: FieldPlan,
        completion: Completion,
        info: Info | None,
        path: Path,
        value: Any,
    ) -> Any:
        """Executor.complete_awaitable_value, and complete_awaitable_list_item_value for a
        list's item (its completion is the item's)."""
        try:
            resolved = await value
            completed = self._complete(field, completion, info, path, resolved)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, completion.full_type, field.details, path)
            return None
        return completed

    def _complete_abstract(
        self,
        field: FieldPlan,
        completion: Completion,
        info: Info | None,
        path: Path,
        result: Any,
    ) -> Any:
        """Executor.complete_abstract_value, each possible type with its own plan."""
        if info is None:
            info = self._info(field, path)
        abstract = completion.type
        resolve_type = abstract.resolve_type or self.type_resolver
        runtime_type = resolve_type(result, info, abstract)
        if self.is_awaitable(runtime_type):
            return self._complete_awaited_type(field, completion, info, path, result, runtime_type)
        object_type = self.ensure_valid_runtime_type(
            runtime_type, abstract, field.details, info, result
        )
        plan = completion.possible[object_type.name]
        return self._complete_object(field, plan, info, path, result)

    async def _complete_awaited_type(
        self,
        field: FieldPlan,
        completion: Completion,
        info: Info,
        path: Path,
        result: Any,
        runtime_type: Awaitable[Any],
    ) -> Any:
        object_type = self.ensure_valid_runtime_type(
            await runtime_type, completion.type, field.details, info, result
        )
        value = self._complete_object(
            field, completion.possible[object_type.name], info, path, result
        )
        if self.is_awaitable(value):
            return await value
        return value


class CompiledSharedEventExecutor(SharedEvents, CompiledExecutor):
    """The compiled executor, sharing events' results."""
