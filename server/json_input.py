"""JSON a client sent (a request body, a GET parameter, a WebSocket message), read strictly.

orjson does the parsing: it refuses what is not UTF-8, a lone surrogate escape (`"\\ud800"`, a
string no encoder can write back), NaN and Infinity, numbers beyond a double (a 5,000-digit
number), and nesting past 1,024 levels, all without recursing in Python. We then bound the
nesting far lower: the document's own depth limit is 15, and variables (metadata included)
need little more. Integers beyond 64 bits arrive as floats, as they would in a JavaScript
client. Each refusal says what is wrong, in words for the client.
"""

from __future__ import annotations

from typing import Any

import orjson

# Levels of objects and arrays in one request, the request itself included: a mutation's
# input sits at level 3 of a body ({variables: {input: {...}}}), 4 of a WebSocket message.
MAX_JSON_DEPTH = 32


class MalformedJson(ValueError):
    """The client's JSON cannot be used; the message says why."""


def loads(data: bytes | str, what: str = "the request body") -> object:
    """The parsed value, or MalformedJson naming `what` and the problem."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise MalformedJson(_explain(str(error), data, what)) from None
    if nested_deeper_than(value, MAX_JSON_DEPTH):
        raise MalformedJson(f"{what} is nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def nested_deeper_than(value: object, limit: int) -> bool:
    """Whether objects and arrays nest past `limit` levels (level by level, no recursion)."""
    level: list[dict[str, Any] | list[Any]] = []
    if isinstance(value, (dict, list)):
        level.append(value)
    depth = 1
    while level:
        if depth > limit:
            return True
        deeper: list[dict[str, Any] | list[Any]] = []
        for container in level:
            for child in container.values() if isinstance(container, dict) else container:
                if isinstance(child, (dict, list)):
                    deeper.append(child)
        level, depth = deeper, depth + 1
    return False


def _explain(reason: str, data: bytes | str, what: str) -> str:
    if "not valid UTF-8" in reason:
        if isinstance(data, bytes):
            try:
                data.decode()
            except UnicodeDecodeError as error:
                return f"{what} is not UTF-8 text (an invalid byte at offset {error.start})"
        return f"{what} holds a lone surrogate, which is not a character"
    if "surrogate" in reason:
        return f"{what} holds a lone surrogate escape (\\ud800-\\udfff without its pair)"
    if "infinity" in reason:
        return f"{what} holds a number too large for JSON (beyond a 64-bit float)"
    if "depth limit" in reason or "recursion" in reason:
        return f"{what} is nested deeper than {MAX_JSON_DEPTH} levels"
    return f"{what} is not valid JSON: {reason}"
