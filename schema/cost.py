"""A document's cost, computed statically before execution: the items its lists may return.

GitHub's GraphQL API counts nodes this way, and so do we:

- a connection (a field with `first` returning a page: `entries`, `branches`, `followers`,
  ...) counts `first` items (20 when absent or null; a `first` over 100 counts 100, the
  resolver refuses it anyway), or `last` items when `last` is given (the page is then read
  from the end; a variable `last` counts as 20 when null), and everything selected under
  its `nodes` or `edges` counts once per item:
  `entries(first: 10) { nodes { branches(first: 3) { nodes { id } } } }` is
  10 + 10 x 3 = 40;
- a list with `first` (`trending`) counts its items the same way;
- a list without one counts an estimate: `ancestors` 10 (threads are rarely deeper), and
  the introspection lists the longest such list in the schema (`__Schema.types` all its
  types, `__Type.fields` the most fields of a type, ...); any other list 20;
- single objects and scalars are free: their cost is their lists'. An operation costs at
  least 1.

A variable used as `first` counts with its value, so the cost of a document is planned once
(cached with the validated document) as a small program over its variables, and evaluated
per request in microseconds; a document without such variables plans to a number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_composite_type,
    is_list_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

from resolvers.pagination import DEFAULT_FIRST, MAX_FIRST
from schema.document_limits import dependency_order, fragments_of

# Entries above one in its thread, for `ancestors`: seeded threads are at most 6 deep.
ANCESTORS_ESTIMATE = 10
# A list the schema gives no length for.
LIST_ESTIMATE = DEFAULT_FIRST


@dataclass(frozen=True, slots=True)
class Step:
    """An expression that is not a number: the index of a step of a Program."""

    index: int


@dataclass(frozen=True, slots=True)
class _Var:
    name: str


@dataclass(frozen=True, slots=True)
class _Sum:
    constant: int
    terms: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class _Product:
    left: int | Step
    right: Step


@dataclass
class Program:
    """Steps in the order they were made, each after the steps it reads: evaluated in one
    pass without recursion (a chain of fragments nests expressions arbitrarily deep)."""

    steps: list[_Var | _Sum | _Product] = field(default_factory=list)

    def _step(self, step: _Var | _Sum | _Product) -> Step:
        self.steps.append(step)
        return Step(len(self.steps) - 1)

    def var(self, name: str) -> Step:
        return self._step(_Var(name))

    def add(self, *terms: int | Step) -> int | Step:
        constant = sum(t for t in terms if isinstance(t, int))
        steps = tuple(t for t in terms if isinstance(t, Step))
        if not steps:
            return constant
        if constant == 0 and len(steps) == 1:
            return steps[0]
        return self._step(_Sum(constant, steps))

    def mul(self, left: int | Step, right: int | Step) -> int | Step:
        if isinstance(left, int) and isinstance(right, int):
            return left * right
        if isinstance(left, Step) and isinstance(right, int):
            left, right = right, left
        assert isinstance(right, Step)
        if left == 0:
            return 0
        if left == 1:
            return right
        return self._step(_Product(left, right))

    def run(self, items: Mapping[str, int]) -> list[int]:
        """Every step's value, with `items` the count each variable stands for."""
        values: list[int] = []
        for step in self.steps:
            if isinstance(step, _Var):
                values.append(items.get(step.name, DEFAULT_FIRST))
            elif isinstance(step, _Sum):
                values.append(step.constant + sum(values[t.index] for t in step.terms))
            else:
                left = step.left if isinstance(step.left, int) else values[step.left.index]
                values.append(left * values[step.right.index])
        return values


def items_of(value: Any) -> int:
    """How many items a `first` value stands for, read as graphql-core coerces an Int
    (`100.0` is 100)."""
    if value is None:
        return DEFAULT_FIRST
    try:
        count: int = GraphQLInt.parse_value(value)
    except GraphQLError:
        return 0  # not an Int: the operation fails coercion before it runs
    return max(0, min(count, MAX_FIRST))


@dataclass(frozen=True)
class OperationCost:
    """One operation's cost, given its variables."""

    expr: int | Step
    program: Program
    # Variables that stand for a `first`, with their defaults in the operation (if any).
    defaults: Mapping[str, Any]

    def evaluate(self, variables: Mapping[str, Any] | None) -> int:
        if isinstance(self.expr, int):
            return max(1, self.expr)
        given = variables or {}
        items = {
            name: items_of(given.get(name, default)) for name, default in self.defaults.items()
        }
        return max(1, self.program.run(items)[self.expr.index])


class CostModel:
    """What the cost of a document depends on in the schema: which types are pages and how
    long its unbounded lists are taken to be."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        named = schema.type_map.values()
        outputs = [t for t in named if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType))]
        fields = [f for t in outputs for f in t.fields.values()]
        # Types returned by a field with `first` that is not a list: their lists are pages.
        self.pages = {
            get_named_type(f.type).name
            for f in fields
            if "first" in f.args and not is_list_type(get_nullable_type(f.type))
        }

        def longest(lengths: Iterable[int]) -> int:
            return max(lengths, default=0)

        self.estimates: dict[tuple[str, str], int] = {
            ("Entry", "ancestors"): ANCESTORS_ESTIMATE,
            ("__Schema", "types"): len(schema.type_map),
            ("__Schema", "directives"): len(schema.directives),
            ("__Type", "fields"): longest(len(t.fields) for t in outputs),
            ("__Type", "interfaces"): longest(len(t.interfaces) for t in outputs),
            ("__Type", "possibleTypes"): longest(
                len(schema.get_possible_types(t)) for t in named if is_abstract_type(t)
            ),
            ("__Type", "enumValues"): longest(
                len(t.values) for t in named if isinstance(t, GraphQLEnumType)
            ),
            ("__Type", "inputFields"): longest(
                len(t.fields) for t in named if isinstance(t, GraphQLInputObjectType)
            ),
            ("__Field", "args"): longest(len(f.args) for f in fields),
            ("__Directive", "args"): longest(len(d.args) for d in schema.directives),
        }

    def plan(self, document: DocumentNode) -> dict[str | None, OperationCost]:
        """The cost of each operation of a valid document, by name (None: anonymous)."""
        return _Planner(self, document).plan()


class _Planner:
    def __init__(self, model: CostModel, document: DocumentNode) -> None:
        self.model = model
        self.schema = model.schema
        self.document = document
        self.program = Program()
        self.variables: dict[str, Step] = {}
        # Each fragment's (cost per item of the page it is spread in, cost of the rest).
        self.fragments: dict[str, tuple[int | Step, int | Step]] = {}

    def plan(self) -> dict[str | None, OperationCost]:
        for fragment in dependency_order(fragments_of(self.document)):
            parent = self.schema.get_type(fragment.type_condition.name.value)
            self.fragments[fragment.name.value] = self.selections(fragment.selection_set, parent)
        costs = {}
        for definition in self.document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            root = self.schema.get_root_type(definition.operation)
            _, expr = self.selections(definition.selection_set, root)
            defaults = {
                d.variable.name.value: _literal(d.default_value)
                for d in definition.variable_definitions or ()
                if d.variable.name.value in self.variables
            }
            name = definition.name.value if definition.name else None
            costs[name] = OperationCost(expr, self.program, defaults)
        return costs

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> tuple[int | Step, int | Step]:
        """(cost per item of the enclosing page, cost of the rest) of a selection set."""
        per_item: list[int | Step] = []
        rest: list[int | Step] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                item, other = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                item, other = self.selections(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                item, other = self.fragments.get(selection.name.value, (0, 0))
            per_item.append(item)
            rest.append(other)
        return self.program.add(*per_item), self.program.add(*rest)

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None
    ) -> tuple[int | Step, int | Step]:
        definition = self._definition(parent, node.name.value)
        if definition is None or not is_composite_type(get_named_type(definition.type)):
            return 0, 0
        p = self.program
        returned = get_named_type(definition.type)
        is_list = is_list_type(get_nullable_type(definition.type))
        item, rest = self.selections(node.selection_set, returned)
        if "first" in definition.args:
            first = self._first(node, definition)
            if is_list:  # trending: each item counts, with what is selected in it
                return 0, p.mul(first, p.add(1, rest))
            # A connection: its items, and its page lists' selections once per item.
            return 0, p.add(p.mul(first, p.add(1, item)), rest)
        if is_list and parent is not None and parent.name in self.model.pages:
            return rest, 0  # `nodes` or `edges`: counted per item of the connection
        if is_list:
            length = self.model.estimates.get((parent.name if parent else "", node.name.value))
            return 0, p.mul(LIST_ESTIMATE if length is None else length, p.add(1, rest))
        # A page reached without `first` would be the default page.
        return 0, p.add(p.mul(DEFAULT_FIRST, item), rest)

    def _definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.schema.query_type and name == "__schema":
            return SchemaMetaFieldDef
        if parent is self.schema.query_type and name == "__type":
            return TypeMetaFieldDef
        fields: dict[str, GraphQLField] | None = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def _first(self, node: FieldNode, definition: GraphQLField) -> int | Step:
        """The items `first` stands for, or `last` when given (it wins: `first` has a
        default)."""
        arguments = {a.name.value: a for a in node.arguments or ()}
        last = arguments.get("last")
        if last is not None and not isinstance(last.value, NullValueNode):
            return self._count(last.value)
        argument = arguments.get("first")
        if argument is None:
            return items_of(definition.args["first"].default_value)
        return self._count(argument.value)

    def _count(self, value: ValueNode) -> int | Step:
        if isinstance(value, VariableNode):
            name = value.name.value
            if name not in self.variables:
                self.variables[name] = self.program.var(name)
            return self.variables[name]
        return items_of(_literal(value))


def _literal(value: ValueNode | None) -> Any:
    """An Int or null literal as Python; anything else as a non-count."""
    if isinstance(value, IntValueNode):
        return int(value.value)
    if value is None or isinstance(value, NullValueNode):
        return None
    return value
