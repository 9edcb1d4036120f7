"""Query.entry, Query.entries and the Entry fields, through HTTP."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from db import unchecked
from db.pool import counting_statements
from resolvers.pagination import BRANCH_ORDER, empty_page
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data, error_codes, post

ENTRY = """
query ($id: ID!) {
  entry(id: $id) {
    id type agent title content privacy tags metadata createdAt updatedAt
    author { id username }
    counts { resonanceCount branchCount amplificationCount shareCount }
    viewerHasResonated viewerHasAmplified
  }
}
"""

ENTRIES = """
query ($filter: EntryFilter, $first: Int, $after: String) {
  entries(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def ids(connection: dict[str, Any]) -> list[str]:
    return [n["id"] for n in connection["nodes"]]


async def test_entry_returns_every_field(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada, bob = await make_user(conn, username="ada"), await make_user(conn)
    entry = await make_entry(
        conn,
        ada,
        content="flew",
        title="Night",
        agent="pen",
        type="dream",
        tags=["sky", "night"],
        metadata={"mood": "calm"},
    )
    await unchecked.insert_resonance(conn, user_id=bob["id"], entry_id=entry["id"])
    await unchecked.record_share(conn, entry_id=entry["id"])

    got = (await data(client, ENTRY, {"id": entry_gid(entry)}, as_user=bob["id"]))["entry"]

    assert got["id"] == entry_gid(entry)
    assert (got["type"], got["agent"], got["title"], got["content"]) == (
        "DREAM",
        "pen",
        "Night",
        "flew",
    )
    assert got["privacy"] == "PUBLIC"
    assert got["tags"] == ["sky", "night"]
    assert got["metadata"] == {"mood": "calm"}
    assert got["author"] == {"id": user_gid(ada), "username": "ada"}
    assert got["counts"] == {
        "resonanceCount": 1,
        "branchCount": 0,
        "amplificationCount": 0,
        "shareCount": 1,
    }
    assert got["viewerHasResonated"] is True
    assert got["viewerHasAmplified"] is False
    assert got["createdAt"].startswith(str(entry["created_at"].year))


async def test_entry_of_an_unknown_id_is_null(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    assert (await data(client, ENTRY, {"id": entry_gid(424242)}))["entry"] is None


async def test_entry_with_a_malformed_id_is_bad_user_input(client: httpx.AsyncClient) -> None:
    body = await post(client, ENTRY, {"id": "not-an-id"})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_entry_with_a_user_id_is_bad_user_input(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    user = await make_user(conn)
    body = await post(client, ENTRY, {"id": user_gid(user)})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "Entry id" in body["errors"][0]["message"]


async def test_entries_are_newest_first(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    made = [await make_entry(conn, ada) for _ in range(3)]
    got = (await data(client, ENTRIES))["entries"]
    assert ids(got) == [entry_gid(e) for e in reversed(made)]
    assert [e["node"]["id"] for e in got["edges"]] == ids(got)
    assert got["pageInfo"]["hasNextPage"] is False
    assert got["pageInfo"]["hasPreviousPage"] is False


async def test_entries_filter_by_author_tag_and_type(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada, bob = await make_user(conn), await make_user(conn)
    dream = await make_entry(conn, ada, type="dream", tags=["sea"])
    log = await make_entry(conn, ada, tags=["sea", "work"])
    other = await make_entry(conn, bob, type="dream", tags=["sea"])

    async def filtered(f: dict[str, str]) -> list[str]:
        return ids((await data(client, ENTRIES, {"filter": f}))["entries"])

    assert await filtered({"authorId": user_gid(ada)}) == [entry_gid(log), entry_gid(dream)]
    assert await filtered({"tag": "WORK"}) == [entry_gid(log)]
    assert await filtered({"type": "DREAM"}) == [entry_gid(other), entry_gid(dream)]
    assert await filtered({"authorId": user_gid(ada), "tag": "sea", "type": "DREAM"}) == [
        entry_gid(dream)
    ]


async def test_entries_first_outside_0_to_100_is_bad_user_input(client: httpx.AsyncClient) -> None:
    for first in (-1, 101):
        body = await post(client, ENTRIES, {"first": first})
        assert error_codes(body) == ["BAD_USER_INPUT"], first
        assert "first" in body["errors"][0]["message"]


async def test_entries_first_zero_says_whether_there_is_more(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await make_entry(conn, await make_user(conn))
    got = (await data(client, ENTRIES, {"first": 0}))["entries"]
    assert got["nodes"] == []
    assert got["pageInfo"]["hasNextPage"] is True


async def test_a_cursor_of_another_list_is_bad_user_input(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    root = await make_entry(conn, await make_user(conn))
    await make_entry(conn, await make_user(conn), parent_id=root["id"])
    branches = await data(
        client,
        "query ($id: ID!) { entry(id: $id) { branches { pageInfo { endCursor } } } }",
        {"id": entry_gid(root)},
    )
    cursor = branches["entry"]["branches"]["pageInfo"]["endCursor"]
    for bad in (cursor, "garbage", "Zm9v"):
        body = await post(client, ENTRIES, {"after": bad})
        assert error_codes(body) == ["BAD_USER_INPUT"], bad


async def test_paging_while_entries_are_inserted_repeats_and_skips_nothing(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    existing = [entry_gid(await make_entry(conn, ada)) for _ in range(45)]

    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = (await data(client, ENTRIES, {"first": 10, "after": after}))["entries"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += ids(page)
        pages += 1
        await make_entry(conn, ada)  # a newer entry lands between every two pages
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert pages == 5
    assert seen[:45] == list(reversed(existing))
    assert len(seen) == len(set(seen)) == 45


BRANCHES = """
query ($id: ID!, $first: Int, $after: String) {
  entry(id: $id) {
    branches(first: $first, after: $after) {
      nodes { id content parent { id } author { username } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def test_branches_come_in_branch_order_and_page(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn, username="ada_b")
    root = await make_entry(conn, ada)
    replies = [await make_entry(conn, ada, parent_id=root["id"]) for _ in range(5)]

    first = (await data(client, BRANCHES, {"id": entry_gid(root), "first": 3}))["entry"]["branches"]
    assert ids(first) == [entry_gid(r) for r in replies[:3]]
    assert all(n["parent"]["id"] == entry_gid(root) for n in first["nodes"])
    assert first["nodes"][0]["author"]["username"] == "ada_b"
    assert first["pageInfo"]["hasNextPage"] is True

    after = first["pageInfo"]["endCursor"]
    rest = await data(client, BRANCHES, {"id": entry_gid(root), "first": 3, "after": after})
    rest_page = rest["entry"]["branches"]
    assert ids(rest_page) == [entry_gid(r) for r in replies[3:]]
    assert rest_page["pageInfo"]["hasNextPage"] is False


async def test_ancestors_run_from_the_root_down_to_the_parent(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    root = await make_entry(conn, ada)
    middle = await make_entry(conn, ada, parent_id=root["id"])
    leaf = await make_entry(conn, ada, parent_id=middle["id"])
    query = "query ($id: ID!) { entry(id: $id) { ancestors { id } parent { id } } }"

    got = (await data(client, query, {"id": entry_gid(leaf)}))["entry"]
    assert [a["id"] for a in got["ancestors"]] == [entry_gid(root), entry_gid(middle)]
    assert got["parent"]["id"] == entry_gid(middle)

    top = (await data(client, query, {"id": entry_gid(root)}))["entry"]
    assert top == {"ancestors": [], "parent": None}


async def test_resonators_and_amplifiers_are_newest_first(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada, bob, cy = await make_user(conn), await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, ada)
    for fan in (bob, cy):
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    await unchecked.insert_amplification(conn, user_id=cy["id"], entry_id=entry["id"])
    query = """
    query ($id: ID!) { entry(id: $id) {
      resonators { nodes { id } pageInfo { hasNextPage } }
      amplifiers(first: 1) { nodes { id } pageInfo { hasNextPage } }
    } }
    """
    got = (await data(client, query, {"id": entry_gid(entry)}))["entry"]
    assert ids(got["resonators"]) == [user_gid(cy), user_gid(bob)]
    assert ids(got["amplifiers"]) == [user_gid(cy)]
    assert got["amplifiers"]["pageInfo"]["hasNextPage"] is False


async def test_resonators_page_with_cursors(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    fans = [await make_user(conn) for _ in range(3)]
    entry = await make_entry(conn, ada)
    for fan in fans:
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    query = """
    query ($id: ID!, $after: String) { entry(id: $id) {
      resonators(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
    } }
    """
    first = (await data(client, query, {"id": entry_gid(entry)}))["entry"]["resonators"]
    after = first["pageInfo"]["endCursor"]
    second = (await data(client, query, {"id": entry_gid(entry), "after": after}))["entry"][
        "resonators"
    ]
    assert ids(first) + ids(second) == [user_gid(f) for f in reversed(fans)]
    assert second["pageInfo"]["hasNextPage"] is False


COUNTED_LISTS = """
query ($id: ID!, $first: Int, $after: String) { entry(id: $id) {
  branches(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage hasPreviousPage } }
  resonators(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage } }
  amplifiers(first: $first, after: $after) { edges { cursor } pageInfo { endCursor } }
} }
"""


async def test_lists_an_entrys_counters_say_are_empty_are_answered_with_no_statement(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    with counting_statements() as statements:
        got = (await data(client, COUNTED_LISTS, {"id": entry_gid(entry)}))["entry"]
    assert statements[0] == 1  # the entry itself, its counts with it
    assert got == {
        "branches": {"nodes": [], "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}},
        "resonators": {"nodes": [], "pageInfo": {"hasNextPage": False}},
        "amplifiers": {"edges": [], "pageInfo": {"endCursor": None}},
    }


async def test_an_empty_counted_list_still_refuses_a_bad_first_or_cursor(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    # Each twice: the empty pages are kept (resolvers/pagination.empty_page), refusals not.
    for variables in ({"first": 101}, {"after": "not a cursor"}) * 2:
        body = await post(client, COUNTED_LISTS, {"id": entry_gid(entry), **variables})
        # The first list's error nulls the entry (the lists are non-null): one error.
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert body["errors"][0]["path"] == ["entry", "branches"]
        assert body["data"] == {"entry": None}


def test_empty_pages_of_one_list_first_and_cursor_are_one_page() -> None:
    page = empty_page(BRANCH_ORDER, 3, None)
    assert page is empty_page(BRANCH_ORDER, 3, None)
    assert (page.rows, page.has_next_page, page.has_previous_page) == ((), False, False)
    assert empty_page(BRANCH_ORDER, 4, None) is not page


async def test_an_empty_counted_list_read_after_a_cursor_has_nothing_before_it(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    root = await make_entry(conn, ada)
    reply = await make_entry(conn, ada, parent_id=root["id"])
    query = "query ($id: ID!) { entry(id: $id) { branches { pageInfo { endCursor } } } }"
    after = (await data(client, query, {"id": entry_gid(root)}))["entry"]["branches"]
    branches = """query ($id: ID!, $after: String) { entry(id: $id) {
      branches(after: $after) { nodes { id } pageInfo { hasNextPage hasPreviousPage } } } }"""
    variables = {"id": entry_gid(reply), "after": after["pageInfo"]["endCursor"]}
    got = (await data(client, branches, variables))["entry"]["branches"]
    # Its counter says the list has no rows at all: none before the cursor either.
    assert got == {"nodes": [], "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}}


async def test_a_list_whose_counter_is_not_zero_is_read(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    ada = await make_user(conn)
    root = await make_entry(conn, ada)
    reply = await make_entry(conn, ada, parent_id=root["id"])
    await unchecked.insert_resonance(conn, user_id=ada["id"], entry_id=root["id"])
    with counting_statements() as statements:
        got = (await data(client, COUNTED_LISTS, {"id": entry_gid(root)}))["entry"]
    assert ids(got["branches"]) == [entry_gid(reply)]
    assert ids(got["resonators"]) == [user_gid(ada)]
    assert got["amplifiers"]["edges"] == []
    assert statements[0] == 3  # the entry, then its branches and resonators


async def test_a_failing_field_leaves_a_read_it_shares_with_another_field_to_that_field(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    """`a` fails (its branches' cursor), so its other fields are cancelled; one of them,
    `a.parent`, waits on the very read `b.parent` waits on (the loader's, by key). `b` must
    still get its parent: cancelling a waiter must not cancel the shared read."""
    ada = await make_user(conn)
    parent = await make_entry(conn, ada)
    x = await make_entry(conn, ada, parent_id=parent["id"])
    y = await make_entry(conn, ada, parent_id=parent["id"])
    await make_entry(conn, ada, parent_id=x["id"])  # x's branches are read, not counted out
    query = """
    query ($x: ID!, $y: ID!) {
      a: entry(id: $x) { parent { id } branches(after: "not a cursor") { nodes { id } } }
      b: entry(id: $y) { parent { id } }
    }
    """
    body = await post(client, query, {"x": entry_gid(x), "y": entry_gid(y)})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"] == {"a": None, "b": {"parent": {"id": entry_gid(parent)}}}


async def test_a_roots_parent_and_ancestors_are_answered_with_no_statement(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    root = await make_entry(conn, await make_user(conn))
    query = "query ($id: ID!) { entry(id: $id) { ancestors { id } parent { id } } }"
    with counting_statements() as statements:
        got = (await data(client, query, {"id": entry_gid(root)}))["entry"]
    assert got == {"ancestors": [], "parent": None}
    assert statements[0] == 1  # the entry itself
