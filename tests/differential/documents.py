"""Documents generated over a schema, with their variables and operation name.

`cases(schema)` draws random selections to a bounded depth: fields with aliases (the same
response key twice, merged, and sometimes conflicting), arguments as literals and as
variables, `@include`/`@skip` with literals and variables, inline fragments and named
fragments on the type itself, its interfaces, its unions and an abstract type's possible
types, nested; `__typename` anywhere and introspection at the root; one to three operations
with an operationName that may name none of them. Values are mostly valid for their type, and
sometimes not (a variable that fails coercion, a literal that fails validation), so most
documents run and some are refused: both executors must answer alike either way.

Everything is drawn through Hypothesis, so a failing case shrinks to a small document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationType,
    Undefined,
    get_named_type,
    is_leaf_type,
)
from hypothesis import strategies as st

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[T]], T]
Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType

_THOUSAND = st.sampled_from(range(1000))
MAX_DEPTH = 4  # levels of selection sets below an operation's root
MAX_FIELDS = 40  # fields selected in one document before only leaves are chosen

# Values each scalar takes: valid ones, and ones that fail coercion.
VALID: dict[str, list[Any]] = {
    "Int": [0, 1, 2, 3, 5, 7, -1, 2**31 - 1],
    "Float": [0.5, -2.25, 3, 1e10, 0.0],
    "String": ["", "a", "hé ✓", 'q"uote\\', "line\nbreak"],
    "Boolean": [True, False],
    "ID": ["7", 12, "C4", "D2", "I9"],
    "Odd": [1, 3, -5, 9],
}
INVALID: dict[str, list[Any]] = {
    "Int": [2**31, 1.5, "3", True],
    "Float": ["x", True, [1.0]],
    "String": [3, False, ["a"]],
    "Boolean": ["true", 0],
    "ID": [1.5, True],
    "Odd": [2, "1", 0],
}
TYPENAMES = ["Item", "Cat", "Dog", "Node", "Pet", "SearchResult", "Filter", "Color", "Nope"]
INTROSPECTION = [
    "__schema { types { name } }",
    "__schema { queryType { name } mutationType { name } subscriptionType { name } }",
    "__type(name: {name}) { name kind fields { name args { name defaultValue } type "
    "{ name kind ofType { name kind } } } possibleTypes { name } enumValues { name } "
    "inputFields { name } interfaces { name } }",
]


@dataclass
class Case:
    """One request: a document, its variables and the operation to run."""

    document: str
    variables: dict[str, Any] = field(default_factory=dict)
    operation_name: str | None = None

    def __repr__(self) -> str:
        return (
            f"Case(operation_name={self.operation_name!r}, "
            f"variables={json.dumps(self.variables, default=repr)})\n{self.document}"
        )


class Builder:
    """Draws one document: its operations, fragments and variables."""

    def __init__(self, draw: Draw[Any], schema: GraphQLSchema) -> None:
        self.draw = draw
        self.schema = schema
        self.fragments: list[str] = []
        self.fragment_count = 0
        self.alias_count = 0
        self.fields = 0
        self.fragment_budget = 8  # inline fragments and spreads in one document
        self.variable_count = 0
        # Per operation: its variables' definitions and values, and its finished fragments.
        self.var_defs: list[str] = []
        self.variables: dict[str, Any] = {}
        self.done_fragments: dict[str, list[str]] = {}

    # Choices.
    def chance(self, p: float) -> bool:
        """True about `p` of the time (less: Hypothesis favours low indexes, which also makes
        False, the plainer document, what a failing case shrinks to)."""
        return bool(self.draw(_THOUSAND) >= (1 - p) * 1000)

    def pick(self, options: list[T]) -> T:
        choice: T = self.draw(st.sampled_from(options))
        return choice

    # Values.
    def value(
        self, type_: GraphQLInputType, valid: bool, depth: int = 0, nullable: bool = True
    ) -> Any:
        """A Python value for `type_` (as JSON variables carry it); invalid when asked."""
        if isinstance(type_, GraphQLNonNull):
            if not valid and self.chance(0.3):
                return None
            return self.value(type_.of_type, valid, depth, nullable=False)
        if valid and nullable and self.chance(0.1):
            return None
        if isinstance(type_, GraphQLList):
            if self.chance(0.15):  # a single value stands for a list of one
                return self.value(type_.of_type, valid, depth)
            size = self.draw(st.integers(0, 3))
            items = [self.value(type_.of_type, True, depth + 1) for _ in range(size)]
            if not valid:
                items.append(self.value(type_.of_type, False, depth + 1))
            return items
        if isinstance(type_, GraphQLEnumType):
            names = list(type_.values)
            return self.pick(names if valid else ["PURPLE", "red", 1])
        if isinstance(type_, GraphQLInputObjectType):
            result: dict[str, Any] = {}
            for name, input_field in type_.fields.items():
                if depth > 2 and isinstance(input_field.type, GraphQLInputObjectType):
                    continue
                if self.chance(0.4):
                    result[name] = self.value(input_field.type, True, depth + 1)
            if not valid:
                if self.chance(0.5):
                    result["nope"] = 1
                else:
                    name = self.pick(list(type_.fields))
                    result[name] = self.value(type_.fields[name].type, False, depth + 1)
            return result
        assert isinstance(type_, GraphQLScalarType)
        return self.pick((VALID if valid else INVALID)[type_.name])

    def literal(self, value: Any, type_: GraphQLInputType | None) -> str:
        """`value` written in a document, enum names bare where an enum is expected."""
        named = get_named_type(type_) if type_ is not None else None
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return json.dumps(value)
        if isinstance(value, str):
            if isinstance(named, GraphQLEnumType) and value.isidentifier():
                return value
            return json.dumps(value)
        if isinstance(value, list):
            item_type = _list_item(type_)
            return "[" + ", ".join(self.literal(v, item_type) for v in value) + "]"
        assert isinstance(value, dict)
        fields = named.fields if isinstance(named, GraphQLInputObjectType) else {}
        return (
            "{"
            + ", ".join(
                f"{k}: {self.literal(v, fields[k].type if k in fields else None)}"
                for k, v in value.items()
            )
            + "}"
        )

    def variable(self, type_: GraphQLInputType) -> str:
        """A new variable of `type_`, defined in the operation, and its value (or none)."""
        name = f"v{self.variable_count}"
        self.variable_count += 1
        definition = f"${name}: {type_}"
        nullable = not isinstance(type_, GraphQLNonNull)
        if nullable and self.chance(0.2):
            definition += f" = {self.literal(self.value(type_, True), type_)}"
        self.var_defs.append(definition)
        if self.chance(0.08):
            if not self.chance(0.3):  # absent: fine if nullable, else a coercion error
                return f"${name}"
            self.variables[name] = self.value(type_, False)
        else:
            self.variables[name] = self.value(type_, True)
        return f"${name}"

    def argument_value(self, type_: GraphQLInputType) -> str:
        if self.chance(0.35):
            return self.variable(type_)
        return self.literal(self.value(type_, not self.chance(0.04)), type_)

    # Selections.
    def directives(self) -> str:
        if not self.chance(0.15):
            return ""
        name = self.pick(["include", "skip"])
        if self.chance(0.5):
            condition = self.pick(["true", "false"])
        else:
            condition = self.variable(GraphQLNonNull(self.schema.type_map["Boolean"]))  # type: ignore[arg-type]
        return f" @{name}(if: {condition})"

    def arguments(self, definition: GraphQLField) -> str:
        parts = []
        for name, argument in definition.args.items():
            required = (
                isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
            )
            if (required and not self.chance(0.03)) or self.chance(0.4):
                parts.append(f"{name}: {self.argument_value(argument.type)}")
        return f"({', '.join(parts)})" if parts else ""

    def conditions(self, type_: Composite) -> list[Composite]:
        """Types an inline fragment or a fragment spread may name inside `type_`."""
        if isinstance(type_, GraphQLObjectType):
            unions = [
                t
                for t in self.schema.type_map.values()
                if isinstance(t, GraphQLUnionType) and type_ in t.types
            ]
            return [type_, *type_.interfaces, *unions]
        possible = list(self.schema.get_possible_types(type_))
        interfaces = {i.name: i for t in possible for i in t.interfaces}
        return [type_, *possible, *interfaces.values()]

    def field(
        self, type_: GraphQLObjectType | GraphQLInterfaceType, depth: int, taken: set[str]
    ) -> str:
        """A field of `type_`, aliased when its name is `taken` in the selection set already
        (else its arguments could conflict)."""
        names = list(type_.fields)
        if depth >= MAX_DEPTH or self.fields >= MAX_FIELDS:
            names = [n for n in names if is_leaf_type(get_named_type(type_.fields[n].type))]
        if not names:
            return "__typename"
        name = self.pick(names)
        self.fields += 1
        definition = type_.fields[name]
        alias = ""
        arguments = self.arguments(definition)
        if self.chance(0.01):
            alias = "number: "  # may clash with the field of that name, or merge with it
        elif name in taken or self.chance(0.6 if arguments else 0.15):
            # A fresh alias, else the same field with other arguments could conflict.
            self.alias_count += 1
            alias = f"a{self.alias_count}: "
        taken.add(name)
        head = f"{alias}{name}{arguments}{self.directives()}"
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return head
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
        return f"{head} {self.selection_set(named, depth + 1)}"

    def selection_set(self, type_: Composite, depth: int) -> str:
        selections: list[str] = []
        taken: set[str] = set()
        count = self.draw(st.integers(1, 4))
        kinds = ["field"] * 6 + ["typename", "inline", "spread", "again"]
        if isinstance(type_, GraphQLUnionType):
            kinds = ["typename", "inline", "inline", "spread", "again"]
        while len(selections) < count:
            kind = self.pick(kinds)
            if kind == "field":
                assert not isinstance(type_, GraphQLUnionType)
                selections.append(self.field(type_, depth, taken))
            elif kind == "typename":
                alias = self.pick(["", "", "t: "])
                selections.append(f"{alias}__typename{self.directives()}")
            elif kind == "again" and selections:
                # The same response key again: merged with the first (or a conflict).
                selections.append(self.pick(selections))
            elif kind == "inline" and self.fragment_budget > 0:
                self.fragment_budget -= 1
                condition = self.pick(self.conditions(type_))
                on = "" if condition is type_ and self.chance(0.3) else f" on {condition.name}"
                inner = self.selection_set(condition, depth)
                selections.append(f"...{on}{self.directives()} {inner}")
            elif kind == "spread" and self.fragment_budget > 0:
                self.fragment_budget -= 1
                condition = self.pick(self.conditions(type_))
                known = self.done_fragments.get(condition.name, [])
                if known and self.chance(0.4):
                    name = self.pick(known)
                else:
                    name = f"F{self.fragment_count}"
                    self.fragment_count += 1
                    inner = self.selection_set(condition, depth)
                    self.fragments.append(f"fragment {name} on {condition.name} {inner}")
                    self.done_fragments.setdefault(condition.name, []).append(name)
                selections.append(f"...{name}{self.directives()}")
            elif isinstance(type_, GraphQLUnionType):
                selections.append("__typename")
        return "{ " + " ".join(selections) + " }"

    def introspection(self) -> str:
        snippet = self.pick(INTROSPECTION)
        return snippet.replace("{name}", json.dumps(self.pick(TYPENAMES)))

    def operation(self, kind: str, name: str | None) -> str:
        """One operation: its variables are defined as its selections ask for them."""
        self.var_defs = []
        self.done_fragments = {}
        root = self.schema.get_root_type(OperationType(kind))
        assert root is not None
        if kind == "subscription":
            body = "{ " + self.field(root, 0, set()) + " }"
        else:
            body = self.selection_set(root, 0)
            if kind == "query" and self.chance(0.15):
                body = body[:-1] + self.introspection() + " }"
        definitions = f"({', '.join(self.var_defs)})" if self.var_defs else ""
        head = f"{kind} {name or ''}{definitions}".replace("  ", " ")
        if kind == "query" and not name and not definitions and self.chance(0.5):
            return body
        return f"{head} {body}"


def _list_item(type_: GraphQLInputType | None) -> GraphQLInputType | None:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return type_.of_type if isinstance(type_, GraphQLList) else type_


@st.composite
def cases(
    draw: Draw[Any], schema: GraphQLSchema, kinds: tuple[str, ...] = ("query", "mutation")
) -> Case:
    """A request over `schema`: one to three operations of `kinds` (the first most often)."""
    builder = Builder(draw, schema)
    count = draw(st.sampled_from([1, 1, 1, 1, 2, 3]))
    names: list[str | None] = []
    operations = []
    for index in range(count):
        kind = draw(st.sampled_from(kinds))
        name: str | None = f"{kind[0].upper()}{index}"
        if count == 1 and builder.chance(0.4):
            name = None
        names.append(name)
        operations.append(builder.operation(kind, name))
    # Mostly an operation of the document; sometimes none (an error unless it holds one
    # operation) or one it does not hold.
    choices: list[str | None] = names * 3 + [None] if count > 1 else [*names, None] * 5
    operation_name = builder.pick([*choices, "Unknown"])
    document = "\n".join([*operations, *builder.fragments])
    return Case(document, builder.variables, operation_name)
