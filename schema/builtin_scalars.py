"""String and ID refuse text PostgreSQL cannot store, Int refuses literals of many digits:
at coercion, for every argument and input field at once, as BAD_USER_INPUT.

A variable's error names it and the path inside it (`Variable '$input' has invalid value at
.content: String cannot hold a NUL character (U+0000).`), a literal's error points at the
literal. Without this, a NUL or a lone surrogate reaches the database and comes back as
INTERNAL, and `first: 1111...` with thousands of digits trips Python's limit on int() (also
INTERNAL).

graphql-core 3.3 reserves the standard scalars' names (a schema cannot define its own String:
"Redefinition of reserved type"), so Strawberry's scalar_overrides cannot replace them.
Instead the coercion functions of graphql-core's own String, ID and Int are wrapped, once per
process, by `refuse_unusable_input`: the server's only schema is ours.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ConstValueNode,
    GraphQLError,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarInputLiteralCoercer,
    GraphQLScalarInputValueCoercer,
    GraphQLString,
    IntValueNode,
)

from db.storable import text_problem

# "-2147483648" is the longest Int literal in range; anything longer is refused before int().
MAX_INT_LITERAL = 11

_WRAPPED = "_resonance_wrapped"


def refuse_unusable_input() -> None:
    """Wrap the standard scalars' coercion (idempotent)."""
    for scalar in (GraphQLString, GraphQLID):
        if getattr(scalar, _WRAPPED, False):
            continue
        value_coercer = _checking_value(scalar.name, scalar.coerce_input_value)
        scalar.coerce_input_value = value_coercer
        scalar.parse_value = value_coercer  # type: ignore[method-assign,assignment]
        assert scalar.coerce_input_literal is not None
        scalar.coerce_input_literal = _checking_literal(scalar.name, scalar.coerce_input_literal)
        setattr(scalar, _WRAPPED, True)
    if not getattr(GraphQLInt, _WRAPPED, False):
        assert GraphQLInt.coerce_input_literal is not None
        GraphQLInt.coerce_input_literal = _short_int_literal(GraphQLInt.coerce_input_literal)
        setattr(GraphQLInt, _WRAPPED, True)


def _refuse(type_name: str, value: object, node: ConstValueNode | None = None) -> None:
    if isinstance(value, str) and (what := text_problem(value)) is not None:
        raise GraphQLError(f"{type_name} cannot hold {what}.", node)


def _checking_value(
    type_name: str, coerce: GraphQLScalarInputValueCoercer
) -> GraphQLScalarInputValueCoercer:
    def coerce_input_value(value: Any) -> Any:
        result = coerce(value)
        _refuse(type_name, result)
        return result

    return coerce_input_value


def _checking_literal(
    type_name: str, coerce: GraphQLScalarInputLiteralCoercer
) -> GraphQLScalarInputLiteralCoercer:
    def coerce_input_literal(node: ConstValueNode) -> Any:
        result = coerce(node)
        _refuse(type_name, result, node)
        return result

    return coerce_input_literal


def _short_int_literal(
    coerce: GraphQLScalarInputLiteralCoercer,
) -> GraphQLScalarInputLiteralCoercer:
    def coerce_input_literal(node: ConstValueNode) -> Any:
        if isinstance(node, IntValueNode) and len(node.value) > MAX_INT_LITERAL:
            raise GraphQLError(
                "Int cannot represent non 32-bit signed integer value "
                f"({len(node.value)} characters long).",
                node,
            )
        return coerce(node)

    return coerce_input_literal
