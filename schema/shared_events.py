"""One execution per committed change for all the subscribers who asked the same thing.

A thousand subscribers of a popular entry cost one execution per change, plus a thousand
messages. Three steps make it so:

1. The broker hands every mailbox of a row the same `Change` object for one notification
   (db/listen.py).
2. `event_of` makes one event object of it for all of them, kept on the change; a snapshot,
   read per subscriber, makes its own.
3. `SharedEventExecutor`: subscribers who sent the same document with the same variables
   would each run the same selection set over that event and get the same data, so the
   first one runs it and the others reuse its result.

Only event types marked `SharedEvent` are shared, and what makes that safe is the marker's
rule: every field is plain data of the change, so no answer depends on who is asking (a test
holds the marked types to it). A snapshot is never shared; neither is a result with errors.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from graphql import ExecutionResult, OperationDefinitionNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from db.counts import Counts
from db.listen import Change

# The operation node is kept beside its result: ids are only compared while it is alive.
Shared = tuple[OperationDefinitionNode, ExecutionResult]
_RESULTS = "_shared_results"
_KEY = "_sharing_key_of_operation"
Event = TypeVar("Event")


def event_of(counts: Counts, make: Callable[[Counts], Event]) -> Event:
    """`make(counts)`, made once per committed change for all the subscribers of its row
    (the broker hands them one Change); a snapshot is each subscriber's own."""
    if not isinstance(counts, Change):
        return make(counts)
    event: Event | None = counts.derived.get(make)
    if event is None:
        event = counts.derived[make] = make(counts)
    return event


class SharedEvent:
    """An event type whose fields are all plain values of the change, the same for every
    viewer: no resolver, no arguments. Its results may be shared by all subscribers."""

    def shared_results(self) -> dict[Hashable, Shared]:
        """This event's results by (operation, variables), kept as long as the event is."""
        results: dict[Hashable, Shared] | None = self.__dict__.get(_RESULTS)
        if results is None:
            results = self.__dict__[_RESULTS] = {}
        return results


class SharedEvents(StrawberryGraphQLCoreExecutionContext):
    """An executor that reuses a shared event's result for the same operation: put before the
    executor whose `execute_operation` it wraps."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        event = self.root_value
        shared = self.shared_result(event)
        if shared is not None:
            return shared
        result = super().execute_operation(serially)
        if isinstance(event, SharedEvent):  # every query and mutation: nothing to share
            key = self._sharing_key()
            if key is not None and isinstance(result, ExecutionResult) and not result.errors:
                event.shared_results()[key] = (self.operation, result)
        return result

    def shared_result(self, event: Any) -> ExecutionResult | None:
        """The result a subscriber of the same operation left on `event`: looked up here, and
        before an executor is made for a subscriber's event (schema/prepared_execution.py)."""
        if not isinstance(event, SharedEvent):
            return None
        key = self._sharing_key()
        shared = None if key is None else event.shared_results().get(key)
        if shared is not None and shared[0] is self.operation:
            return shared[1]
        return None

    def _sharing_key(self) -> Hashable | None:
        """The operation and its variables; None when a variable's value is not hashable.
        Worked out once per subscription: each event's executor is a copy of its own."""
        try:
            return self.__dict__[_KEY]  # type: ignore[no-any-return]
        except KeyError:
            pass
        variables = tuple(sorted(self.variable_values.coerced.items()))
        try:
            hash(variables)
            key: Hashable | None = (id(self.operation), variables)
        except TypeError:
            key = None
        self.__dict__[_KEY] = key
        return key


class SharedEventExecutor(SharedEvents, StrawberryGraphQLCoreExecutionContext):
    """graphql-core's generic execution, sharing events' results."""
