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
    SKIP,
    ArgumentNode,
    ConstValueNode,
    GraphQLError,
    GraphQLID,
    GraphQLInputType,
    GraphQLInt,
    GraphQLScalarInputLiteralCoercer,
    GraphQLScalarInputValueCoercer,
    GraphQLString,
    IntValueNode,
    ValueNode,
    ValuesOfCorrectTypeRule,
    VariableDefinitionNode,
    VisitorAction,
)
from graphql.utilities.validate_input_value import validate_input_literal

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


class ValuesNamingTheirArgument(ValuesOfCorrectTypeRule):
    """graphql-core's rule for literal values, its errors naming the argument and the path
    inside it as a variable's do (`Argument 'input' has invalid value at .content: String
    cannot hold a NUL character (U+0000).`): graphql-core reports a literal's error bare."""

    where = "a value"

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self.where = f"argument '{node.name.value}'"

    def enter_variable_definition(self, node: VariableDefinitionNode, *_args: Any) -> None:
        self.where = f"the default value of '${node.variable.name.value}'"

    def is_valid_value_node(
        self, node: ValueNode, input_type: GraphQLInputType | None
    ) -> VisitorAction:
        if input_type is None:
            return SKIP
        where = self.where

        def on_error(error: GraphQLError, path: list[str | int]) -> None:
            inside = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
            at = f" at {inside}" if inside else ""
            message = f"{where[0].upper()}{where[1:]} has invalid value{at}: {error.message}"
            self.report_error(
                GraphQLError(message, error.nodes, original_error=error.original_error)
            )

        validate_input_literal(
            node, input_type, on_error, None, None, self.context.hide_suggestions
        )
        return SKIP
