"""Reads never fail on what is stored: a row written before the input rules (here, by SQL)
whose JSON the response cannot carry exactly has that field null, with an INTERNAL error at
its path, and every list it is on answers with the other entries intact."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx
import pytest

from db import unchecked
from tests.api.hostile import send
from tests.factories import entry_gid, make_entry, make_user, user_gid

# Stored as text, cast to jsonb by PostgreSQL: values no input may hold any more.
UNSENDABLE = {
    "an integer beyond 64 bits": ('{"n": 100000000000000000000}', "a number beyond 64 bits"),
    "an integer just beyond int64": ('{"n": 9223372036854775808}', "an integer beyond 64 bits"),
    "beyond a double": ('{"n": 1e400}', "a number beyond the range of a double"),
    "5,000 digits": ('{"n": 1' + "0" * 5000 + "}", "a number beyond the range of a double"),
    "nested 21 levels": ("[" * 21 + "]" * 21, "nesting deeper than 20 levels"),
    "nested 300 levels": ("[" * 300 + "]" * 300, "nesting deeper than 20 levels"),
    "nested 3,000 levels": ("[" * 3000 + "]" * 3000, "nesting deeper than 20 levels"),
}

ENTRY_FIELDS = "id metadata author { stats }"
ENTRIES = f"{{ entries {{ nodes {{ {ENTRY_FIELDS} }} }} }}"
FEED = f"{{ feed {{ edges {{ node {{ {ENTRY_FIELDS} }} }} }} }}"
ENTRY_PAGE = f"""
query ($id: ID!) {{ entry(id: $id) {{ id metadata branches {{ nodes {{ {ENTRY_FIELDS} }} }} }} }}
"""
USER_ENTRIES = f"""
query ($id: ID!) {{ user(id: $id) {{ entries {{ nodes {{ {ENTRY_FIELDS} }} }} }} }}
"""
ENTRY = "query ($id: ID!) { entry(id: $id) { id content metadata } }"


async def _thread(conn: asyncpg.Connection, stored: str) -> dict[str, Any]:
    """A root entry with three branches, the middle one holding `stored`; a follower."""
    author, follower = await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=follower["id"], followed_id=author["id"])
    root = await make_entry(conn, author, metadata={"root": True})
    before = await make_entry(conn, author, metadata={"i": 1}, parent_id=root["id"])
    bad = await make_entry(conn, author, parent_id=root["id"])
    after = await make_entry(conn, author, metadata=[2, "two"], parent_id=root["id"])
    await conn.execute(
        "UPDATE stream_entries SET metadata = $2::text::jsonb WHERE id = $1", bad["id"], stored
    )
    return {
        "author": author,
        "follower": follower,
        "root": root,
        "bad": entry_gid(bad),
        "good": {
            entry_gid(before): {"i": 1},
            entry_gid(after): [2, "two"],
            entry_gid(root): {"root": True},
        },
    }


def _check_list(
    body: dict[str, Any], path: list[str], t: dict[str, Any], reason: str, node: str = ""
) -> None:
    """Every entry of the thread on this list (the root is not a branch) is at `path` (in
    each item's `node`, for edges), the good ones whole; one error, at the bad one's
    metadata."""
    items: Any = body["data"]
    for step in path:
        items = items[step]
    nodes = [item[node] for item in items] if node else items
    assert len(nodes) == (3 if "branches" in path else 4)
    by_id = {n["id"]: n["metadata"] for n in nodes}
    assert by_id[t["bad"]] is None
    assert {k: v for k, v in by_id.items() if k != t["bad"]} == {
        k: v for k, v in t["good"].items() if k in by_id
    }
    index = [n["id"] for n in nodes].index(t["bad"])
    [error] = body["errors"]
    assert error["path"] == [*path, index, *([node] if node else []), "metadata"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["message"].startswith("The stored JSON value cannot be sent exactly: ")
    assert reason in error["message"]


@pytest.mark.parametrize(("stored", "reason"), UNSENDABLE.values(), ids=UNSENDABLE.keys())
async def test_entries_answers_with_the_unsendable_metadata_null(
    conn: asyncpg.Connection, client: httpx.AsyncClient, stored: str, reason: str
) -> None:
    t = await _thread(conn, stored)
    body = await send(client, ENTRIES)
    _check_list(body, ["entries", "nodes"], t, reason)


@pytest.mark.parametrize(("stored", "reason"), UNSENDABLE.values(), ids=UNSENDABLE.keys())
async def test_the_entry_page_and_its_branches_answer(
    conn: asyncpg.Connection, client: httpx.AsyncClient, stored: str, reason: str
) -> None:
    t = await _thread(conn, stored)
    page = await send(client, ENTRY_PAGE, {"id": entry_gid(t["root"])})
    assert page["data"]["entry"]["metadata"] == {"root": True}
    _check_list(page, ["entry", "branches", "nodes"], t, reason)

    alone = await send(client, ENTRY, {"id": t["bad"]})
    assert alone["data"]["entry"]["id"] == t["bad"]
    assert alone["data"]["entry"]["metadata"] is None
    assert [e["path"] for e in alone["errors"]] == [["entry", "metadata"]]


@pytest.mark.parametrize(("stored", "reason"), UNSENDABLE.values(), ids=UNSENDABLE.keys())
async def test_user_entries_and_the_feed_answer(
    conn: asyncpg.Connection, client: httpx.AsyncClient, stored: str, reason: str
) -> None:
    t = await _thread(conn, stored)
    user = await send(client, USER_ENTRIES, {"id": user_gid(t["author"])})
    _check_list(user, ["user", "entries", "nodes"], t, reason)

    feed = await send(client, FEED, as_user=t["follower"]["id"])
    _check_list(feed, ["feed", "edges"], t, reason, node="node")


async def test_unsendable_user_stats_are_null_and_the_user_answers(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author = await make_user(conn)
    await make_entry(conn, author)
    await conn.execute(
        "UPDATE users SET stats = $2::text::jsonb WHERE id = $1", author["id"], '{"n": 1e400}'
    )
    body = await send(client, "{ entries { nodes { content author { username stats } } } }")
    assert body["data"]["entries"]["nodes"][0]["author"] == {
        "username": author["username"],
        "stats": None,
    }
    [error] = body["errors"]
    assert error["path"] == ["entries", "nodes", 0, "author", "stats"]
    assert error["extensions"]["code"] == "INTERNAL"


async def test_stored_integers_at_the_64_bit_limits_are_sent_as_they_are(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    stored = (
        '{"max": 9223372036854775807, "min": -9223372036854775808,'
        ' "digits": "12345678901234567890"}'
    )
    await conn.execute(
        "UPDATE stream_entries SET metadata = $2::text::jsonb WHERE id = $1", entry["id"], stored
    )
    body = await send(client, ENTRY, {"id": entry_gid(entry)})
    assert "errors" not in body, body
    assert body["data"]["entry"]["metadata"] == {
        "max": 2**63 - 1,
        "min": -(2**63),
        "digits": "12345678901234567890",
    }


async def test_stored_values_at_the_depth_limit_with_many_containers_are_sent_whole(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    deep: Any = [1]
    for _ in range(19):
        deep = [deep]
    stored = {"deep": deep[0], "many": [{"i": i, "tags": ["a"]} for i in range(100)]}
    await conn.execute(
        "UPDATE stream_entries SET metadata = $2::text::jsonb WHERE id = $1",
        entry["id"],
        json.dumps(stored),
    )
    body = await send(client, ENTRY, {"id": entry_gid(entry)})
    assert "errors" not in body, body
    assert body["data"]["entry"]["metadata"] == stored
