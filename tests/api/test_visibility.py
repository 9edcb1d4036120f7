"""The visibility rule through every read path.

An entry is visible when it is PUBLIC, or the viewer is its author, or it is FOLLOWERS and the
viewer follows the author, or the viewer is an admin. Each test below reads entries of all
three privacy levels by one author, as the author, a follower, a stranger, anonymous and an
admin, and checks which come back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from db import unchecked
from db.trending import refresh_trending
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data

VIEWERS = ["author", "follower", "stranger", "anonymous", "admin"]
SEES = {
    "author": {"public", "followers", "private"},
    "follower": {"public", "followers"},
    "stranger": {"public"},
    "anonymous": {"public"},
    "admin": {"public", "followers", "private"},
}
LEVELS = ("public", "followers", "private")


@dataclass
class World:
    users: dict[str, asyncpg.Record]
    # privacy level -> entry id, for entries by the author
    roots: dict[str, str] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    # privacy level of the parent -> a public child of it (by the stranger)
    children: dict[str, str] = field(default_factory=dict)
    thread_root: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, ids: list[str]) -> set[str]:
        return {self.labels[i] for i in ids if i in self.labels}

    def request(self, viewer: str) -> dict[str, Any]:
        if viewer == "anonymous":
            return {}
        return {"as_user": self.users[viewer]["id"], "admin": viewer == "admin"}


@pytest.fixture
async def world(conn: asyncpg.Connection) -> World:
    users = {name: await make_user(conn) for name in ("author", "follower", "stranger", "admin")}
    w = World(users)
    author = users["author"]
    await unchecked.insert_follow(
        conn, follower_id=users["follower"]["id"], followed_id=author["id"]
    )
    thread = await make_entry(conn, author)
    w.thread_root = entry_gid(thread)
    for level in LEVELS:
        root = await make_entry(conn, author, privacy=level)
        branch = await make_entry(conn, author, privacy=level, parent_id=thread["id"])
        child = await make_entry(conn, users["stranger"], parent_id=root["id"])
        w.roots[level] = entry_gid(root)
        w.branches[level] = entry_gid(branch)
        w.children[level] = entry_gid(child)
        w.labels[entry_gid(root)] = level
        w.labels[entry_gid(branch)] = level
        await unchecked.insert_resonance(conn, user_id=users["follower"]["id"], entry_id=root["id"])
    return w


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_entry(world: World, client: httpx.AsyncClient, viewer: str) -> None:
    seen = set()
    for level, gid in world.roots.items():
        got = await data(
            client,
            "query ($id: ID!) { entry(id: $id) { id } }",
            {"id": gid},
            **world.request(viewer),
        )
        if got["entry"] is not None:
            seen.add(level)
    assert seen == SEES[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_node(world: World, client: httpx.AsyncClient, viewer: str) -> None:
    seen = set()
    for level, gid in world.roots.items():
        got = await data(
            client,
            "query ($id: ID!) { node(id: $id) { id } }",
            {"id": gid},
            **world.request(viewer),
        )
        if got["node"] is not None:
            seen.add(level)
    assert seen == SEES[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_entries(world: World, client: httpx.AsyncClient, viewer: str) -> None:
    got = await data(client, "{ entries(first: 100) { nodes { id } } }", **world.request(viewer))
    roots = [n["id"] for n in got["entries"]["nodes"] if n["id"] in world.roots.values()]
    assert world.label(roots) == SEES[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_user_entries(world: World, client: httpx.AsyncClient, viewer: str) -> None:
    query = "query ($id: ID) { user(id: $id) { entries(first: 100) { nodes { id } } } }"
    got = await data(
        client, query, {"id": user_gid(world.users["author"])}, **world.request(viewer)
    )
    ids = [n["id"] for n in got["user"]["entries"]["nodes"]]
    assert world.label([i for i in ids if i in world.roots.values()]) == SEES[viewer]
    assert world.label([i for i in ids if i in world.branches.values()]) == SEES[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_branches(world: World, client: httpx.AsyncClient, viewer: str) -> None:
    query = "query ($id: ID!) { entry(id: $id) { branches { nodes { id } } } }"
    got = await data(client, query, {"id": world.thread_root}, **world.request(viewer))
    assert world.label([n["id"] for n in got["entry"]["branches"]["nodes"]]) == SEES[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_parent_and_ancestors(world: World, client: httpx.AsyncClient, viewer: str) -> None:
    query = "query ($id: ID!) { entry(id: $id) { parent { id } ancestors { id } } }"
    parents, ancestors = set(), set()
    for level, child in world.children.items():
        got = (await data(client, query, {"id": child}, **world.request(viewer)))["entry"]
        if got["parent"] is not None:
            parents.add(level)
        ancestors |= world.label([a["id"] for a in got["ancestors"]])
    assert parents == SEES[viewer]
    assert ancestors == SEES[viewer]


@pytest.mark.parametrize("viewer", ["author", "follower", "stranger", "admin"])
async def test_feed(
    world: World, conn: asyncpg.Connection, client: httpx.AsyncClient, viewer: str
) -> None:
    # The stranger and the admin follow an amplifier of every entry, so the amplified path of
    # the feed is filtered by the rule too; the author and the follower see by authorship.
    amplifier = await make_user(conn)
    for level in LEVELS:
        await unchecked.insert_amplification(
            conn, user_id=amplifier["id"], entry_id=_pk(world.roots[level])
        )
    for name in ("stranger", "admin"):
        await unchecked.insert_follow(
            conn, follower_id=world.users[name]["id"], followed_id=amplifier["id"]
        )
    got = await data(
        client, "{ feed(first: 100) { edges { node { id } } } }", **world.request(viewer)
    )
    ids = [e["node"]["id"] for e in got["feed"]["edges"]]
    assert world.label([i for i in ids if i in world.roots.values()]) == SEES[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_trending_lists_public_entries_only(
    world: World, conn: asyncpg.Connection, client: httpx.AsyncClient, viewer: str
) -> None:
    await refresh_trending(conn)
    got = await data(client, "{ trending(window: HOUR) { id } }", **world.request(viewer))
    assert world.label([e["id"] for e in got["trending"]]) == {"public"}


def _pk(gid: str) -> int:
    import base64

    return int(base64.b64decode(gid).decode().split(":")[1])


async def test_a_token_for_a_user_without_a_profile_sees_public_only(
    world: World, client: httpx.AsyncClient
) -> None:
    got = await data(client, "{ entries(first: 100) { nodes { id } } }", as_user=uuid.uuid4())
    roots = [n["id"] for n in got["entries"]["nodes"] if n["id"] in world.roots.values()]
    assert world.label(roots) == {"public"}
