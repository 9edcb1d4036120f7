"""What PostgreSQL stores and the response carries back unchanged.

Text: PostgreSQL refuses NUL (U+0000) in text and jsonb, and a lone surrogate (U+D800 to
U+DFFF, which JSON's `\\ud800` escape produces) is not UTF-8, so asyncpg cannot send it.

JSON: PostgreSQL keeps a number as `numeric`, exactly as written, and gives it back in plain
notation (1e20 comes back as the integer 100000000000000000000); the response's encoder
(orjson) carries integers of at most 64 bits, finite doubles, and nesting up to 254 levels in
the whole response. A JSON value is exact when storing, reading and sending it leaves it the
same: finite numbers; integers within 64 bits; doubles strictly between -2**63 and 2**63 (any
double beyond is an integer PostgreSQL gives back as one, or an integer text beyond 64 bits
that the request's parser already rounded); at most MAX_JSON_VALUE_DEPTH levels of arrays and
objects; and text as above in its keys and strings.

MAX_JSON_VALUE_DEPTH sits below the bound on a whole request (server/json_input.py, 32
levels, a variable's value starting 3 or 4 levels in), so a value nested too deeply is
refused here, naming its field; and a response (some 30 levels at the query depth limit)
carries it far below orjson's 254.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

MAX_JSON_VALUE_DEPTH = 20
MAX_PATH_SHOWN = 8
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_TWO_63 = 2.0**63

_UNSTORABLE_CHAR = re.compile("[\x00\ud800-\udfff]")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")

Path = list[str | int]


def text_problem(text: str) -> str | None:
    """What in `text` PostgreSQL cannot store, or None."""
    if text.isascii():  # the common case, without the regex
        return "a NUL character (U+0000)" if "\x00" in text else None
    found = _UNSTORABLE_CHAR.search(text)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "a NUL character (U+0000)"
    return f"an unpaired surrogate (U+{ord(char):04X})"


def json_problem(value: object) -> str | None:
    """Why `value` would not come back exactly as it is, with where inside it; or None."""
    found = _problem(value, 0)
    if found is None:
        return None
    path, what = found
    return f"{what} (at {format_path(path)})" if path else what


def nested_deeper_than(value: object, levels: int) -> bool:
    """Whether arrays and objects nest past `levels`, looked at level by level: quicker than
    json_problem when only the depth is in doubt."""
    level: list[dict[Any, Any] | list[Any]] = [value] if isinstance(value, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > levels:
            return True
        deeper: list[dict[Any, Any] | list[Any]] = []
        for container in level:
            items = container.values() if isinstance(container, dict) else container
            deeper += [item for item in items if isinstance(item, (dict, list))]
        level = deeper
    return False


def format_path(path: Path) -> str:
    """`a.b[2]`, its first MAX_PATH_SHOWN steps; a key that is not a short plain name is
    quoted in ASCII, so a message never carries a character the response cannot."""
    parts = []
    for step in path[:MAX_PATH_SHOWN]:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _PLAIN_KEY.fullmatch(step):
            parts.append(f".{step}" if parts else step)
        else:
            shown = step if len(step) <= 40 else step[:40] + "..."
            parts.append(f"[{shown!a}]")
    return "".join(parts) + ("..." if len(path) > MAX_PATH_SHOWN else "")


def _problem(value: object, depth: int) -> tuple[Path, str] | None:
    """Recursion stops at MAX_JSON_VALUE_DEPTH, however deep `value` is. The plain cases are
    checked inline: reads walk stored values of up to 16 KiB with this."""
    if not isinstance(value, (dict, list)):
        return _scalar_problem(value)
    if depth >= MAX_JSON_VALUE_DEPTH:
        return [], f"nesting deeper than {MAX_JSON_VALUE_DEPTH} levels"
    items: Iterable[tuple[str | int, object]] = (
        value.items() if isinstance(value, dict) else enumerate(value)
    )
    for key, item in items:
        if isinstance(key, str) and not (key.isascii() and "\x00" not in key):
            what = text_problem(key)
            if what is not None:
                return [key], f"{what} in a key"
        if isinstance(item, str):
            if item.isascii() and "\x00" not in item:
                continue
        elif item is None or isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if INT64_MIN <= item <= INT64_MAX:
                continue
        elif isinstance(item, float) and -_TWO_63 < item < _TWO_63:  # not NaN, not inf
            continue
        found = _problem(item, depth + 1)
        if found is not None:
            found[0].insert(0, key)
            return found
    return None


def _scalar_problem(value: object) -> tuple[Path, str] | None:
    if isinstance(value, str):
        what = text_problem(value)
        return None if what is None else ([], f"{what} in a string")
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return None
        return [], "an integer beyond 64 bits"
    if isinstance(value, float):
        if math.isnan(value):
            return [], "NaN, which is not a JSON number"
        if math.isinf(value):
            return [], "a number beyond the range of a double"
        if -_TWO_63 < value < _TWO_63:
            return None
        return [], "a number beyond 64 bits, which PostgreSQL keeps as an integer"
    return [], f"a {type(value).__name__}, which is not a JSON value"
