"""Requests a well-behaved client library would not send: NUL, lone surrogates, NaN and
Infinity, numbers of thousands of digits, written by Python's json (\\u0000, \\ud800, NaN).

The request's parser (server/json_input.py) refuses some before GraphQL runs, with HTTP 400
and a GraphQL-shaped body; the schema refuses the rest itself (schema/builtin_scalars.py,
schema/json_scalar.py), which tests reach directly through `schema.execute`."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import httpx

from tests.graphql import token_for


async def send(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    raw_variables: str | None = None,
    as_user: uuid.UUID | None = None,
) -> dict[str, Any]:
    """POST a document whose variables are written by json.dumps (or given as JSON text);
    the answer must be a JSON body with status 200, or 400 from the request's parser,
    whatever was sent."""
    variables_text = raw_variables if raw_variables is not None else json.dumps(variables or {})
    body = f'{{"query": {json.dumps(query)}, "variables": {variables_text}}}'
    headers = {"Content-Type": "application/json"}
    if as_user is not None:
        headers["Authorization"] = f"Bearer {token_for(as_user)}"
    response = await client.post("/graphql", content=body.encode(), headers=headers)
    assert response.status_code in (200, 400), response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    result: dict[str, Any] = response.json()
    return result


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    """The one error of a response, which must have one."""
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    error: dict[str, Any] = errors[0]
    return error


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON: numbers by their decimal value (PostgreSQL gives 9.2e18 back as the
    integer 9200000000000000000, and a double's shortest repr back as that decimal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers):
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return Decimal(repr(a)) == Decimal(repr(b))
    return type(a) is type(b) and a == b
