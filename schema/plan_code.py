"""The Python function an object's plan compiles to: its fields executed in a straight line.

Executing an object's fields by walking its plan costs a loop, a call and several attribute
reads per field; most fields are plain attributes completed as leaves (an id, a title, a
count), and for those the generated function reads the attribute and checks its type inline,
with no call at all when the value is of the type its serialiser returns unchanged (a str
for a String or an ID, an int within 32 bits for an Int, a bool for a Boolean; a datetime's
`isoformat()` for a DateTime). Whatever is
out of the ordinary (the read raises, a null for a non-null field, a value that could be
awaitable) goes to the executor's generic `_execute_field`, which does it all again and
reports what it finds. Other fields go to `_execute_field` as they are; `__typename` is its
constant. The function returns the object's results, or an awaitable of them, exactly as
`CompiledExecutor._execute_fields` would (schema/compiled_executor.py).

Nothing of the document reaches the source as text: response keys and type names are
written as Python literals (`repr`), attributes are Strawberry's Python names, checked to be
identifiers.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from graphql import Undefined
from graphql.pyutils import Path
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_int, serialize_string
from strawberry.schema.types.base_scalars import isoformat
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

if TYPE_CHECKING:
    from schema.execution_plan import Completion, ObjectPlan

# A value not completed inline: the executor's generic path completes it.
UNREAD: Any = object()
# graphql-core's serialisers that return a value of this type unchanged.
SAME_TYPE: dict[Callable[[Any], Any], type] = {
    serialize_string: str,
    serialize_id: str,
    serialize_boolean: bool,
    serialize_int: int,
}
# Values that are never awaitable: a plain attribute holding one needs no check.
PLAIN_VALUES = frozenset({str, int, float, bool, datetime, date, Decimal, UUID})
# Int's range (GraphQL's Int is 32 bits).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

# run(executor, source, path): the path a Path, None, or a tuple standing for one (as_path).
ObjectCode = Callable[[Any, Any, Any], Any]


def as_path(path: Any) -> Path | None:
    """The Path of a response key. Objects run in place get theirs as a plain tuple of the
    same three items (prev, key, typename), three per row of a page, made for nothing unless
    an error or graphql-core's own path asks for one: here it becomes the Path it stands for."""
    if path is None or type(path) is Path:
        return path
    prev, key, typename = path
    return Path(as_path(prev), key, typename)


def leaf_value(completion: Completion, value: Any) -> Any:
    """A read value completed as its leaf type completes it, or UNREAD when anything is out
    of the ordinary (a null for a non-null field, a value that could be awaitable, a
    serialiser that fails or returns null)."""
    if value is None:
        return UNREAD if completion.non_null else None
    if type(value) in PLAIN_VALUES or isinstance(value, Enum):
        try:
            coerced = completion.serialize(value)  # type: ignore[misc]
        except Exception:
            return UNREAD
        if coerced is not None and coerced is not Undefined:
            return coerced
    return UNREAD


def object_code(plan: ObjectPlan) -> ObjectCode:
    """The function executing `plan`'s fields on a source: `run(executor, source, path)`."""
    names: dict[str, Any] = {
        "UNREAD": UNREAD,
        "Path": Path,
        "AS_PATH": as_path,
        "leaf_value": leaf_value,
        "INT_MIN": INT_MIN,
        "INT_MAX": INT_MAX,
    }
    lines = [
        "def run(ex, source, path):",
        "    results = {}",
        "    pending = None",
        "    execute_field = ex._execute_field",
        "    is_awaitable = ex.is_awaitable",
        "    try:",
    ]
    type_name = repr(plan.name)
    if not plan.fields:  # a possible type the selection asks nothing of
        lines.append("        pass")
    for index, field in enumerate(plan.fields):
        key = repr(field.key)
        names[f"F{index}"] = field
        names[f"C{index}"] = field.completion
        if field.typename is not None:
            lines.append(f"        results[{key}] = {field.typename!r}")
            continue
        attribute = _readable(field.attribute)
        if attribute is not None and field.completion.is_leaf:
            same = field.completion.same_type
            lines += _read_lines(attribute)
            if same is int:
                names[f"T{index}"] = int
                lines += [
                    "        else:",
                    f"            if type(v) is not T{index} or not INT_MIN <= v <= INT_MAX:",
                    f"                v = leaf_value(C{index}, v)",
                ]
            elif same is not None:
                names[f"T{index}"] = same
                # A null of a nullable field is its own value (an entry's title, most often).
                null_is_value = "" if field.completion.non_null else "v is not None and "
                lines += [
                    "        else:",
                    f"            if {null_is_value}type(v) is not T{index}:",
                    f"                v = leaf_value(C{index}, v)",
                ]
            elif field.completion.serialize is isoformat:  # DateTime
                names[f"T{index}"] = datetime
                lines += [
                    "        else:",
                    f"            if type(v) is T{index}:",
                    "                v = v.isoformat()",
                    "            else:",
                    f"                v = leaf_value(C{index}, v)",
                ]
            else:
                lines += ["        else:", f"            v = leaf_value(C{index}, v)"]
            lines += [
                "        if v is UNREAD:",
                f"            v = execute_field(F{index}, source, Path(AS_PATH(path), {key},"
                f" {type_name}))",
                *_pending_lines(key, "            "),
                f"        results[{key}] = v",
            ]
            continue
        if field.completion.object_plan is not None and (attribute is not None or field.the_event):
            lines += _object_field_lines(index, field, key, type_name, attribute, names)
            continue
        lines += [
            f"        v = execute_field(F{index}, source, Path(AS_PATH(path), {key}, {type_name}))",
            f"        results[{key}] = v",
            *_pending_lines(key, "        "),
        ]
    lines += [
        "    except Exception:",
        "        if pending:",
        "            ex.settle_in_background([results[key] for key in pending])",
        "        raise",
        "    if pending is None:",
        "        return results",
        "    return ex._gather(results, pending)",
    ]
    code = compile("\n".join(lines), f"<plan of {plan.name}>", "exec")
    exec(code, names)
    run: ObjectCode = names["run"]
    return run


def _object_field_lines(
    index: int,
    field: Any,
    key: str,
    type_name: str,
    attribute: str | None,
    names: dict[str, Any],
) -> list[str]:
    """An object read from an attribute (or a subscription's event, the source itself), its
    plan run in place: what `_execute_field`, `_complete` and `_complete_object` would do,
    four calls fewer. Anything out of the ordinary (the read raises, a null, a value its
    type's check refuses) goes the generic way, which reports it."""
    plan = field.completion.object_plan
    names[f"RUN{index}"] = plan.run
    check = "v is None"
    if plan.is_type_of is not None:
        names[f"IS{index}"] = plan.is_type_of
        if plan.origin is not None:
            # An instance of the type's own class, not cast to another: what Strawberry's
            # check answers True for first thing, with no call.
            names[f"O{index}"] = plan.origin
            names["CAST"] = TYPE_CAST_ATTRIBUTE
            check += (
                f" or ((type(v) is not O{index} or getattr(v, CAST, None) is not None)"
                f" and not IS{index}(v, None))"
            )
        else:
            check += f" or not IS{index}(v, None)"
    if attribute is None:  # the event
        read = ["        v = source", f"        if {check}:", "            v = UNREAD"]
    else:
        read = [*_read_lines(attribute), "        else:", f"            if {check}:"]
        read.append("                v = UNREAD")
    return [
        *read,
        "        if v is UNREAD:",
        f"            v = execute_field(F{index}, source, Path(AS_PATH(path), {key}, {type_name}))",
        *_pending_lines(key, "            "),
        "        else:",
        f"            p = (path, {key}, {type_name})  # a Path once something needs it",
        "            try:",
        f"                v = RUN{index}(ex, v, p)",
        "            except Exception as error:",
        f"                ex.handle_field_error(error, F{index}.return_type, F{index}.details,"
        " AS_PATH(p))",
        "                v = None",
        "            else:",
        "                if type(v) is not dict:  # a plan's code returns its dict or an awaitable",
        f"                    v = ex._await_completed(F{index}, C{index}, AS_PATH(p), v)",
        "                    if pending is None:",
        "                        pending = []",
        f"                    pending.append({key})",
        f"        results[{key}] = v",
    ]


def _readable(attribute: str | None) -> str | None:
    """The attribute, when generated code may read it by name (`source.<name>`)."""
    if attribute is None or not attribute.isidentifier() or keyword.iskeyword(attribute):
        return None
    return attribute


def _read_lines(attribute: str) -> list[str]:
    """`v` is the attribute's value, or UNREAD when reading it raises."""
    return [
        "        try:",
        f"            v = source.{attribute}",
        "        except Exception:",
        "            v = UNREAD",
    ]


def _pending_lines(key: str, indent: str) -> list[str]:
    """When `v` is awaitable, `key` joins the keys gathered after the object's fields."""
    return [
        f"{indent}if is_awaitable(v):",
        f"{indent}    if pending is None:",
        f"{indent}        pending = []",
        f"{indent}    pending.append({key})",
    ]
