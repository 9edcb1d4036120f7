"""Hypothesis strategies for what a hostile client sends: documents generated from the
schema itself (fields, arguments, aliases, fragments, directives, variables), values of every
kind (good and bad), ids, cursors, text, and raw bytes.

The documents are built from the served schema, so a field added to the API is fuzzed too.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from hypothesis import strategies as st

from resolvers.ids import encode_id

# Text a client may send: ordinary words, then every kind of trouble: NUL, lone surrogates,
# control characters, right-to-left marks, very long runs.
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202e",
    "\ufeff",
    "\n\r\t",
    "'; DROP TABLE users; --",
    "${jndi:ldap://x}",
    "%s%n",
    "\\u0000",
    "😀" * 50,
    "a" * 10_001,
]

text = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0xFFFF), max_size=20),
)

# Numbers that break naive code: beyond 32 and 64 bits, beyond float, 5,000 digits.
NASTY_INTS = [0, -1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 2**64, 10**30, 10**4000]
# Beyond what Python turns into an int from text (4,300 digits): only ever sent as text.
HUGE_NUMBER = "9" * 5000
NASTY_FLOATS = [1e20, 1e308, -0.0, 5e-324, math.inf, -math.inf, math.nan]

integers = st.one_of(st.sampled_from(NASTY_INTS), st.integers(-1000, 1000))
floats = st.one_of(st.sampled_from(NASTY_FLOATS), st.floats())

# JSON-ish values of any shape, deep nesting included (built by hand: Hypothesis' recursion
# keeps shapes shallow).
json_leaves = st.one_of(st.none(), st.booleans(), integers, floats, text)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=20,
)


@dataclass(frozen=True)
class Deep:
    """JSON nested `depth` levels: written out as text (Python's json and Hypothesis'
    printer both recurse, and give up long before 100,000 levels)."""

    depth: int

    def text(self) -> str:
        return '{"a":[' * (self.depth // 2) + "1" + "]}" * (self.depth // 2)


deep_json = st.sampled_from([300, 3_000, 100_000]).map(Deep)


def to_json(value: Any) -> str:
    """JSON text of a generated value, Deep values included."""
    if isinstance(value, Deep):
        return value.text()
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{to_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


@dataclass
class Known:
    """Real ids and cursors from the fuzz database, so generated documents reach resolvers."""

    entry_ids: Sequence[int] = ()
    user_ids: Sequence[str] = ()
    cursors: Sequence[str] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def global_ids(known: Known) -> st.SearchStrategy[str]:
    """Ids: real ones, ids of the right shape with a bad key, and garbage."""
    real = [encode_id("Entry", i) for i in known.entry_ids] + [
        encode_id("User", u) for u in known.user_ids
    ]
    keys = st.one_of(
        st.sampled_from(["²", "١٢", "-1", "0x10", "1e3", " 1", "9" * 20, "9" * 5000, "", "\x00"]),
        integers.map(str),
        text,
    )
    shaped = st.builds(
        lambda kind, key: _b64(f"{kind}:{key}".encode(errors="surrogatepass")),
        st.sampled_from(["Entry", "User", "Nope", ""]),
        keys,
    )
    return st.one_of(
        st.sampled_from(real or ["RW50cnk6MQ=="]),
        shaped,
        text,
        st.binary(max_size=30).map(_b64),
    )


def cursors(known: Known) -> st.SearchStrategy[str]:
    """Cursors: real ones, cursors of each list with bad parts, and garbage."""
    parts = st.one_of(
        st.sampled_from(
            [
                "0001-01-01T00:00:00+14:00",
                "9999-12-31T23:59:59-14:00",
                "2026-01-01T00:00:00",
                "2026-13-45",
                "²",
                str(2**63),
                str(2**31),
                "-1",
                "00000000-0000-0000-0000-000000000000",
                "9" * 5000,
            ]
        ),
        integers.map(str),
        text,
    )
    shaped = st.builds(
        lambda kind, ps: base64.urlsafe_b64encode(
            "|".join([kind, *ps]).encode(errors="surrogatepass")
        ).decode(),
        st.sampled_from(["entries", "feed", "branches", "follows", "interactions", "x"]),
        st.lists(parts, max_size=3),
    )
    return st.one_of(st.sampled_from(list(known.cursors) or ["eA=="]), shaped, text)


# ---- GraphQL literals -------------------------------------------------------------------


def string_literal(value: str) -> str:
    """A GraphQL string literal: JSON's escapes are GraphQL's (lone surrogates escaped)."""
    return json.dumps(value)


def literal_of(value: Any) -> str:
    """Any JSON-ish Python value as a GraphQL literal (for JSON-scalar arguments)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "1e400"
    if isinstance(value, Deep):
        return "[" * value.depth + "]" * value.depth
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal_of(v) for v in value) + "]"
    pairs = (f"{_name_like(k)}: {literal_of(v)}" for k, v in value.items())
    return "{" + ", ".join(pairs) + "}"


def _name_like(key: str) -> str:
    cleaned = "".join(c for c in key if c.isascii() and (c.isalnum() or c == "_"))
    return cleaned if cleaned and not cleaned[0].isdigit() else "k" + cleaned


# Plain values a well-behaved client sends, for documents meant to run.
plain_text = st.text(alphabet="abcdefghij_ XYZ", min_size=1, max_size=12)
plain_json = st.dictionaries(st.sampled_from(["mood", "place", "n"]), st.integers(0, 9), max_size=3)


@dataclass
class Builder:
    """Draws one document; collects the variables and fragments it defines on the way.

    A chaotic document has arguments of the wrong kind, unknown arguments and directives,
    clashing fields and hostile values; a plain one (`chaos` False) is meant to run: every
    value of its argument's type, each field named once per selection and those of named
    fragments under aliases of their own (so no two clash).
    """

    draw: st.DrawFn
    schema: GraphQLSchema
    known: Known
    chaos: bool = True
    variables: dict[str, tuple[str, Any]] = field(default_factory=dict)
    fragments: list[str] = field(default_factory=list)
    # Fields left to draw: keeps documents within what a request body may hold.
    budget: int = 60
    aliases: int = 0
    in_fragment: int = 0

    def value(self, type_: GraphQLInputType, depth: int = 0) -> str:
        """A literal for an argument of `type_` (sometimes a variable instead)."""
        if self.draw(st.integers(0, 9)) == 0:
            return self.variable(type_)
        if self.chaos and self.draw(st.integers(0, 7)) == 0:  # a literal of the wrong kind
            return self.draw(st.sampled_from(['"x"', "1", "1.5", "true", "null", "[]", "{}", "X"]))
        nullable = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(nullable, GraphQLList):
            items = self.draw(st.integers(0, 3))
            return (
                "[" + ", ".join(self.value(nullable.of_type, depth + 1) for _ in range(items)) + "]"
            )
        named = get_named_type(nullable)
        if isinstance(named, GraphQLEnumType):
            return self.draw(st.sampled_from([*map(str, named.values), *["NOPE"] * self.chaos]))
        if isinstance(named, GraphQLInputObjectType):
            fields = [
                f"{name}: {self.value(f.type, depth + 1)}"
                for name, f in named.fields.items()
                if is_non_null_type(f.type) or self.draw(st.booleans())
            ]
            return "{" + ", ".join(fields) + "}"
        if not self.chaos:
            return self.plain_literal(named)
        return self.scalar_literal(named)

    def plain_literal(self, named: GraphQLNamedType) -> str:
        value = self.draw(self.plain_value(named))
        return literal_of(value) if named.name in ("Int", "Boolean", "JSON") else json.dumps(value)

    def plain_value(self, named: GraphQLNamedType) -> st.SearchStrategy[Any]:
        real_ids = [encode_id("Entry", i) for i in self.known.entry_ids] + [
            encode_id("User", u) for u in self.known.user_ids
        ]
        return {
            "ID": st.sampled_from(real_ids or ["RW50cnk6MQ=="]),
            "Int": st.integers(0, 8),
            "Boolean": st.booleans(),
            "JSON": plain_json,
            "String": st.one_of(plain_text, st.sampled_from(list(self.known.cursors) or ["x"])),
        }.get(named.name, plain_text)

    def scalar_literal(self, named: GraphQLNamedType) -> str:
        name = named.name
        if name == "ID":
            return string_literal(self.draw(global_ids(self.known)))
        if name == "Int":
            return self.draw(
                st.one_of(st.integers(0, 30).map(str), integers.map(str), st.just(HUGE_NUMBER))
            )
        if name == "Boolean":
            return self.draw(st.sampled_from(["true", "false"]))
        if name == "JSON":
            return self.draw(
                st.one_of(
                    json_values.map(literal_of),
                    st.just("{a: " + HUGE_NUMBER + "}"),
                    st.just("[" * 300 + "]" * 300),
                )
            )
        if name == "String":
            return string_literal(self.draw(st.one_of(text, cursors(self.known))))
        return string_literal(self.draw(text))

    def variable(self, type_: GraphQLInputType) -> str:
        name = f"v{len(self.variables)}"
        value = self.draw(self.variable_value(type_))
        self.variables[name] = (str(type_), value)
        return f"${name}"

    def variable_value(self, type_: GraphQLInputType) -> st.SearchStrategy[Any]:
        if not self.chaos:
            return self.plain_variable(type_)
        named = get_named_type(type_)
        likely: st.SearchStrategy[Any]
        if named.name == "ID":
            likely = global_ids(self.known)
        elif named.name == "Int":
            likely = integers
        elif named.name == "String":
            likely = st.one_of(text, cursors(self.known))
        elif named.name == "JSON":
            likely = st.one_of(json_values, deep_json)
        else:
            likely = json_values
        return st.one_of(likely, json_values)

    def plain_variable(self, type_: GraphQLInputType) -> st.SearchStrategy[Any]:
        """A value of `type_` as JSON, as a client's variables hold it."""
        nullable = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(nullable, GraphQLList):
            return st.lists(self.plain_variable(nullable.of_type), max_size=3)
        named = get_named_type(nullable)
        if isinstance(named, GraphQLEnumType):
            return st.sampled_from(list(map(str, named.values)))
        if isinstance(named, GraphQLInputObjectType):
            return st.fixed_dictionaries(
                {
                    n: self.plain_variable(f.type)
                    for n, f in named.fields.items()
                    if is_non_null_type(f.type)
                },
                optional={
                    n: self.plain_variable(f.type)
                    for n, f in named.fields.items()
                    if not is_non_null_type(f.type)
                },
            )
        return self.plain_value(named)

    def selection(self, type_: GraphQLNamedType, depth: int) -> str:
        """A selection set on an object, interface or union type."""
        parts: list[str] = []
        if isinstance(type_, GraphQLUnionType):
            for member in type_.types:
                parts.append(f"... on {member.name} {self.selection(member, depth)}")
            return "{ __typename " + " ".join(parts) + " }"
        assert isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType))
        names = sorted(type_.fields)
        # A plain document names each field once per selection: no two can clash.
        unique = not self.chaos
        chosen = self.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=unique))
        for name in chosen:
            self.budget -= 1
            parts.append(self.field(name, type_.fields[name], depth if self.budget > 0 else 0))
        if self.draw(st.integers(0, 4)) == 0:
            parts.append("__typename")
        if isinstance(type_, GraphQLInterfaceType) and self.budget > 0:
            for impl in self.schema.get_possible_types(type_):
                parts.append(f"... on {impl.name} {self.selection(impl, depth)}")
        if depth > 0 and self.budget > 0 and self.draw(st.integers(0, 5)) == 0:
            fragment = f"F{len(self.fragments)}"
            self.fragments.append("")  # reserve the name before recursing
            self.in_fragment += 1
            body = self.selection(type_, depth - 1)
            self.in_fragment -= 1
            self.fragments[int(fragment[1:])] = f"fragment {fragment} on {type_.name} {body}"
            parts.append(f"...{fragment}")
        return "{ " + " ".join(parts) + " }"

    def field(self, name: str, definition: GraphQLField, depth: int) -> str:
        if not self.chaos and self.in_fragment:  # may meet its siblings' fields: a key of its own
            self.aliases += 1
            alias = f"f{self.aliases}: "
        elif not self.chaos:
            alias = ""
        elif self.draw(st.integers(0, 5)) == 0:
            alias = f"a{self.draw(st.integers(0, 99))}: "
        else:
            alias = ""
        args = [
            f"{arg_name}: {self.value(arg.type)}"
            for arg_name, arg in definition.args.items()
            if (is_non_null_type(arg.type) and arg.default_value is Undefined)
            or self.draw(st.booleans())
        ]
        if self.chaos and self.draw(st.integers(0, 30)) == 0:
            args.append("nope: 1")
        directive = ""
        if self.draw(st.integers(0, 8)) == 0:
            directives = [" @include(if: true)", " @skip(if: false)", " @skip(if: true)"]
            directive = self.draw(st.sampled_from([*directives, *[" @nope"] * self.chaos]))
        head = alias + name + (f"({', '.join(args)})" if args else "") + directive
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return head
        if depth <= 0:
            return head + " { __typename }"
        return head + " " + self.selection(named, depth - 1)

    def document(self, root: GraphQLObjectType, keyword: str) -> str:
        body = self.selection(root, self.draw(st.integers(0, 5)))
        definitions = ", ".join(f"${n}: {t}" for n, (t, _) in self.variables.items())
        head = keyword + (f"({definitions})" if definitions else "")
        return "\n".join([f"{head} {body}", *self.fragments])


@st.composite
def operations(draw: st.DrawFn, schema: GraphQLSchema, known: Known) -> tuple[str, dict[str, Any]]:
    """(document, variables): a query, mutation or subscription over the whole schema."""
    chaos = draw(st.booleans())
    kinds = [("query", schema.query_type)] * 2 + [("mutation", schema.mutation_type)]
    if chaos:  # over HTTP, refused for the protocol: never runs
        kinds.append(("subscription", schema.subscription_type))
    keyword, root = draw(st.sampled_from([(k, r) for k, r in kinds if r is not None]))
    builder = Builder(draw, schema, known, chaos)
    document = builder.document(root, keyword)
    return document, {name: value for name, (_, value) in builder.variables.items()}


@st.composite
def garbled(draw: st.DrawFn, schema: GraphQLSchema, known: Known) -> str:
    """A generated document cut, spliced or sprinkled with bytes that do not belong."""
    document, _ = draw(operations(schema, known))
    cut = draw(st.integers(0, len(document)))
    how = draw(st.sampled_from(["truncate", "insert", "duplicate", "replace"]))
    noise = draw(
        st.one_of(st.sampled_from(["{", "}", "(", "...", "$", "@", '"', "#", "\x00"]), text)
    )
    if how == "truncate":
        return document[:cut]
    if how == "insert":
        return document[:cut] + noise + document[cut:]
    if how == "duplicate":
        return document[:cut] + document
    return document[:cut] + noise + document[cut + len(noise) :]
