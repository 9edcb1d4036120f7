"""The JSON scalar (Entry.metadata, User.stats): in, only values stored and read back exactly;
out, a stored value the response cannot carry is null with an error at its path.

The rules are db/storable.py's. A refused input is BAD_USER_INPUT at coercion, naming the
variable and the path to the value (`Variable '$input' has invalid value at .metadata: JSON
cannot hold an integer beyond 64 bits (at a.b[2]).`). A stored value the jsonb codec could not
decode into something sendable (db/jsonb.py, rows written before these rules) makes that field
null with code INTERNAL and the reason, and leaves the rest of the response whole.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    BooleanValueNode,
    EnumValueNode,
    FloatValueNode,
    GraphQLError,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    Undefined,
    ValueNode,
    VariableNode,
)
from strawberry.types.scalar import ScalarDefinition

from db.jsonb import Unsendable
from db.storable import MAX_JSON_VALUE_DEPTH, json_problem
from resolvers.errors import ApiError

SPECIFIED_BY = (
    "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
)
# The rules in words, for the descriptions of the fields that take or give JSON.
INPUT_RULES = (
    "finite numbers, integers (and numbers PostgreSQL keeps as integers, like 1e20) within "
    f"64 bits, at most {MAX_JSON_VALUE_DEPTH} levels of arrays and objects, and no NUL (U+0000) or "
    "unpaired surrogate in keys or strings"
)
UNSENDABLE_RULE = (
    "Null, with an INTERNAL error at this path giving the reason, when the stored value "
    "cannot be sent exactly as JSON (an integer beyond 64 bits, a number beyond a double, "
    f"nesting deeper than {MAX_JSON_VALUE_DEPTH} levels: possible only for values written before "
    "such input was refused)."
)
DESCRIPTION = (
    "The `JSON` scalar type represents JSON values as specified by "
    f"[ECMA-404]({SPECIFIED_BY}). As input: {INPUT_RULES}."
)

# An integer literal longer than this is beyond 64 bits, refused before int() reads it.
_MAX_INT_LITERAL = len(str(-(2**63)))


def parse_value(value: Any) -> Any:
    problem = json_problem(value)
    if problem is not None:
        raise GraphQLError(f"JSON cannot hold {problem}.")
    return value


def parse_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> Any:
    try:
        value = _from_literal(node, variables, 0)
    except _TooDeep:
        raise GraphQLError(
            f"JSON cannot hold nesting deeper than {MAX_JSON_VALUE_DEPTH} levels.", node
        ) from None
    except _TooLong:
        raise GraphQLError("JSON cannot hold an integer beyond 64 bits.", node) from None
    problem = json_problem(value)
    if problem is not None:
        raise GraphQLError(f"JSON cannot hold {problem}.", node)
    return value


def serialize(value: Any) -> Any:
    if isinstance(value, Unsendable):
        raise ApiError(f"The stored JSON value cannot be sent exactly: {value.reason}.")
    return value


JSON_SCALAR = ScalarDefinition(
    name="JSON",
    description=DESCRIPTION,
    specified_by_url=SPECIFIED_BY,
    serialize=serialize,
    parse_value=parse_value,
    parse_literal=parse_literal,
)


class _TooDeep(Exception):
    pass


class _TooLong(Exception):
    pass


def _from_literal(node: ValueNode, variables: dict[str, Any] | None, depth: int) -> Any:
    """The value of a literal; recursion stops past MAX_JSON_VALUE_DEPTH."""
    if isinstance(node, (ListValueNode, ObjectValueNode)) and depth >= MAX_JSON_VALUE_DEPTH:
        raise _TooDeep
    if isinstance(node, ListValueNode):
        return [_from_literal(item, variables, depth + 1) for item in node.values]
    if isinstance(node, ObjectValueNode):
        return {f.name.value: _from_literal(f.value, variables, depth + 1) for f in node.fields}
    if isinstance(node, IntValueNode):
        if len(node.value) > _MAX_INT_LITERAL:
            raise _TooLong
        return int(node.value)
    if isinstance(node, FloatValueNode):
        return float(node.value)
    if isinstance(node, (StringValueNode, BooleanValueNode)):
        return node.value
    if isinstance(node, EnumValueNode):
        return node.value
    if isinstance(node, VariableNode):
        # Validation passes no variables: their values are checked when they are coerced.
        value = (variables or {}).get(node.name.value, Undefined)
        return None if value is Undefined else value
    assert isinstance(node, NullValueNode), node
    return None
