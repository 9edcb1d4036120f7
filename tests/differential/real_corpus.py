"""Documents generated over our served schema, for the differential tests (issue 13): random
selections from Query's fields down to a bounded depth, with aliases, named and inline
fragments (on Node's types too), `__typename`, @include/@skip with literals and variables,
arguments as literals or variables, and bad arguments among them: malformed ids, ids of the
wrong type, of rows that do not exist or that the viewer may not see, `first` out of range,
cursors that are not cursors or belong to another list, unknown enum values, variables of the
wrong type or missing.

Seeded `random.Random`, no hypothesis: the same seed gives the same documents, so a
difference found is found again. Lists are always asked for with a small `first` below the
root, and the depth is bounded, so documents stay within the server's limits and run.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

# Levels of object selections below the root field.
MAX_DEPTH = 3
# A value no enum of ours has.
UNKNOWN_ENUM_VALUE = "FORTNIGHT"


@dataclass(frozen=True)
class Document:
    query: str
    variables: dict[str, Any]
    operation_name: str | None


@dataclass
class Values:
    """Argument values the generator draws from: the seeded rows' global ids and cursors,
    and values that are wrong in every way the API must refuse or answer null to."""

    entry_ids: list[str]
    user_ids: list[str]
    usernames: list[str]
    tags: list[str]
    cursors: list[str]
    # Well-formed ids of rows that do not exist.
    missing_entry_id: str
    missing_user_id: str
    malformed_ids: list[str] = field(
        default_factory=lambda: ["", "bad", "RW50cnk6", "RW50cnk6eA==", "VXNlcjox", "Og=="]
    )
    bad_cursors: list[str] = field(default_factory=lambda: ["", "garbage", "Y3Vyc29y", "e30="])


def _type_text(type_: GraphQLInputType) -> str:
    return str(type_)


def _literal(value: Any) -> str:
    """A Python value as a GraphQL literal (enum values are given as Enum objects)."""
    if isinstance(value, EnumValue):
        return value.name
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {_literal(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


@dataclass(frozen=True)
class EnumValue:
    name: str


def _variable_value(value: Any) -> Any:
    if isinstance(value, EnumValue):
        return value.name
    if isinstance(value, dict):
        return {k: _variable_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_variable_value(v) for v in value]
    return value


class _Scope:
    """One selection set being written: the response names taken (a field with arguments
    or a sub-selection seen again gets an alias, so no two selections conflict)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()


class CorpusGenerator:
    """Writes documents over `schema`'s Query from `values`, drawing with `rng`."""

    def __init__(self, schema: GraphQLSchema, values: Values, rng: random.Random) -> None:
        self.schema = schema
        self.values = values
        self.rng = rng

    # --- one document ---------------------------------------------------------------------

    def document(self) -> Document:
        self._variables: list[tuple[str, str]] = []  # (name, type text)
        self._values: dict[str, Any] = {}
        self._fragments: list[str] = []
        self._aliases = 0
        query = self.schema.query_type
        assert query is not None
        roots = self.rng.sample(sorted(query.fields), k=self.rng.choice((1, 1, 2, 3)))
        scope = _Scope()
        body = " ".join(self._field(query, name, 0, scope, root=True) for name in roots)
        rng = self.rng
        name = rng.choice((None, "Op", "Corpus"))
        header = "query" + (f" {name}" if name else "")
        if self._variables:
            header += "(" + ", ".join(f"${v}: {t}" for v, t in self._variables) + ")"
        elif name is None and rng.random() < 0.5:
            header = ""
        text = f"{header} {{ {body} }}".strip()
        if self._fragments:
            text += "\n" + "\n".join(self._fragments)
        variables = dict(self._values)
        if variables and rng.random() < 0.05:  # a variable left out, or one nobody declared
            variables.pop(rng.choice(sorted(variables)))
        elif rng.random() < 0.03:
            variables["undeclared"] = 1
        return Document(text, variables, name if name and rng.random() < 0.7 else None)

    # --- selections -----------------------------------------------------------------------

    def _field(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        name: str,
        depth: int,
        scope: _Scope,
        *,
        root: bool = False,
    ) -> str:
        rng = self.rng
        definition = parent.fields[name]
        arguments = self._arguments(name, definition, root)
        named = get_named_type(definition.type)
        sub = ""
        if not isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            sub = " " + self._selection(named, depth + 1)
        response_name = name
        if ((arguments or sub) and name in scope.taken) or rng.random() < 0.12:
            self._aliases += 1
            response_name = f"a{self._aliases}"
        scope.taken.add(response_name)
        alias = f"{response_name}: " if response_name != name else ""
        return f"{alias}{name}{arguments}{self._directive()}{sub}"

    def _selection(self, type_: GraphQLNamedType, depth: int) -> str:
        """A selection set on an object, interface or union type."""
        rng = self.rng
        scope = _Scope()
        parts: list[str] = []
        if isinstance(type_, (GraphQLInterfaceType, GraphQLUnionType)):
            possible = self.schema.get_possible_types(type_)
            if isinstance(type_, GraphQLInterfaceType):
                parts.extend(self._fields_of(type_, depth, scope, at_least=0))
            for concrete in rng.sample(possible, k=rng.randint(1, len(possible))):
                parts.append(self._fragment(concrete, depth, scope))
            if not parts or rng.random() < 0.5:
                parts.append("__typename")
        else:
            assert isinstance(type_, GraphQLObjectType)
            parts.extend(self._fields_of(type_, depth, scope, at_least=1))
            if rng.random() < 0.25:
                parts.append(self._fragment(type_, depth, scope))
            if rng.random() < 0.2:
                parts.append("__typename" + self._directive())
        rng.shuffle(parts)
        return "{ " + " ".join(parts) + " }"

    def _fields_of(
        self,
        type_: GraphQLObjectType | GraphQLInterfaceType,
        depth: int,
        scope: _Scope,
        at_least: int,
    ) -> list[str]:
        rng = self.rng
        names = sorted(type_.fields)
        if depth >= MAX_DEPTH:  # leaves only
            names = [n for n in names if _is_leaf(type_.fields[n])] or names[:1]
        count = min(len(names), rng.randint(max(at_least, 1), 4))
        if at_least == 0 and rng.random() < 0.4:
            count = 0
        return [self._field(type_, n, depth, scope) for n in rng.sample(names, k=count)]

    def _fragment(self, type_: GraphQLObjectType, depth: int, scope: _Scope) -> str:
        """An inline fragment, or a spread of a named fragment written for this place."""
        rng = self.rng
        inner = " ".join(self._fields_of(type_, depth, scope, at_least=1))
        if rng.random() < 0.5:
            on = f"on {type_.name} " if rng.random() < 0.85 else ""  # or on the type in scope
            return f"... {on}{self._directive()}{{ {inner} }}"
        name = f"F{len(self._fragments)}"
        self._fragments.append(f"fragment {name} on {type_.name} {{ {inner} }}")
        return f"...{name}{self._directive()}"

    def _directive(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll > 0.15:
            return ""
        which = rng.choice(("include", "skip"))
        if roll < 0.07:
            return f" @{which}(if: {rng.choice(('true', 'false'))})"
        name = self._variable("Boolean!", rng.random() < 0.5)
        return f" @{which}(if: ${name})"

    # --- arguments ------------------------------------------------------------------------

    def _arguments(self, field_name: str, definition: GraphQLField, root: bool) -> str:
        rng = self.rng
        given: list[str] = []
        for name, argument in definition.args.items():
            required = isinstance(argument.type, GraphQLNonNull)
            nested_list = name == "first" and not root
            # Backward pages are read now and then: each bad value fails the document.
            skip = 0.75 if name in ("last", "before") else 0.5
            if not (required or nested_list) and rng.random() < skip:
                continue
            if required and rng.random() < 0.02:
                continue  # a required argument left out: a validation error
            value = self._value(field_name, name, argument.type)
            if rng.random() < 0.35:
                variable = self._variable(_type_text(argument.type), _variable_value(value))
                given.append(f"{name}: ${variable}")
            else:
                given.append(f"{name}: {_literal(value)}")
        return "(" + ", ".join(given) + ")" if given else ""

    def _variable(self, type_text: str, value: Any) -> str:
        rng = self.rng
        name = f"v{len(self._variables)}"
        if rng.random() < 0.04:  # a value of the wrong type
            value = rng.choice(("ten", 1.5, [1], {"x": 1}, None))
        self._variables.append((name, type_text))
        self._values[name] = value
        return name

    def _value(self, field_name: str, name: str, type_: GraphQLInputType) -> Any:
        rng, v = self.rng, self.values
        named = get_named_type(type_)
        bad = rng.random() < 0.15
        if name in ("first", "last"):
            if bad:
                return rng.choice((-1, 101, 10**6, 2**31))
            return rng.choice((0, 1, 2, 3, 5)) if field_name != "trending" else rng.randint(0, 8)
        if name in ("after", "before"):
            return rng.choice(v.bad_cursors) if bad else rng.choice(v.cursors)
        if name == "username":
            return rng.choice((*v.usernames, "nobody_here", "x")) if not bad else "a b\u0000"
        if isinstance(named, GraphQLEnumType):
            if bad:
                return EnumValue(UNKNOWN_ENUM_VALUE)
            return EnumValue(rng.choice(sorted(named.values)))
        if isinstance(named, GraphQLInputObjectType):
            value: dict[str, Any] = {}
            for key, inner in named.fields.items():
                if rng.random() < 0.4:
                    value[key] = self._value(field_name, key, inner.type)
            return value
        if named.name == "ID":
            return self._id(field_name, name, bad)
        if named.name == "Int":
            return rng.choice((0, 1, 7, -3))
        if named.name == "Boolean":
            return rng.random() < 0.5
        if name == "tag":
            return rng.choice((*v.tags, "no-such-tag", "UPPER"))
        return rng.choice(("x", "", "ünïcödé"))

    def _id(self, field_name: str, name: str, bad: bool) -> str:
        rng, v = self.rng, self.values
        if bad:
            return rng.choice(
                (*v.malformed_ids, rng.choice(v.user_ids), rng.choice(v.entry_ids))
            )  # a user's id where an entry's is asked, and the other way round
        if rng.random() < 0.1:
            return v.missing_user_id if "user" in name.lower() else v.missing_entry_id
        wants_user = "user" in name.lower() or "author" in name.lower() or field_name == "user"
        if field_name == "node":
            wants_user = rng.random() < 0.4
        return rng.choice(v.user_ids if wants_user else v.entry_ids)


def _is_leaf(definition: GraphQLField) -> bool:
    named = get_named_type(definition.type)
    return isinstance(named, (GraphQLScalarType, GraphQLEnumType))


def corpus(schema: GraphQLSchema, values: Values, seed: int, count: int) -> list[Document]:
    """`count` documents, the same for the same seed."""
    generator = CorpusGenerator(schema, values, random.Random(seed))
    return [generator.document() for _ in range(count)]
