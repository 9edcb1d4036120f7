"""Execution plans: what graphql-core works out for every field of every request, worked out
once per operation.

graphql-core's executor, for each field of each object of a response, collects the selection
set (fragments, directives), looks the field up, builds a `GraphQLResolveInfo`, coerces the
arguments and dispatches on the return type: about 4 us a field, most of a page's CPU. A
plan holds the outcome: for every response key, the field, how its value is read (an
attribute, a constant `__typename`, or the resolver), its arguments when they are literals,
and how to complete its value (leaf serialiser, list, object with its own plan, abstract type
with a plan per possible type). schema/compiled_executor.py runs it.

Fields are collected by graphql-core's own `collect_fields` and `collect_subfields`, so
merging, ordering, fragments and `@include`/`@skip` are graphql-core's. `@include`/`@skip`
may depend on variables: a plan is made for each set of their values a client sends.

Plans live as long as their operation's parsed document (the document cache keeps it), and
one is at most PLAN_FIELDS_PER_TOKEN fields per token of its document, so their memory is
bounded like the documents': an operation whose fragments would multiply its response past
that is not compiled, and runs through graphql-core.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from graphql import (
    GraphQLAbstractType,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.language import (
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from graphql.type.definition import GraphQLLeafType

from schema.direct_resolvers import DirectCall, direct_call
from schema.plan_code import SAME_TYPE, ObjectCode, object_code

logger = logging.getLogger("resonance.plans")

# A plan may hold this many fields per token of its document (and at least MIN_PLAN_FIELDS).
PLAN_FIELDS_PER_TOKEN = 2
MIN_PLAN_FIELDS = 200
# Plans kept per operation, one per set of `@include`/`@skip` values: past them an operation
# runs through graphql-core, so n such variables cannot make 2**n plans.
MAX_VARIANTS = 16

LEAF, OBJECT, ABSTRACT, LIST = range(4)


class Unsupported(Exception):
    """The operation needs what plans do not do: it runs through graphql-core."""


class Completion:
    """How a value of one GraphQL type is completed (one level of a field's return type)."""

    __slots__ = (
        "full_type",
        "item",
        "kind",
        "non_null",
        "object_plan",
        "possible",
        "same_type",
        "serialize",
        "type",
    )

    def __init__(self, full_type: GraphQLOutputType) -> None:
        self.full_type = full_type  # with its non-null wrapper: field errors need it
        self.non_null = is_non_null_type(full_type)
        self.type: Any = full_type.of_type if self.non_null else full_type  # type: ignore[union-attr]
        self.kind = LEAF
        self.serialize: Callable[[Any], Any] | None = None
        # A type whose values the serialiser returns as they are (an Int's within 32 bits):
        # such a value needs no call.
        self.same_type: type | None = None
        self.item: Completion | None = None
        self.object_plan: ObjectPlan | None = None
        self.possible: dict[str, ObjectPlan] = {}

    @property
    def is_leaf(self) -> bool:
        return self.kind == LEAF


class FieldPlan:
    """One response key of an object: the field and how its value is read and completed."""

    __slots__ = (
        "args",
        "attribute",
        "completion",
        "details",
        "direct",
        "field_def",
        "key",
        "nodes",
        "null_message",
        "parent_name",
        "parent_type",
        "resolve",
        "return_type",
        "the_event",
        "typename",
    )

    def __init__(
        self,
        key: str,
        parent_type: GraphQLObjectType,
        field_def: GraphQLField,
        details: list[FieldDetails],
    ) -> None:
        self.key = key
        self.parent_type = parent_type
        self.parent_name = parent_type.name
        self.field_def = field_def
        self.details = details
        self.nodes: list[FieldNode] = [each.node for each in details]
        self.return_type = field_def.type
        self.null_message = (
            f"Cannot return null for non-nullable field {parent_type}.{self.nodes[0].name.value}."
        )
        # Exactly one of these says how the value is read; all None: the resolver, with info.
        self.attribute: str | None = None
        self.typename: str | None = None
        # A subscription's root field in an event's execution: its value is the event itself.
        self.the_event = False
        self.resolve: Callable[..., Any] | None = field_def.resolve
        # The coerced arguments when they hold no variable; None: coerced per request.
        self.args: dict[str, Any] | None = None
        # The resolver called without Strawberry's wrapper (schema/direct_resolvers.py).
        self.direct: DirectCall | None = None
        self.completion: Completion = Completion(field_def.type)


class ObjectPlan:
    """The fields to execute on a value of one object type."""

    __slots__ = ("fields", "is_type_of", "name", "origin", "run", "type")

    def __init__(self, object_type: GraphQLObjectType) -> None:
        self.type = object_type
        self.name = object_type.name
        self.fields: list[FieldPlan] = []
        # Strawberry's check that a value is of this type (it takes no info); None: none.
        self.is_type_of: Callable[[Any, Any], Any] | None = None
        # The Strawberry class of the type: an instance of it, not cast to another type,
        # passes that check, which need not be called (schema/plan_code.py).
        self.origin: type | None = None
        # The fields executed on a source: schema/plan_code.py compiles it.
        self.run: ObjectCode | None = None


class Plan:
    """An operation's plan for one set of `@include`/`@skip` variable values."""

    __slots__ = ("root",)

    def __init__(self, root: ObjectPlan) -> None:
        self.root = root


class _Compiler:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        variable_values: VariableValues,
        operation: OperationDefinitionNode,
        hide_suggestions: bool,
        max_fields: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variable_values = variable_values
        self.operation = operation
        self.hide_suggestions = hide_suggestions
        self.fields_left = max_fields

    def plan(self) -> Plan:
        operation = self.operation
        root_type = self.schema.get_root_type(operation.operation)
        if root_type is None:
            raise Unsupported("no root type")
        grouped, defer_usages, forbidden = collect_fields(
            self.schema,
            self.fragments,
            self.variable_values,
            root_type,
            operation,
            self.hide_suggestions,
        )
        if defer_usages or forbidden:
            raise Unsupported("@defer or @stream")
        return Plan(self._object(root_type, grouped))

    def _object(
        self, object_type: GraphQLObjectType, grouped: dict[str, list[FieldDetails]]
    ) -> ObjectPlan:
        plan = ObjectPlan(object_type)
        is_type_of = object_type.is_type_of
        if is_type_of is not None:
            if not _is_strawberrys(is_type_of):
                raise Unsupported("an is_type_of that may need info or be awaitable")
            plan.is_type_of = is_type_of
            definition = (object_type.extensions or {}).get("strawberry-definition")
            origin = getattr(definition, "origin", None)
            plan.origin = origin if isinstance(origin, type) else None
        for key, details in grouped.items():
            field_def = self.schema.get_field(object_type, details[0].node.name.value)
            if field_def is None:
                continue
            plan.fields.append(self._field(key, object_type, field_def, details))
        plan.run = object_code(plan)
        return plan

    def _field(
        self,
        key: str,
        parent_type: GraphQLObjectType,
        field_def: GraphQLField,
        details: list[FieldDetails],
    ) -> FieldPlan:
        self.fields_left -= 1
        if self.fields_left < 0:
            raise Unsupported("the plan would be larger than its document allows")
        if any(each.fragment_variable_values is not None for each in details):
            raise Unsupported("fragment arguments")
        field = FieldPlan(key, parent_type, field_def, details)
        node = field.nodes[0]
        name = node.name.value
        if name == "__typename":
            field.typename = parent_type.name
        else:
            attribute = _plain_attribute(field_def)
            if attribute is not None:
                field.attribute = attribute
            elif field_def.args or node.arguments:
                field.args = self._literal_arguments(field_def, node)
            else:
                field.args = {}
            if attribute is None:
                field.direct = direct_call(field_def, self.schema)
                field.the_event = _is_the_event(field_def)
        self._complete(field.completion, details)
        return field

    def _literal_arguments(self, field_def: GraphQLField, node: FieldNode) -> dict[str, Any] | None:
        """The field's arguments coerced once, when no variable is in them; None otherwise
        (and when coercing fails: each request then fails as graphql-core's would)."""
        if any(_has_variable(argument.value) for argument in node.arguments or ()):
            return None
        try:
            return get_argument_values(field_def, node, None, None, self.hide_suggestions)
        except Exception:
            return None

    def _complete(self, completion: Completion, details: list[FieldDetails]) -> None:
        return_type = completion.type
        if is_list_type(return_type):
            completion.kind = LIST
            completion.item = Completion(return_type.of_type)
            self._complete(completion.item, details)
        elif is_leaf_type(return_type):
            completion.kind = LEAF
            leaf: GraphQLLeafType = return_type
            completion.serialize = leaf.coerce_output_value
            completion.same_type = SAME_TYPE.get(leaf.coerce_output_value)
        elif is_abstract_type(return_type):
            completion.kind = ABSTRACT
            abstract: GraphQLAbstractType = return_type
            for possible in self.schema.get_possible_types(abstract):
                completion.possible[possible.name] = self._subfields(possible, details)
        elif is_object_type(return_type):
            completion.kind = OBJECT
            completion.object_plan = self._subfields(return_type, details)
        else:  # pragma: no cover - every output type is one of the above
            raise Unsupported(f"output type {get_named_type(return_type)}")

    def _subfields(self, object_type: GraphQLObjectType, details: list[FieldDetails]) -> ObjectPlan:
        grouped, defer_usages, forbidden = collect_subfields(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            object_type,
            details,
            self.hide_suggestions,
        )
        if defer_usages or forbidden:
            raise Unsupported("@defer or @stream")
        return self._object(object_type, grouped)


def _is_strawberrys(is_type_of: Callable[..., Any]) -> bool:
    """Strawberry's own is_type_of: an isinstance check that ignores its info."""
    return getattr(is_type_of, "__qualname__", "").endswith("_get_is_type_of.<locals>.is_type_of")


def _is_the_event(field_def: GraphQLField) -> bool:
    """A subscription field, whose resolver in each event's execution is Strawberry's
    `lambda event, *_, **__: event`: its value is the event (the source) as it is."""
    definition = (field_def.extensions or {}).get("strawberry-definition")
    return (
        definition is not None
        and definition.is_subscription
        and getattr(field_def.resolve, "__qualname__", "") == _STRAWBERRYS_EVENT_RESOLVER
    )


_STRAWBERRYS_EVENT_RESOLVER = "GraphQLCoreConverter.from_field.<locals>.<lambda>"


def _plain_attribute(field_def: GraphQLField) -> str | None:
    """The attribute a Strawberry field with no resolver reads (Strawberry's default resolver
    is `getattr`); None for any other field."""
    resolve = field_def.resolve
    if resolve is None or not getattr(resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get("strawberry-definition")
    if definition is None or definition.default_resolver is not getattr:
        return None
    if not definition.is_basic_field:
        return None
    name: str = definition.python_name
    return name


def _has_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable(each) for each in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variable(each.value) for each in value.fields)
    return False


def _condition_variables(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
) -> tuple[str, ...]:
    """The variables `@include` and `@skip` read in the operation and its fragments."""
    names: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        for selection in selection_set.selections if selection_set else ():
            for directive in selection.directives or ():
                names.update(_directive_variables(directive))
            if isinstance(selection, (FieldNode, InlineFragmentNode)):
                visit(selection.selection_set)

    visit(operation.selection_set)
    for fragment in fragments.values():
        visit(fragment.definition.selection_set)
    return tuple(sorted(names))


def _directive_variables(directive: DirectiveNode) -> list[str]:
    if directive.name.value not in ("include", "skip"):
        return []
    return [
        argument.value.name.value
        for argument in directive.arguments or ()
        if isinstance(argument.value, VariableNode)
    ]


def _tokens(node: Node) -> int:
    loc = node.loc
    if loc is None:
        return 0
    count, end = 0, loc.end_token
    token: Any = loc.start_token
    while token is not None:
        count += 1
        if token is end:
            break
        token = token.next
    return count


class _OperationPlans:
    __slots__ = ("conditions", "max_fields", "variants")

    def __init__(self, conditions: tuple[str, ...], max_fields: int) -> None:
        self.conditions = conditions
        self.max_fields = max_fields
        # A plan per set of condition values; None: that set is not compiled (Unsupported).
        self.variants: dict[Hashable, Plan | None] = {}


class PlanCache:
    """Plans by operation: an entry goes when its operation's document is collected."""

    def __init__(self) -> None:
        self._by_operation: dict[int, _OperationPlans] = {}

    def __len__(self) -> int:
        return len(self._by_operation)

    def plan(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        variable_values: VariableValues,
        operation: OperationDefinitionNode,
        hide_suggestions: bool,
    ) -> Plan | None:
        """The operation's plan for these variables; None when it runs through graphql-core."""
        entry = self._by_operation.get(id(operation))
        if entry is None:
            entry = self._add(operation, fragments)
        coerced = variable_values.coerced
        key = tuple(coerced.get(name, Undefined) for name in entry.conditions)
        try:
            return entry.variants[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be hashed: not the booleans the rules ask
            return None
        if len(entry.variants) >= MAX_VARIANTS:  # a client trying every combination
            return None
        try:
            plan: Plan | None = _Compiler(
                schema, fragments, variable_values, operation, hide_suggestions, entry.max_fields
            ).plan()
        except (Unsupported, RecursionError, GraphQLError):
            plan = None
        except Exception:  # a bug of ours: graphql-core runs it, and the log says so
            logger.exception("could not compile an operation; graphql-core runs it")
            plan = None
        entry.variants[key] = plan
        return plan

    def _add(
        self, operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
    ) -> _OperationPlans:
        tokens = _tokens(operation) + sum(_tokens(f.definition) for f in fragments.values())
        entry = _OperationPlans(
            _condition_variables(operation, fragments),
            max(MIN_PLAN_FIELDS, PLAN_FIELDS_PER_TOKEN * tokens),
        )
        key = id(operation)
        self._by_operation[key] = entry
        weakref.finalize(operation, self._by_operation.pop, key, None)
        return entry
