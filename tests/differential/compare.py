"""Running one request through a schema, as something two executors' answers compare by."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from strawberry.types import ExecutionResult

from tests.differential.documents import Case

# An object's address in a message differs between any two runs; nothing else may.
_ADDRESS = re.compile(r"0x[0-9a-f]+")


def _errors(result: ExecutionResult) -> list[dict[str, Any]]:
    """The errors as the client gets them (message, locations, path, extensions), in order."""
    return [dict(error.formatted) for error in result.errors or []]


def _raised(error: BaseException) -> dict[str, Any]:
    return {"raised": type(error).__name__, "message": _ADDRESS.sub("0x?", str(error))}


async def execute(schema: strawberry.Schema, case: Case) -> dict[str, Any]:
    """The answer to `case`: data, errors and the order mutations ran in (the context's log,
    as it stands when the answer is ready), or the exception the call raised."""
    context: dict[str, Any] = {"log": []}
    try:
        result = await schema.execute(
            case.document,
            variable_values=case.variables,
            context_value=context,
            operation_name=case.operation_name,
        )
    except Exception as error:
        return _raised(error)
    return {"data": result.data, "errors": _errors(result), "log": list(context["log"])}


async def subscribe(schema: strawberry.Schema, case: Case) -> list[dict[str, Any]]:
    """Every result a subscription yields, in order, then how it ended."""
    context: dict[str, Any] = {"log": []}
    events: list[dict[str, Any]] = []
    try:
        stream = await schema.subscribe(
            case.document,
            variable_values=case.variables,
            context_value=context,
            operation_name=case.operation_name,
        )
        if isinstance(stream, ExecutionResult):
            return [{"data": stream.data, "errors": _errors(stream)}]
        iterator: AsyncIterator[Any] = stream
        async for result in iterator:
            events.append({"data": result.data, "errors": _errors(result)})
    except Exception as error:
        events.append(_raised(error))
    return events


def _first_difference(compiled: Any, reference: Any, where: str = "answer") -> str:
    """Where two answers first part, and how."""
    if isinstance(compiled, dict) and isinstance(reference, dict):
        for key in [*reference, *(k for k in compiled if k not in reference)]:
            if compiled.get(key, "<absent>") != reference.get(key, "<absent>"):
                return _first_difference(
                    compiled.get(key, "<absent>"), reference.get(key, "<absent>"), f"{where}.{key}"
                )
    if isinstance(compiled, list) and isinstance(reference, list):
        for index, (a, b) in enumerate(zip(compiled, reference, strict=False)):
            if a != b:
                return _first_difference(a, b, f"{where}[{index}]")
        if len(compiled) != len(reference):
            return (
                f"{where}: {len(compiled)} items compiled, {len(reference)} in the reference"
                f"\n  compiled:  {_show(compiled)}\n  reference: {_show(reference)}"
            )
    return f"{where}\n  compiled:  {_show(compiled)}\n  reference: {_show(reference)}"


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=repr)


def assert_same(case: Case, compiled: Any, reference: Any) -> None:
    """The two answers are equal; else the request and where they first part."""
    if compiled == reference:
        return
    raise AssertionError(
        "the executors answer differently\n"
        f"{case!r}\nfirst difference at {_first_difference(compiled, reference)}"
    )
