"""Ids and cursors parse strictly: only keys their columns hold reach the database; anything
else is BAD_USER_INPUT naming the argument."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from db import unchecked
from tests.api.hostile import only_error, send
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data


def b64(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return base64.b64encode(raw).decode()


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


A_UUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
TS = "2024-05-01T12:00:00.123456+00:00"

BAD_ENTRY_KEYS = [
    "\u00b2",  # a digit to str.isdigit, not to int
    "\u0661",  # ARABIC-INDIC DIGIT ONE: int() reads it
    "1_0",
    "+1",
    "-1",
    " 1",
    "1\n",
    "007",
    "9223372036854775808",
    "9" * 5000,
]
BAD_USER_KEYS = [
    "{" + A_UUID + "}",
    "urn:uuid:" + A_UUID,
    A_UUID.replace("-", ""),
    A_UUID.replace("3", "\uff13"),  # FULLWIDTH DIGIT THREE
    A_UUID[:-1],
    "3f25_4e0-4f89-41d3-9a0c-0305e82c3301",
]
NOT_IDS = ["not base64!", b64(b"\xff\xfe:1"), b64("Entry"), b64(":1"), "\u00e9"]


@pytest.mark.parametrize(
    "global_id",
    [b64(f"Entry:{k}") for k in BAD_ENTRY_KEYS] + NOT_IDS,
    ids=[repr(k)[:20] for k in BAD_ENTRY_KEYS] + [repr(k) for k in NOT_IDS],
)
async def test_entry_ids_parse_strictly_naming_the_argument(
    conn: asyncpg.Connection, client: httpx.AsyncClient, global_id: str
) -> None:
    me = await make_user(conn)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("query ($id: ID!) { entry(id: $id) { id } }", {"id": global_id}, "id is not"),
        ("query ($id: ID!) { node(id: $id) { id } }", {"id": global_id}, "id is not"),
        (
            "mutation ($id: ID!) { resonate(entryId: $id) { id } }",
            {"id": global_id},
            "entryId is not",
        ),
        (
            'mutation ($id: ID!) { createEntry(input: {content: "x", parentId: $id}) { id } }',
            {"id": global_id},
            "input.parentId is not",
        ),
    ]
    for document, variables, named in cases:
        error = only_error(await send(client, document, variables, as_user=me["id"]))
        assert error["extensions"]["code"] == "BAD_USER_INPUT", document
        assert error["message"].startswith(named), (document, error)
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 0


@pytest.mark.parametrize("key", BAD_USER_KEYS, ids=[repr(k)[:24] for k in BAD_USER_KEYS])
async def test_user_ids_parse_strictly_naming_the_argument(
    conn: asyncpg.Connection, client: httpx.AsyncClient, key: str
) -> None:
    me = await make_user(conn)
    global_id = b64(f"User:{key}")
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("query ($id: ID) { user(id: $id) { id } }", {"id": global_id}, "id is not a User id"),
        (
            "mutation ($id: ID!) { follow(userId: $id) { id } }",
            {"id": global_id},
            "userId is not a User id",
        ),
        (
            "query ($f: EntryFilter) { entries(filter: $f) { nodes { id } } }",
            {"f": {"authorId": global_id}},
            "filter.authorId is not a User id",
        ),
    ]
    for document, variables, named in cases:
        error = only_error(await send(client, document, variables, as_user=me["id"]))
        assert error["extensions"]["code"] == "BAD_USER_INPUT", document
        assert error["message"] == named


async def test_ids_at_the_edges_of_their_ranges_are_read(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    someone = await make_user(conn, user_id=uuid.UUID(A_UUID))
    got = await data(
        client,
        """query ($max: ID!, $zero: ID!, $upper: ID) {
          max: entry(id: $max) { id } zero: entry(id: $zero) { id } user(id: $upper) { id }
        }""",
        {
            "max": b64("Entry:9223372036854775807"),
            "zero": b64("Entry:0"),
            "upper": b64(f"User:{A_UUID.upper()}"),
        },
    )
    assert got == {"max": None, "zero": None, "user": {"id": user_gid(someone)}}


BAD_CURSORS = {
    "entries": [
        f"entries|{TS}|9223372036854775808",
        f"entries|{TS}|\u0661",
        f"entries|{TS}|1_0",
        f"entries|{TS}|-1",
        f"entries|{TS}|" + "9" * 5000,
        "entries|2024-05-01T12:00:00|1",  # no offset
        "entries|2024-05-01T12:00:00Z|1",  # not as isoformat() writes it
        "entries|2024-05-01|1",
        "entries|2024-W18-3T12:00:00+00:00|1",
        "entries|0001-01-01T00:30:00+01:00|1",  # year 0 in UTC
        "entries|9999-12-31T23:00:00-05:00|1",  # year 10000 in UTC
        "entries|2024-13-01T00:00:00+00:00|1",
        f"entries|{TS}",
        f"entries|{TS}|1|2",
        f"feed|{TS}|1",
    ],
    "branches": ["branches|2147483648", "branches|-1", "branches|\u00b2", f"entries|{TS}|1"],
    "follows": [
        f"follows|{TS}|{{{A_UUID}}}",
        f"follows|{TS}|{A_UUID.replace('-', '')}",
        f"follows|{TS}|1",
    ],
    "interactions": [f"interactions|{TS}|9223372036854775808", f"interactions|{TS}|{A_UUID}"],
    "feed": [f"feed|{TS}|9223372036854775808", "feed|0001-01-01T00:00:00+00:01|1"],
}
NOT_CURSORS = ["not base64!", base64.urlsafe_b64encode(b"\xff|1").decode(), "\u00e9", ""]

# Each list's field, the variable it needs besides $after, and its cursors' kind.
LISTS = {
    "entries": ("entries(after: $after) { nodes { id } }", "", "entries"),
    "user entries": ("user(id: $id) { entries(after: $after) { nodes { id } } }", "id", "entries"),
    "branches": ("entry(id: $e) { branches(after: $after) { nodes { id } } }", "e", "branches"),
    "resonators": (
        "entry(id: $e) { resonators(after: $after) { nodes { id } } }",
        "e",
        "interactions",
    ),
    "followers": ("user(id: $id) { followers(after: $after) { nodes { id } } }", "id", "follows"),
    "feed": ("feed(after: $after) { edges { cursor } }", "", "feed"),
}


@pytest.mark.parametrize("name", LISTS)
async def test_cursors_parse_strictly_on_every_list(
    conn: asyncpg.Connection, client: httpx.AsyncClient, name: str
) -> None:
    me, other = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, me)
    await unchecked.insert_follow(conn, follower_id=other["id"], followed_id=me["id"])
    field, parent, kind = LISTS[name]
    declared = f"${parent}: ID!, " if parent else ""
    document = f"query ({declared}$after: String) {{ {field} }}"
    known = {"id": user_gid(me), "e": entry_gid(entry)}
    parents = {parent: known[parent]} if parent else {}
    for text in [*(cursor(c) for c in BAD_CURSORS[kind]), *NOT_CURSORS]:
        body = await send(client, document, {**parents, "after": text}, as_user=me["id"])
        error = only_error(body)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", text
        assert error["message"] == "after is not a cursor of this list", text


async def test_cursors_at_the_edges_of_the_ranges_are_read(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    root = await make_entry(conn, me)
    branch = await make_entry(conn, me, parent_id=root["id"])
    got = await data(
        client,
        """query ($oldest: String, $newest: String, $e: ID!, $last: String, $east: String) {
          oldest: entries(after: $oldest) { nodes { id } }
          newest: entries(after: $newest) { nodes { id } }
          east: entries(after: $east) { nodes { id } }
          entry(id: $e) { branches(after: $last) { nodes { id } } }
        }""",
        {
            "oldest": cursor("entries|0001-01-01T00:00:00+00:00|0"),
            "newest": cursor("entries|9999-12-31T23:59:59.999999+00:00|9223372036854775807"),
            "east": cursor("entries|9999-12-31T23:59:59+14:00|1"),
            "e": entry_gid(root),
            "last": cursor("branches|2147483647"),
        },
    )
    both = [{"id": entry_gid(branch)}, {"id": entry_gid(root)}]
    assert got == {
        "oldest": {"nodes": []},
        "newest": {"nodes": both},
        "east": {"nodes": both},
        "entry": {"branches": {"nodes": []}},
    }
