"""Metadata (the JSON scalar) is accepted only when it is stored and read back exactly: every
other value is BAD_USER_INPUT naming the field and the place inside it, and nothing is
written."""

from __future__ import annotations

import json
import math
from typing import Any

import asyncpg
import httpx
import pytest

from db.storable import MAX_JSON_VALUE_DEPTH
from schema import schema
from tests.api.hostile import only_error, same_json, send
from tests.factories import entry_gid, make_entry, make_user

CREATE = "mutation ($input: CreateEntryInput!) { createEntry(input: $input) { id metadata } }"
UPDATE = """
mutation ($id: ID!, $input: UpdateEntryInput!) {
  updateEntry(id: $id, input: $input) { id metadata }
}
"""
READ = "query ($id: ID!) { entry(id: $id) { metadata } }"


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


# (metadata as JSON text, what the message says, where inside the metadata). The request's
# parser reads integers beyond 64 bits as doubles, so 18446744073709551616 arrives as 2.0**64.
WIDE = "a number beyond 64 bits, which PostgreSQL keeps as an integer"
REFUSED = [
    ('{"a": {"b": 1e20}}', WIDE, "(at a.b)"),
    ('{"a": -1e19}', WIDE, "(at a)"),
    ('{"a": 9.3e18}', WIDE, "(at a)"),
    ('{"a": 9223372036854775808}', "an integer beyond 64 bits", "(at a)"),
    ('{"a": -9223372036854775809}', WIDE, "(at a)"),
    ('{"a": 18446744073709551616}', WIDE, "(at a)"),
    (
        json.dumps({"a": nested(MAX_JSON_VALUE_DEPTH)}),
        "nesting deeper than 20 levels",
        "(at a[0][0][0][0][0][0][0]...)",
    ),
    ('{"a\\u0000b": 1}', "a NUL character (U+0000) in a key", "(at ['a\\x00b'])"),
    ('{"a": ["x\\u0000"]}', "a NUL character (U+0000) in a string", "(at a[0])"),
]


@pytest.mark.parametrize(("metadata", "what", "where"), REFUSED, ids=[r[0][:40] for r in REFUSED])
async def test_metadata_that_would_not_read_back_is_refused_naming_where(
    conn: asyncpg.Connection, client: httpx.AsyncClient, metadata: str, what: str, where: str
) -> None:
    me = await make_user(conn)
    body = await send(
        client,
        CREATE,
        raw_variables=f'{{"input": {{"content": "x", "metadata": {metadata}}}}}',
        as_user=me["id"],
    )
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == (
        f"Variable '$input' has invalid value at .metadata: JSON cannot hold {what} {where}."
    )
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 0


# What the request's parser refuses before GraphQL runs (HTTP 400): the schema refuses it
# too, whatever brings it.
REFUSED_BY_THE_SCHEMA_TOO = [
    ({"a": math.nan}, "NaN, which is not a JSON number (at a)"),
    ({"a": [1, math.inf]}, "a number beyond the range of a double (at a[1])"),
    ({"a": -math.inf}, "a number beyond the range of a double (at a)"),
    ({"a": ["\ud800"]}, "an unpaired surrogate (U+D800) in a string (at a[0])"),
    ({"a": {"\udc00": 1}}, "an unpaired surrogate (U+DC00) in a key (at a['\\udc00'])"),
    ("\ud83d", "an unpaired surrogate (U+D83D) in a string"),
    ({"a": 10**30}, "an integer beyond 64 bits (at a)"),
]


@pytest.mark.parametrize(
    ("metadata", "what"),
    REFUSED_BY_THE_SCHEMA_TOO,
    ids=[ascii(r[0])[:30] for r in REFUSED_BY_THE_SCHEMA_TOO],
)
async def test_the_schema_refuses_what_json_cannot_carry_naming_where(
    metadata: Any, what: str
) -> None:
    result = await schema.execute(
        CREATE, variable_values={"input": {"content": "x", "metadata": metadata}}
    )
    [error] = result.errors or []
    assert error.extensions == {"code": "BAD_USER_INPUT"}
    assert error.message == (
        f"Variable '$input' has invalid value at .metadata: JSON cannot hold {what}."
    )


@pytest.mark.parametrize("metadata", ['{"a": NaN}', '{"a": 1e400}', '{"a": "\\ud800"}'])
async def test_what_the_request_parser_refuses_is_bad_user_input_and_writes_nothing(
    conn: asyncpg.Connection, client: httpx.AsyncClient, metadata: str
) -> None:
    me = await make_user(conn)
    body = await send(
        client,
        CREATE,
        raw_variables=f'{{"input": {{"content": "x", "metadata": {metadata}}}}}',
        as_user=me["id"],
    )
    assert only_error(body)["extensions"]["code"] == "BAD_USER_INPUT"
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 0


async def test_update_entry_refuses_such_metadata_and_keeps_the_old(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    entry = await make_entry(conn, me, metadata={"kept": True})
    body = await send(
        client,
        UPDATE,
        raw_variables=f'{{"id": "{entry_gid(entry)}", "input": {{"metadata": {{"a": 1e20}}}}}}',
        as_user=me["id"],
    )
    assert only_error(body)["extensions"]["code"] == "BAD_USER_INPUT"
    stored = await conn.fetchval("SELECT metadata FROM stream_entries WHERE id = $1", entry["id"])
    assert stored == {"kept": True}


LITERALS_REFUSED = [
    ("{a: 1e20}", "beyond 64 bits"),
    ("{a: %s}" % ("9" * 5000), "integer beyond 64 bits"),
    ("{a: -9223372036854775809}", "integer beyond 64 bits"),
    ("{a: 1e400}", "beyond the range of a double"),
    ('{a: "x\\u0000"}', "NUL character"),
    (
        "[" * (MAX_JSON_VALUE_DEPTH + 1) + "]" * (MAX_JSON_VALUE_DEPTH + 1),
        "nesting deeper than 20 levels",
    ),
    ("[" * 60 + "]" * 60, "nesting deeper than 20 levels"),
]


@pytest.mark.parametrize(
    ("literal", "what"), LITERALS_REFUSED, ids=[r[0][:30] for r in LITERALS_REFUSED]
)
async def test_metadata_literals_that_would_not_read_back_are_refused(
    conn: asyncpg.Connection, client: httpx.AsyncClient, literal: str, what: str
) -> None:
    me = await make_user(conn)
    document = f'mutation {{ createEntry(input: {{content: "x", metadata: {literal}}}) {{ id }} }}'
    error = only_error(await send(client, document, as_user=me["id"]))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert what in error["message"]
    assert error["locations"] == [{"line": 1, "column": document.index("metadata:") + 11}]
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 0


async def test_a_variable_inside_a_metadata_literal_counts_towards_its_depth(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    document = """
    mutation ($inner: JSON) {
      createEntry(input: {content: "x", metadata: {wrap: $inner}}) { metadata }
    }
    """
    fits = await send(
        client, document, {"inner": nested(MAX_JSON_VALUE_DEPTH - 1)}, as_user=me["id"]
    )
    assert fits["data"]["createEntry"]["metadata"] == {"wrap": nested(MAX_JSON_VALUE_DEPTH - 1)}
    too_deep = await send(
        client, document, {"inner": nested(MAX_JSON_VALUE_DEPTH)}, as_user=me["id"]
    )
    assert only_error(too_deep)["extensions"]["code"] == "BAD_USER_INPUT"
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 1


EXACT = {
    "int64 max": 2**63 - 1,
    "int64 min": -(2**63),
    "a double below 2**63": 9.2e18,
    "the smallest double": 5e-324,
    "the largest double below 2**63": 9223372036854774784.0,
    "negative zero": -0.0,
    "a tenth": 0.1,
    "many digits": 0.1234567890123456789,
    "deep": nested(MAX_JSON_VALUE_DEPTH - 1),
    "text": "emoji \U0001f600 and U+FFFF \uffff",
    "": ["empty key", None, True, False, {}, []],
}


async def test_metadata_at_the_limits_reads_back_exactly(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    created = await send(
        client, CREATE, {"input": {"content": "x", "metadata": EXACT}}, as_user=me["id"]
    )
    assert "errors" not in created, created
    assert same_json(created["data"]["createEntry"]["metadata"], EXACT)
    read = await send(client, READ, {"id": created["data"]["createEntry"]["id"]})
    assert same_json(read, {"data": {"entry": {"metadata": EXACT}}})


async def test_metadata_nested_to_the_limit_in_a_literal_is_accepted(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    literal = "[" * MAX_JSON_VALUE_DEPTH + "1" + "]" * MAX_JSON_VALUE_DEPTH
    document = (
        f'mutation {{ createEntry(input: {{content: "x", metadata: {literal}}}) {{ metadata }} }}'
    )
    body = await send(client, document, as_user=me["id"])
    assert body == {"data": {"createEntry": {"metadata": nested(MAX_JSON_VALUE_DEPTH)}}}
