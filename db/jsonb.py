"""The json/jsonb codec: Python values in, and out only what the response can carry.

A value read back that the response could not carry exactly (a row written before the input
rules of db/storable.py, or by hand: an integer beyond 64 bits, a number beyond a double,
nesting past MAX_JSON_VALUE_DEPTH) decodes to `Unsendable` instead of raising: a codec that
raises fails the whole statement, so one such row would break every page it is on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from db.storable import MAX_JSON_VALUE_DEPTH, json_problem, nested_deeper_than

# PostgreSQL writes jsonb numbers in plain notation, never with an exponent: only a text with a
# run of 19 digits (2**63 has 19) can hold a number beyond 64 bits, and only one with more
# brackets than MAX_JSON_VALUE_DEPTH can nest deeper. Nearly every value is checked by these
# two scans, at C speed. The run is found in the UTF-8 bytes with every digit made "0" and
# every other byte " ".
_DIGITS_TO_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_WIDE_NUMBER = b"0" * 19
# A text shorter than this holds neither (most values: "{}", {"mood": 2}), and skips both scans.
_SHORT = min(len(_WIDE_NUMBER), MAX_JSON_VALUE_DEPTH + 1)


@dataclass(frozen=True, slots=True)
class Unsendable:
    """A stored JSON value the response cannot carry exactly, and why."""

    reason: str


def encode(value: Any) -> str:
    return json.dumps(value, allow_nan=False)


def decode(text: str) -> Any:
    """The value of `text`, or Unsendable; never raises."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return Unsendable(_reason(error.msg))
    if len(text) < _SHORT:
        return value
    if _WIDE_NUMBER in text.encode(errors="replace").translate(_DIGITS_TO_ZERO):
        problem = json_problem(value)
        if problem is not None:
            return Unsendable(problem)
    elif text.count("[") + text.count("{") > MAX_JSON_VALUE_DEPTH and nested_deeper_than(
        value, MAX_JSON_VALUE_DEPTH
    ):
        return Unsendable(f"nesting deeper than {MAX_JSON_VALUE_DEPTH} levels")
    return value


def _reason(orjson_message: str) -> str:
    """orjson's words for what PostgreSQL can hold and it cannot read, in db/storable's."""
    if "infinity" in orjson_message:
        return "a number beyond the range of a double"
    if "depth" in orjson_message:
        return f"nesting deeper than {MAX_JSON_VALUE_DEPTH} levels"
    return f"not readable as JSON ({orjson_message})"
