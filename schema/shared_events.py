"""One execution per committed change for all the subscribers who asked the same thing.

A change reaches every subscriber of its row as one event object (`event_of` in
resolvers/subscriptions.py). Subscribers who sent the same document with the same variables
would each run the same selection set over it and get the same data: the first one runs it,
the others reuse its result. A thousand subscribers of a popular entry cost one execution
per change, plus a thousand messages.

Only event types marked `SharedEvent` are shared, and what makes that safe is the marker's
rule: every field is plain data of the change, so no answer depends on who is asking (a test
holds the marked types to it). A snapshot is read per subscriber and never shared; neither
is a result with errors.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from graphql import ExecutionResult, OperationDefinitionNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# The operation node is kept beside its result: ids are only compared while it is alive.
Shared = tuple[OperationDefinitionNode, ExecutionResult]
_RESULTS = "_shared_results"


class SharedEvent:
    """An event type whose fields are all plain values of the change, the same for every
    viewer: no resolver, no arguments. Its results may be shared by all subscribers."""

    def shared_results(self) -> dict[Hashable, Shared]:
        """This event's results by (operation, variables), kept as long as the event is."""
        results: dict[Hashable, Shared] | None = self.__dict__.get(_RESULTS)
        if results is None:
            results = self.__dict__[_RESULTS] = {}
        return results


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, reusing a shared event's result for the same operation."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        event = self.root_value
        if not isinstance(event, SharedEvent):  # every query and mutation: nothing to share
            return super().execute_operation(serially)
        key = self._sharing_key()
        if key is None:
            return super().execute_operation(serially)
        results = event.shared_results()
        shared = results.get(key)
        if shared is not None and shared[0] is self.operation:
            return shared[1]
        result = super().execute_operation(serially)
        if isinstance(result, ExecutionResult) and not result.errors:
            results[key] = (self.operation, result)
        return result

    def _sharing_key(self) -> Hashable | None:
        """The operation and its variables; None when a variable's value is not hashable."""
        variables = tuple(sorted(self.variable_values.coerced.items()))
        try:
            hash(variables)
        except TypeError:
            return None
        return (id(self.operation), variables)
