"""Backward pagination (`last`/`before`) on every connection, and where a page sits: Relay's
`loadPrevious`, a "newer entries" button, and `hasPreviousPage`/`hasNextPage` that say
whether there really is a page on that side."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from db import unchecked
from db.pool import counting_statements
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data, error_codes, post

VARIABLES = "$first: Int, $after: String, $last: Int, $before: String"
ARGUMENTS = "first: $first, after: $after, last: $last, before: $before"
PAGE = "edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
ITEMS = 7


@dataclass(frozen=True)
class Listed:
    """One of the connections, and how a test fills it with ITEMS items."""

    document: str
    path: tuple[str, ...]
    fill: Callable[[asyncpg.Connection], Awaitable[tuple[dict[str, Any], uuid.UUID | None]]]


def _nested(root: str, field: str) -> str:
    page = f"list: {field}({ARGUMENTS}) {{ {PAGE} }}"
    return f"query ($id: ID!, {VARIABLES}) {{ {root}(id: $id) {{ {page} }} }}"


async def _entries(conn: asyncpg.Connection) -> tuple[dict[str, Any], uuid.UUID | None]:
    ada = await make_user(conn)
    for _ in range(ITEMS):
        await make_entry(conn, ada)
    return {}, None


async def _feed(conn: asyncpg.Connection) -> tuple[dict[str, Any], uuid.UUID | None]:
    viewer, followed, other = await make_user(conn), await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=viewer["id"], followed_id=followed["id"])
    for author in (viewer, followed, viewer, followed, other, followed):
        entry = await make_entry(conn, author)
    # The last entry of `other` is placed in the feed by its amplification, then one more.
    await unchecked.insert_amplification(conn, user_id=followed["id"], entry_id=entry["id"] - 1)
    await make_entry(conn, viewer)
    return {}, viewer["id"]


async def _branches(conn: asyncpg.Connection) -> tuple[dict[str, Any], uuid.UUID | None]:
    ada = await make_user(conn)
    root = await make_entry(conn, ada)
    for _ in range(ITEMS):
        await make_entry(conn, ada, parent_id=root["id"])
    return {"id": entry_gid(root)}, None


def _interactions(
    insert: Callable[..., Awaitable[bool]],
) -> Callable[[asyncpg.Connection], Awaitable[tuple[dict[str, Any], uuid.UUID | None]]]:
    async def fill(conn: asyncpg.Connection) -> tuple[dict[str, Any], uuid.UUID | None]:
        entry = await make_entry(conn, await make_user(conn))
        for _ in range(ITEMS):
            await insert(conn, user_id=(await make_user(conn))["id"], entry_id=entry["id"])
        return {"id": entry_gid(entry)}, None

    return fill


async def _user_entries(conn: asyncpg.Connection) -> tuple[dict[str, Any], uuid.UUID | None]:
    ada = await make_user(conn)
    for _ in range(ITEMS):
        await make_entry(conn, ada)
    return {"id": user_gid(ada)}, None


def _follows(followers: bool) -> Callable[..., Awaitable[tuple[dict[str, Any], uuid.UUID | None]]]:
    async def fill(conn: asyncpg.Connection) -> tuple[dict[str, Any], uuid.UUID | None]:
        ada = await make_user(conn)
        for _ in range(ITEMS):
            other = (await make_user(conn))["id"]
            one, two = (other, ada["id"]) if followers else (ada["id"], other)
            await unchecked.insert_follow(conn, follower_id=one, followed_id=two)
        return {"id": user_gid(ada)}, None

    return fill


LISTS = {
    "Query.entries": Listed(
        f"query ({VARIABLES}) {{ list: entries({ARGUMENTS}) {{ {PAGE} }} }}", ("list",), _entries
    ),
    "Query.feed": Listed(
        f"query ({VARIABLES}) {{ list: feed({ARGUMENTS}) {{ {PAGE} }} }}", ("list",), _feed
    ),
    "Entry.branches": Listed(_nested("entry", "branches"), ("entry", "list"), _branches),
    "Entry.resonators": Listed(
        _nested("entry", "resonators"), ("entry", "list"), _interactions(unchecked.insert_resonance)
    ),
    "Entry.amplifiers": Listed(
        _nested("entry", "amplifiers"),
        ("entry", "list"),
        _interactions(unchecked.insert_amplification),
    ),
    "User.entries": Listed(_nested("user", "entries"), ("user", "list"), _user_entries),
    "User.followers": Listed(_nested("user", "followers"), ("user", "list"), _follows(True)),
    "User.following": Listed(_nested("user", "following"), ("user", "list"), _follows(False)),
}


async def read(
    client: httpx.AsyncClient, listed: Listed, variables: dict[str, Any], viewer: uuid.UUID | None
) -> dict[str, Any]:
    got: Any = await data(client, listed.document, variables, as_user=viewer)
    for key in listed.path:
        got = got[key]
    page: dict[str, Any] = got
    return page


def ids(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


async def read_forward(
    client: httpx.AsyncClient, listed: Listed, parent: dict[str, Any], viewer: uuid.UUID | None
) -> list[dict[str, Any]]:
    pages, after = [], None
    while True:
        page = await read(client, listed, {**parent, "first": 3, "after": after}, viewer)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("name", LISTS)
async def test_reading_backward_from_the_end_gives_the_list_in_its_order(
    conn: asyncpg.Connection, client: httpx.AsyncClient, name: str
) -> None:
    listed = LISTS[name]
    parent, viewer = await listed.fill(conn)
    forward = [
        item for page in await read_forward(client, listed, parent, viewer) for item in ids(page)
    ]
    assert len(forward) == ITEMS and len(set(forward)) == ITEMS

    backward: list[str] = []
    before = None
    while True:
        page = await read(client, listed, {**parent, "last": 3, "before": before}, viewer)
        assert len(page["edges"]) == min(3, ITEMS - len(backward))
        # Nothing after the end; after a page read before a cursor, that cursor's page.
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        backward = ids(page) + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == forward


@pytest.mark.parametrize("name", LISTS)
async def test_a_forward_page_has_a_previous_page_only_after_a_cursor(
    conn: asyncpg.Connection, client: httpx.AsyncClient, name: str
) -> None:
    listed = LISTS[name]
    parent, viewer = await listed.fill(conn)
    pages = await read_forward(client, listed, parent, viewer)
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True]
    # The page before the second is the first: from the second's startCursor, backward.
    second_start = pages[1]["pageInfo"]["startCursor"]
    previous = await read(client, listed, {**parent, "last": 3, "before": second_start}, viewer)
    assert ids(previous) == ids(pages[0])
    assert previous["pageInfo"]["hasPreviousPage"] is False


ENTRIES = LISTS["Query.entries"]


async def make_entries(conn: asyncpg.Connection, count: int) -> list[asyncpg.Record]:
    """`count` entries, newest first (the list's order)."""
    ada = await make_user(conn)
    return [await make_entry(conn, ada) for _ in range(count)][::-1]


async def test_a_page_after_a_cursor_whose_earlier_items_are_gone_has_no_previous_page(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    rows = await make_entries(conn, 4)
    first = await read(client, ENTRIES, {"first": 2}, None)
    after = {"first": 2, "after": first["pageInfo"]["endCursor"]}
    await unchecked.delete_entry_row(conn, rows[0]["id"])
    # The cursor's own row is still there: it is the page before.
    assert (await read(client, ENTRIES, after, None))["pageInfo"]["hasPreviousPage"] is True
    await unchecked.delete_entry_row(conn, rows[1]["id"])
    page = await read(client, ENTRIES, after, None)
    assert ids(page) == [entry_gid(rows[2]), entry_gid(rows[3])]
    assert page["pageInfo"]["hasPreviousPage"] is False


async def test_a_page_before_a_cursor_whose_later_items_are_gone_has_no_next_page(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    rows = await make_entries(conn, 4)
    last = await read(client, ENTRIES, {"last": 2}, None)
    before = {"last": 2, "before": last["pageInfo"]["startCursor"]}
    await unchecked.delete_entry_row(conn, rows[3]["id"])
    assert (await read(client, ENTRIES, before, None))["pageInfo"]["hasNextPage"] is True
    await unchecked.delete_entry_row(conn, rows[2]["id"])
    page = await read(client, ENTRIES, before, None)
    assert ids(page) == [entry_gid(rows[0]), entry_gid(rows[1])]
    assert page["pageInfo"]["hasNextPage"] is False


async def test_newer_entries_are_the_page_before_the_first_pages_start(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    for _ in range(3):
        await make_entry(conn, ada)
    top = await read(client, ENTRIES, {"first": 3}, None)
    newer = [await make_entry(conn, ada) for _ in range(2)][::-1]
    page = await read(client, ENTRIES, {"last": 10, "before": top["pageInfo"]["startCursor"]}, None)
    assert ids(page) == [entry_gid(row) for row in newer]
    assert page["pageInfo"]["hasPreviousPage"] is False
    assert page["pageInfo"]["hasNextPage"] is True


async def test_after_and_before_together_read_the_items_between(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    rows = await make_entries(conn, 6)
    edges = await data(client, "{ entries { edges { cursor } } }")
    cursors = [edge["cursor"] for edge in edges["entries"]["edges"]]
    between = {"after": cursors[0], "before": cursors[5]}
    middle = [entry_gid(row) for row in rows[1:5]]
    forward = await read(client, ENTRIES, {**between, "first": 3}, None)
    assert ids(forward) == middle[:3]
    assert (forward["pageInfo"]["hasPreviousPage"], forward["pageInfo"]["hasNextPage"]) == (
        True,
        True,
    )
    backward = await read(client, ENTRIES, {**between, "last": 3}, None)
    assert ids(backward) == middle[1:]
    everything = await read(client, ENTRIES, {**between, "last": 10}, None)
    assert ids(everything) == middle


async def test_last_zero_is_an_empty_page_that_knows_there_is_more_before_it(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await make_entries(conn, 2)
    page = await read(client, ENTRIES, {"last": 0}, None)
    assert page == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": True,
            "startCursor": None,
            "endCursor": None,
        },
    }


@pytest.mark.parametrize("last", [-1, 101, 2**31 - 1])
async def test_last_outside_0_to_100_is_bad_user_input(
    conn: asyncpg.Connection, client: httpx.AsyncClient, last: int
) -> None:
    body = await post(client, ENTRIES.document, {"last": last})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "last must be between 0 and 100" in body["errors"][0]["message"]


async def test_a_before_of_another_list_is_bad_user_input_naming_before(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    await unchecked.insert_follow(
        conn, follower_id=(await make_user(conn))["id"], followed_id=ada["id"]
    )
    followers = LISTS["User.followers"]
    page = await read(client, followers, {"id": user_gid(ada)}, None)
    body = await post(
        client, ENTRIES.document, {"last": 2, "before": page["pageInfo"]["endCursor"]}
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "before is not a cursor of this list"


async def test_a_flag_read_twice_under_two_aliases_is_read_once(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await make_entries(conn, 3)
    first = await read(client, ENTRIES, {"first": 1}, None)
    query = """query ($after: String) { entries(first: 1, after: $after) {
      pageInfo { a: hasPreviousPage b: hasPreviousPage } info: pageInfo { hasPreviousPage } } }"""
    with counting_statements() as statements:
        got = await data(client, query, {"after": first["pageInfo"]["endCursor"]})
    assert got["entries"]["pageInfo"] == {"a": True, "b": True}
    assert got["entries"]["info"] == {"hasPreviousPage": True}
    assert statements[0] == 2  # the page, and one look behind its cursor


async def test_the_look_behind_a_cursor_is_read_only_when_asked(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await make_entries(conn, 3)
    first = await read(client, ENTRIES, {"first": 1}, None)
    query = """query ($after: String) { entries(first: 1, after: $after) {
      nodes { id } pageInfo { hasNextPage endCursor } } }"""
    with counting_statements() as statements:
        await data(client, query, {"after": first["pageInfo"]["endCursor"]})
    assert statements[0] == 1


@pytest.mark.parametrize("parents", [2, 8])
async def test_backward_pages_under_many_parents_and_their_looks_behind_are_one_statement_each(
    conn: asyncpg.Connection, client: httpx.AsyncClient, parents: int
) -> None:
    ada = await make_user(conn)
    for _ in range(parents):
        root = await make_entry(conn, ada)
        for _ in range(3):
            await make_entry(conn, ada, parent_id=root["id"])
    probe = await data(
        client,
        "query ($id: ID!) { entry(id: $id) { branches { edges { cursor } } } }",
        {"id": entry_gid(root)},
    )
    third = probe["entry"]["branches"]["edges"][2]["cursor"]
    query = """query ($before: String) { entries(filter: {}, first: 100) { nodes {
      branches(last: 1, before: $before) { nodes { id } pageInfo { hasNextPage hasPreviousPage } }
    } } }"""
    with counting_statements() as statements:
        got = await data(client, query, {"before": third})
    pages = [n["branches"] for n in got["entries"]["nodes"] if n["branches"]["nodes"]]
    assert len(pages) == parents
    assert all(p["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": True} for p in pages)
    # The entries, the branches of every parent, one look past every page's cursor.
    assert statements[0] == 3
