"""createEntry, updateEntry and deleteEntry, through HTTP."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from db import unchecked
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data, error_codes, post

CREATE = """
mutation ($input: CreateEntryInput!) {
  createEntry(input: $input) {
    id type title agent content privacy tags metadata
    author { id }
    parent { id }
    counts { resonanceCount branchCount amplificationCount shareCount }
    viewerHasResonated
  }
}
"""
UPDATE = """
mutation ($id: ID!, $input: UpdateEntryInput!) {
  updateEntry(id: $id, input: $input) { content title privacy tags metadata }
}
"""
DELETE = "mutation ($id: ID!) { deleteEntry(id: $id) }"


async def test_create_entry_returns_the_committed_entry(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    got = (
        await data(
            client,
            CREATE,
            {"input": {"content": "hello", "tags": ["Sky", "sky", "sea"]}},
            as_user=me["id"],
        )
    )["createEntry"]
    assert (got["type"], got["privacy"], got["content"]) == ("LOGBOOK", "PUBLIC", "hello")
    assert got["tags"] == ["sky", "sea"]
    assert got["author"] == {"id": user_gid(me)}
    assert got["parent"] is None
    assert got["counts"] == {
        "resonanceCount": 0,
        "branchCount": 0,
        "amplificationCount": 0,
        "shareCount": 0,
    }
    assert got["viewerHasResonated"] is False
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 1


async def test_create_entry_with_every_field(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    entry = {
        "content": "a dream",
        "type": "DREAM",
        "title": "Night",
        "agent": "pen",
        "privacy": "FOLLOWERS",
        "metadata": {"mood": "calm", "n": [1, 2]},
    }
    got = (await data(client, CREATE, {"input": entry}, as_user=me["id"]))["createEntry"]
    assert (got["type"], got["title"], got["agent"], got["privacy"]) == (
        "DREAM",
        "Night",
        "pen",
        "FOLLOWERS",
    )
    assert got["metadata"] == {"mood": "calm", "n": [1, 2]}


async def test_a_reply_is_a_branch_of_its_parent(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, me = await make_user(conn), await make_user(conn)
    parent = await make_entry(conn, author)
    got = (
        await data(
            client,
            CREATE,
            {"input": {"content": "reply", "parentId": entry_gid(parent)}},
            as_user=me["id"],
        )
    )["createEntry"]
    assert got["parent"] == {"id": entry_gid(parent)}
    query = (
        "query ($id: ID!) { entry(id: $id) { counts { branchCount } branches { nodes { id } } } }"
    )
    read = (await data(client, query, {"id": entry_gid(parent)}))["entry"]
    assert read["counts"]["branchCount"] == 1
    assert read["branches"]["nodes"] == [{"id": got["id"]}]


async def test_replying_to_an_invisible_or_missing_entry_is_not_found(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, me = await make_user(conn), await make_user(conn)
    hidden = await make_entry(conn, author, privacy="private")
    for parent in (entry_gid(hidden), entry_gid(999_999)):
        body = await post(
            client, CREATE, {"input": {"content": "reply", "parentId": parent}}, as_user=me["id"]
        )
        assert error_codes(body) == ["NOT_FOUND"]
        assert body["errors"][0]["message"] == "input.parentId: no such entry"
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 1


async def test_entry_fields_are_checked_and_named(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    bad = [
        ({"content": ""}, "input.content"),
        ({"content": "   "}, "input.content"),
        ({"content": "x" * 10_001}, "input.content"),
        ({"content": "ok", "title": "t" * 301}, "input.title"),
        ({"content": "ok", "tags": [f"t{i}" for i in range(21)]}, "input.tags"),
        ({"content": "ok", "tags": ["fine", "not fine!"]}, "input.tags[1]"),
        ({"content": "ok", "tags": ["x" * 51]}, "input.tags[0]"),
        ({"content": "ok", "metadata": {"blob": "x" * 17_000}}, "input.metadata"),
        ({"content": "ok", "parentId": "nonsense"}, "valid id"),
    ]
    for entry, field in bad:
        body = await post(client, CREATE, {"input": entry}, as_user=me["id"])
        assert error_codes(body) == ["BAD_USER_INPUT"], entry
        assert field in body["errors"][0]["message"], (entry, body)
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 0


async def test_the_longest_allowed_fields_are_accepted(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    entry = {"content": "x" * 10_000, "title": "t" * 300, "tags": [f"t{i}" for i in range(20)]}
    await data(client, CREATE, {"input": entry}, as_user=me["id"])


async def test_create_entry_needs_a_profile_and_a_token(client: httpx.AsyncClient) -> None:
    variables = {"input": {"content": "hi"}}
    assert error_codes(await post(client, CREATE, variables, as_user=uuid.uuid4())) == ["FORBIDDEN"]
    assert error_codes(await post(client, CREATE, variables)) == ["UNAUTHENTICATED"]


async def test_update_entry_changes_only_the_given_fields(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    entry = await make_entry(conn, me, content="old", title="T", tags=["a"], metadata={"k": 1})
    got = (
        await data(
            client,
            UPDATE,
            {
                "id": entry_gid(entry),
                "input": {"content": "new", "title": None, "privacy": "PRIVATE"},
            },
            as_user=me["id"],
        )
    )["updateEntry"]
    assert got == {
        "content": "new",
        "title": None,
        "privacy": "PRIVATE",
        "tags": ["a"],
        "metadata": {"k": 1},
    }


async def test_update_entry_with_null_content_is_bad_user_input(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    entry = await make_entry(conn, me, content="kept")
    for change in ({"content": None}, {"privacy": None}, {"content": ""}):
        body = await post(
            client, UPDATE, {"id": entry_gid(entry), "input": change}, as_user=me["id"]
        )
        assert error_codes(body) == ["BAD_USER_INPUT"], change
    assert await conn.fetchval("SELECT content FROM stream_entries") == "kept"


async def test_updating_someone_elses_entry_is_forbidden(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, other = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author, content="mine")
    for who, admin in ((other, False), (other, True)):
        body = await post(
            client,
            UPDATE,
            {"id": entry_gid(entry), "input": {"content": "hacked"}},
            as_user=who["id"],
            admin=admin,
        )
        assert error_codes(body) == ["FORBIDDEN"]
    assert await conn.fetchval("SELECT content FROM stream_entries") == "mine"


async def test_delete_entry_returns_its_id_and_leaves_branches_as_roots(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, me)
    reply = await make_entry(conn, fan, parent_id=entry["id"])
    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])

    got = await data(client, DELETE, {"id": entry_gid(entry)}, as_user=me["id"])

    assert got == {"deleteEntry": entry_gid(entry)}
    assert (
        await data(client, "query ($id: ID!) { entry(id: $id) { id } }", {"id": entry_gid(entry)})
    )["entry"] is None
    left = await data(
        client,
        "query ($id: ID!) { entry(id: $id) { parent { id } ancestors { id } } }",
        {"id": entry_gid(reply)},
    )
    assert left["entry"] == {"parent": None, "ancestors": []}


async def test_an_admin_may_delete_any_entry(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, admin = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author, privacy="private")
    assert (await data(client, DELETE, {"id": entry_gid(entry)}, as_user=admin["id"], admin=True))[
        "deleteEntry"
    ]
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 0


async def test_deleting_someone_elses_entry_is_forbidden(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    author, other = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    assert error_codes(
        await post(client, DELETE, {"id": entry_gid(entry)}, as_user=other["id"])
    ) == ["FORBIDDEN"]
    assert await conn.fetchval("SELECT count(*) FROM stream_entries") == 1


async def test_deleting_twice_is_not_found(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    me = await make_user(conn)
    entry = await make_entry(conn, me)
    await data(client, DELETE, {"id": entry_gid(entry)}, as_user=me["id"])
    assert error_codes(await post(client, DELETE, {"id": entry_gid(entry)}, as_user=me["id"])) == [
        "NOT_FOUND"
    ]
