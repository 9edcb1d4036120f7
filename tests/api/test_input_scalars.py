"""Every String and ID argument refuses what PostgreSQL cannot store (NUL, a lone surrogate)
with BAD_USER_INPUT naming it, in variables and in literals; Int literals of thousands of
digits are refused too. Nothing is written."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest

from schema import schema
from tests.api.hostile import only_error, send
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data

NUL = "\x00"
LONE_SURROGATES = ("\ud800", "\udfff")

CREATE_ENTRY = "mutation ($input: CreateEntryInput!) { createEntry(input: $input) { id } }"
UPDATE_ENTRY = (
    "mutation ($id: ID!, $input: UpdateEntryInput!) { updateEntry(id: $id, input: $input) { id } }"
)
CREATE_PROFILE = "mutation ($input: CreateProfileInput!) { createProfile(input: $input) { id } }"
UPDATE_PROFILE = "mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }"
ENTRIES = """
query ($filter: EntryFilter, $after: String) {
  entries(filter: $filter, after: $after) { nodes { id } }
}
"""

# (argument, document, its variables given the bad text and an entry of the signed-in user,
# what the message names).
Case = tuple[str, str, Callable[[str, str], dict[str, Any]], str]
CASES: list[Case] = [
    (
        "content",
        CREATE_ENTRY,
        lambda t, e: {"input": {"content": t}},
        "$input' has invalid value at .content",
    ),
    ("title", CREATE_ENTRY, lambda t, e: {"input": {"content": "x", "title": t}}, ".title"),
    ("agent", CREATE_ENTRY, lambda t, e: {"input": {"content": "x", "agent": t}}, ".agent"),
    ("tags", CREATE_ENTRY, lambda t, e: {"input": {"content": "x", "tags": ["ok", t]}}, ".tags[1]"),
    (
        "parentId",
        CREATE_ENTRY,
        lambda t, e: {"input": {"content": "x", "parentId": t}},
        ".parentId",
    ),
    ("update content", UPDATE_ENTRY, lambda t, e: {"id": e, "input": {"content": t}}, ".content"),
    ("update title", UPDATE_ENTRY, lambda t, e: {"id": e, "input": {"title": t}}, ".title"),
    ("update tags", UPDATE_ENTRY, lambda t, e: {"id": e, "input": {"tags": [t]}}, ".tags[0]"),
    ("update id", UPDATE_ENTRY, lambda t, e: {"id": t, "input": {"title": "x"}}, "$id'"),
    ("username", CREATE_PROFILE, lambda t, e: {"input": {"username": t}}, ".username"),
    (
        "email",
        CREATE_PROFILE,
        lambda t, e: {"input": {"username": "new_one", "email": t}},
        ".email",
    ),
    ("name", UPDATE_PROFILE, lambda t, e: {"input": {"name": t}}, ".name"),
    ("bio", UPDATE_PROFILE, lambda t, e: {"input": {"bio": t}}, ".bio"),
    ("location", UPDATE_PROFILE, lambda t, e: {"input": {"location": t}}, ".location"),
    ("avatar", UPDATE_PROFILE, lambda t, e: {"input": {"avatar": t}}, ".avatar"),
    (
        "user(username:)",
        "query ($u: String) { user(username: $u) { id } }",
        lambda t, e: {"u": t},
        "$u'",
    ),
    ("user(id:)", "query ($id: ID) { user(id: $id) { id } }", lambda t, e: {"id": t}, "$id'"),
    ("entry(id:)", "query ($id: ID!) { entry(id: $id) { id } }", lambda t, e: {"id": t}, "$id'"),
    ("node(id:)", "query ($id: ID!) { node(id: $id) { id } }", lambda t, e: {"id": t}, "$id'"),
    (
        "filter.tag",
        ENTRIES,
        lambda t, e: {"filter": {"tag": t}},
        "$filter' has invalid value at .tag",
    ),
    ("filter.authorId", ENTRIES, lambda t, e: {"filter": {"authorId": t}}, ".authorId"),
    ("after", ENTRIES, lambda t, e: {"after": t}, "$after'"),
    (
        "resonate",
        "mutation ($e: ID!) { resonate(entryId: $e) { id } }",
        lambda t, e: {"e": t},
        "$e'",
    ),
    ("follow", "mutation ($u: ID!) { follow(userId: $u) { id } }", lambda t, e: {"u": t}, "$u'"),
]


async def _rows(conn: asyncpg.Connection) -> tuple[Any, ...]:
    """Every user and entry, as text: equal before and after means nothing was written."""
    return tuple(
        await conn.fetchrow(
            "SELECT (SELECT string_agg(u::text, ',' ORDER BY u.id) FROM users u),"
            " (SELECT string_agg(e::text, ',' ORDER BY e.id) FROM stream_entries e)"
        )
    )


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_a_nul_in_a_text_argument_is_bad_user_input_naming_it(
    conn: asyncpg.Connection, client: httpx.AsyncClient, case: Case
) -> None:
    me = await make_user(conn)
    mine = await make_entry(conn, me)
    before = await _rows(conn)
    _, document, variables, named = case
    # A newcomer for createProfile, which needs a token without a profile.
    signed_in = uuid.uuid4() if document is CREATE_PROFILE else me["id"]

    body = await send(client, document, variables(f"ab{NUL}cd", entry_gid(mine)), as_user=signed_in)

    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert named in error["message"]
    assert "cannot hold a NUL character (U+0000)" in error["message"]
    assert body["data"] is None
    assert await _rows(conn) == before


@pytest.mark.parametrize("bad", LONE_SURROGATES, ids=["d800", "dfff"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_the_schema_refuses_a_lone_surrogate_in_a_text_argument_naming_it(
    case: Case, bad: str
) -> None:
    """The request's parser refuses a lone surrogate escape before GraphQL runs; the schema
    refuses it too, whatever brings it (coercion fails before any resolver runs)."""
    _, document, variables, named = case

    result = await schema.execute(document, variable_values=variables(f"ab{bad}cd", "x"))

    assert result.data is None
    [error] = result.errors or []
    assert error.extensions == {"code": "BAD_USER_INPUT"}
    assert named in error.message
    assert f"cannot hold an unpaired surrogate (U+{ord(bad):04X})" in error.message


@pytest.mark.parametrize("bad", LONE_SURROGATES, ids=["d800", "dfff"])
async def test_a_lone_surrogate_over_http_is_bad_user_input_and_writes_nothing(
    conn: asyncpg.Connection, client: httpx.AsyncClient, bad: str
) -> None:
    me = await make_user(conn)
    for document, variables in [
        (CREATE_ENTRY, {"input": {"content": f"ab{bad}cd"}}),
        (UPDATE_PROFILE, {"input": {"bio": bad}}),
    ]:
        body = await send(client, document, variables, as_user=me["id"])
        assert only_error(body)["extensions"]["code"] == "BAD_USER_INPUT"
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 0
    assert await conn.fetchval("SELECT bio FROM users WHERE id = $1", me["id"]) is None


async def test_a_nul_in_a_string_literal_is_bad_user_input_at_the_literal(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    document = 'mutation {\n  createEntry(input: {content: "ab\\u0000cd"}) { id }\n}'

    body = await send(client, document, as_user=me["id"])

    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == (
        "Argument 'input' has invalid value at .content:"
        " String cannot hold a NUL character (U+0000)."
    )
    assert error["locations"] == [{"line": 2, "column": 32}]
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 0


async def test_a_nul_in_an_id_literal_is_bad_user_input(client: httpx.AsyncClient) -> None:
    body = await send(client, '{ entry(id: "\\u0000") { id } }')
    assert only_error(body)["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_bad_literal_inside_a_list_names_the_argument_and_the_place(
    client: httpx.AsyncClient,
) -> None:
    document = 'mutation { createEntry(input: {content: "x", tags: ["a", "b\\u0000"]}) { id } }'
    body = await send(client, document)
    assert only_error(body)["message"] == (
        "Argument 'input' has invalid value at .tags[1]:"
        " String cannot hold a NUL character (U+0000)."
    )


async def test_a_lone_surrogate_escape_in_a_literal_is_bad_user_input(
    client: httpx.AsyncClient,
) -> None:
    body = await send(client, '{ user(username: "a\\ud800") { id } }')
    assert only_error(body)["extensions"]["code"] == "BAD_USER_INPUT"


async def test_paired_surrogates_and_other_controls_are_stored_and_read_back(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    text = "emoji \U0001f600, tab\t, bell\x07, del\x7f, U+FFFF \uffff"
    created = await send(client, CREATE_ENTRY, {"input": {"content": text}}, as_user=me["id"])
    assert "errors" not in created, created
    got = await data(
        client,
        "query ($id: ID!) { entry(id: $id) { content } }",
        {"id": created["data"]["createEntry"]["id"]},
    )
    assert got["entry"]["content"] == text


async def test_an_int_literal_of_thousands_of_digits_is_bad_user_input(
    client: httpx.AsyncClient,
) -> None:
    body = await send(client, "{ entries(first: %s) { nodes { id } } }" % ("9" * 5000))
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Int cannot represent" in error["message"]


async def test_an_int_literal_of_eleven_characters_is_still_read(
    client: httpx.AsyncClient,
) -> None:
    body = await send(client, "{ entries(first: -2147483648) { nodes { id } } }")
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first must be between 0 and 100" in error["message"]


async def test_a_user_id_and_username_that_are_fine_still_work(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn, username="plain_name")
    got = await data(
        client,
        "query ($u: String, $id: ID) { a: user(username: $u) { id } b: user(id: $id) { id } }",
        {"u": "plain_name", "id": user_gid(me)},
    )
    assert got == {"a": {"id": user_gid(me)}, "b": {"id": user_gid(me)}}
