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

Only event types marked `SharedEvent` are shared, and only an operation whose selection reaches
nothing but plain data of the change (`reaches_only_plain_data`): fields with no resolver and
no arguments, resolver fields their type lists as plain (`plain_resolvers`:
`InteractionCounts.id`, made from the counts), or a resolver field within the selections its
type declares it answers from the change alone (`plain_selections`: `EntryCountsEvent.entry
{ id counts }`). Then no answer depends on who is asking. An operation reaching further (the
entry's title, the viewer's flags) runs for each subscriber. A snapshot is never shared;
neither is a result with errors.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
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
        key: Hashable | None = None
        if self._plain_operation():
            try:
                hash(variables)
                key = (id(self.operation), variables)
            except TypeError:
                key = None
        self.__dict__[_KEY] = key
        return key

    def _plain_operation(self) -> bool:
        """The subscription's selection reaches only plain data of its event."""
        root = self.schema.subscription_type
        if root is None or self.operation.operation is not OperationType.SUBSCRIPTION:
            return False
        fragments = fragment_definitions(self.fragments)
        return reaches_only_plain_data(root, self.operation.selection_set, fragments, root)


PLAIN_SELECTIONS = "plain_selections"
# A type's resolver fields that take no argument and answer plain data of it all the same.
PLAIN_RESOLVERS = "plain_resolvers"


def reaches_only_plain_data(
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    root: GraphQLObjectType | None = None,
    allowed: frozenset[str] | None = None,
) -> bool:
    """Whether a selection on `parent` reads only fields with no resolver and no arguments,
    or resolver fields within their type's `plain_selections`; `allowed`, when given, the
    only fields it may select. The subscription field itself (on `root`) is the stream's,
    not data."""
    origin = _origin(parent)
    plain_when: Mapping[str, frozenset[str]] = getattr(origin, PLAIN_SELECTIONS, {})
    plain_resolvers: frozenset[str] = getattr(origin, PLAIN_RESOLVERS, frozenset())
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            name = node.name.value
            if name == "__typename":
                continue
            field = parent.fields.get(name)
            if field is None or (allowed is not None and name not in allowed):
                return False
            inner_allowed = None
            resolved = node.arguments or _has_resolver(field)
            if parent is not root and resolved and field_name(field) not in plain_resolvers:
                inner_allowed = plain_when.get(name)
                if inner_allowed is None:
                    return False
            inner = get_named_type(field.type)
            if node.selection_set is not None and not (
                isinstance(inner, GraphQLObjectType)
                and reaches_only_plain_data(
                    inner, node.selection_set, fragments, allowed=inner_allowed
                )
            ):
                return False
        elif isinstance(node, InlineFragmentNode):
            if not reaches_only_plain_data(parent, node.selection_set, fragments, root, allowed):
                return False
        elif isinstance(node, FragmentSpreadNode):
            fragment = fragments.get(node.name.value)
            if fragment is None or not reaches_only_plain_data(
                parent, fragment.selection_set, fragments, root, allowed
            ):
                return False
    return True


def fragment_definitions(fragments: Mapping[str, Any]) -> dict[str, FragmentDefinitionNode]:
    """The document's fragments by name, whether given as definitions (a resolver's info) or
    as graphql-core's FragmentDetails (an execution context)."""
    return {name: getattr(each, "definition", each) for name, each in fragments.items()}


def _origin(type_: GraphQLObjectType) -> Any:
    definition = (type_.extensions or {}).get("strawberry-definition")
    return getattr(definition, "origin", None)


def field_name(field: GraphQLField) -> str:
    """The field's Python name (what `plain_resolvers` lists)."""
    definition = (field.extensions or {}).get("strawberry-definition")
    return str(getattr(definition, "python_name", ""))


def _has_resolver(field: GraphQLField) -> bool:
    definition = (field.extensions or {}).get("strawberry-definition")
    return definition is None or definition.base_resolver is not None or bool(field.args)


class SharedEventExecutor(SharedEvents, StrawberryGraphQLCoreExecutionContext):
    """graphql-core's generic execution, sharing events' results."""
