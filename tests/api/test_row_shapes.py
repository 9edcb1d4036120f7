"""A page of entries reads only the costlier columns its selection can reach (the viewer's
flags, the author's profile and flags: schema/row_shapes.py), and answers exactly as if it
had read them all, however the fields are reached: fragments, inline fragments, directives,
edges or nodes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import FieldNode, FragmentDefinitionNode, OperationDefinitionNode, parse

from db import unchecked
from db.columns import EntryShape, UserShape
from db.pool import capturing_statements
from schema.row_shapes import amplifier_shape, entries_shape, page_shape, users_page_shape
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data

CARDS = EntryShape(
    details=False,
    viewer_flags=False,
    author=UserShape(profile=False, viewer_flags=False, card=False),
    created=False,
)


def info_at(document: str, *path: str) -> SimpleNamespace:
    """What a resolver's Info holds for the field at `path` (the first field of each
    selection when no name is given), as far as the shapes read it."""
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    field = operation.selection_set.selections[0]
    for name in path:
        assert isinstance(field, FieldNode) and field.selection_set is not None
        field = next(
            s
            for s in field.selection_set.selections
            if isinstance(s, FieldNode) and s.name.value == name
        )
    assert isinstance(field, FieldNode)
    return SimpleNamespace(_raw_info=SimpleNamespace(field_nodes=[field], fragments=fragments))


def shape_of(document: str) -> EntryShape:
    """The shape of the document's first root field, as its resolver would work it out."""
    return page_shape(info_at(document))


def test_cards_read_no_costly_column() -> None:
    assert shape_of("{ entries { nodes { id title author { id username } } } }") == CARDS


def test_the_viewers_flags_are_read_when_selected() -> None:
    assert shape_of("{ entries { nodes { viewerHasAmplified } } }").viewer_flags


@pytest.mark.parametrize("field", ["type", "agent", "privacy", "tags", "metadata", "updatedAt"])
def test_an_entrys_details_are_read_when_one_is_selected(field: str) -> None:
    shape = shape_of(f"{{ entries {{ nodes {{ ... on Entry {{ {field} }} }} }} }}")
    assert shape.details
    assert shape == CARDS._replace(details=True)


def test_a_field_in_a_fragment_counts() -> None:
    document = """
    { entries { nodes { ...Card } } }
    fragment Card on Entry { author { ...Person } }
    fragment Person on User { bio }
    """
    assert shape_of(document).author.profile


def test_a_field_under_a_directive_or_an_inline_fragment_counts() -> None:
    document = """
    { entries { nodes { ... on Entry { viewerHasResonated @skip(if: true) } } } }
    """
    assert shape_of(document).viewer_flags


def test_a_field_reached_through_edges_counts() -> None:
    shape = shape_of("{ feed { edges { node { author { viewerIsFollowing } } } } }")
    assert shape.author.viewer_flags
    assert not shape.author.profile


def test_the_lists_under_an_author_need_only_its_id() -> None:
    assert shape_of("{ entries { nodes { author { entries { nodes { id } } } } } }") == CARDS


def test_a_shape_is_worked_out_once_per_field_node() -> None:
    info = info_at("{ entries { nodes { viewerHasResonated } } }")
    assert page_shape(info) is page_shape(info)


FULL_FIELDS = """
  id title viewerHasResonated viewerHasAmplified type agent privacy tags metadata updatedAt
  author { id username name bio followerCount viewerIsFollowing followsViewer }
"""


async def _setup(conn: asyncpg.Connection) -> tuple[Any, Any]:
    reader = await make_user(conn)
    writer = await make_user(conn, name="Writer", bio="Writes.")
    await unchecked.insert_follow(conn, follower_id=reader["id"], followed_id=writer["id"])
    await unchecked.insert_follow(conn, follower_id=writer["id"], followed_id=reader["id"])
    for i in range(3):
        entry = await make_entry(conn, writer, title=f"t{i}")
        if i != 1:
            await unchecked.insert_resonance(conn, user_id=reader["id"], entry_id=entry["id"])
    return reader, writer


PERSON = "id username name bio followerCount viewerIsFollowing followsViewer"
# The same fields, reached every way a client may write them.
DETAILS = "type agent privacy tags metadata updatedAt"
NARROW_WAYS = {
    "plainly": f"{{ entries(first: 3) {{ nodes {{ {FULL_FIELDS} }} }} }}",
    "in fragments": f"""
    {{ entries(first: 3) {{ nodes {{ ...Card }} }} }}
    fragment Card on Entry {{
      id title viewerHasResonated viewerHasAmplified ...Details author {{ ...Who }}
    }}
    fragment Details on Entry {{ {DETAILS} }}
    fragment Who on User {{ {PERSON} }}
    """,
    "under directives": f"""
    query ($yes: Boolean = true) {{ entries(first: 3) {{ nodes {{
      ... on Entry {{ id title viewerHasResonated viewerHasAmplified @include(if: $yes) }}
      ... @skip(if: false) {{ {DETAILS} }}
      author @skip(if: false) {{ {PERSON} }}
    }} }} }}
    """,
    "merged": f"""
    {{ entries(first: 3) {{ nodes {{ id title author {{ id }} }} }}
       entries(first: 3) {{ nodes {{
         viewerHasResonated viewerHasAmplified {DETAILS} author {{ {PERSON} }}
       }} }} }}
    """,
}


@pytest.mark.parametrize("way", sorted(NARROW_WAYS))
async def test_a_narrow_page_answers_as_a_full_one(
    conn: asyncpg.Connection, client: httpx.AsyncClient, way: str
) -> None:
    reader, _ = await _setup(conn)
    full = f"{{ entries(first: 3) {{ nodes {{ {FULL_FIELDS} }} }} }}"

    got = await data(client, NARROW_WAYS[way], {}, as_user=reader["id"])
    expected = await data(client, full, {}, as_user=reader["id"])

    assert got == expected
    nodes = got["entries"]["nodes"]
    assert [n["viewerHasResonated"] for n in nodes] == [True, False, True]
    assert all(n["author"]["viewerIsFollowing"] and n["author"]["followsViewer"] for n in nodes)
    assert {n["author"]["bio"] for n in nodes} == {"Writes."}


async def test_a_page_of_cards_asks_postgresql_for_no_flag(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    reader, _ = await _setup(conn)
    with capturing_statements() as cards:
        got = await data(
            client,
            "{ entries(first: 3) { nodes { id title author { username } } } }",
            {},
            as_user=reader["id"],
        )
    with capturing_statements() as full:
        await data(
            client,
            f"{{ entries(first: 3) {{ nodes {{ {FULL_FIELDS} }} }} }}",
            {},
            as_user=reader["id"],
        )

    assert [n["title"] for n in got["entries"]["nodes"]] == ["t2", "t1", "t0"]
    [(cards_sql, _)] = cards
    [(full_sql, _)] = full
    costly = ("viewer_has_resonated", "author_viewer_is_following", "author_bio", "e.metadata")
    assert not any(column in cards_sql for column in costly)
    assert all(column in full_sql for column in costly)


async def test_a_narrow_feed_answers_as_a_full_one(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    reader, _ = await _setup(conn)
    narrow = "{ feed(first: 3) { edges { node { title author { username } } } } }"
    full = f"{{ feed(first: 3) {{ edges {{ node {{ {FULL_FIELDS} }} }} }} }}"

    with capturing_statements() as statements:
        got = await data(client, narrow, {}, as_user=reader["id"])
    expected = await data(client, full, {}, as_user=reader["id"])

    assert [e["node"]["title"] for e in got["feed"]["edges"]] == [
        e["node"]["title"] for e in expected["feed"]["edges"]
    ]
    assert all(e["node"]["author"]["viewerIsFollowing"] for e in expected["feed"]["edges"])
    assert "viewer_has_resonated" not in statements[0][0]


def test_a_feed_read_without_who_amplified_reads_no_amplifier() -> None:
    for document in (
        "{ feed { edges { node { id } } } }",
        "{ feed { edges { reason { amplifiedAt } } } }",
        "{ feed { pageInfo { hasNextPage } } }",
    ):
        assert amplifier_shape(info_at(document)) is None, document


def test_a_feeds_amplifiers_are_shaped_from_their_selection() -> None:
    document = """
    { feed { edges { reason { amplifiedBy { id username } } ...Why } } }
    fragment Why on FeedEdge { reason { ... on FeedReason { amplifiedBy { viewerIsFollowing } } } }
    """
    assert amplifier_shape(info_at(document)) == UserShape(
        profile=False, viewer_flags=True, card=False
    )
    document = "{ feed { edges { reason { amplifiedBy { bio } } } } }"
    assert amplifier_shape(info_at(document)) == UserShape(
        profile=True, viewer_flags=False, card=False
    )


def test_a_list_of_entries_is_shaped_from_its_own_selection() -> None:
    info = info_at("{ entry(id: 1) { ancestors { id author { username } } } }", "ancestors")
    assert entries_shape(info) == CARDS


def test_a_page_of_users_is_shaped_from_its_nodes() -> None:
    document = "{ x { resonators { nodes { id username } edges { node { bio } } } } }"
    info = info_at(document, "resonators")
    assert users_page_shape(info) == UserShape(profile=True, viewer_flags=False, card=False)


NESTED_FULL = f"""
  ancestors {{ {FULL_FIELDS} }}
  branches(first: 5) {{ nodes {{ {FULL_FIELDS} }} }}
  resonators(first: 5) {{ nodes {{ {PERSON} }} }}
  author {{ followers(first: 5) {{ edges {{ node {{ {PERSON} }} }} }}
            entries(first: 5) {{ nodes {{ {FULL_FIELDS} }} }} }}
"""
NESTED_NARROW = """
  ancestors { id title author { username } }
  branches(first: 5) { nodes { id ...Flags author { ... on User { viewerIsFollowing } } } }
  resonators(first: 5) { nodes { username } edges { node { followsViewer } } }
  author { followers(first: 5) { nodes { id bio } }
           entries(first: 5) { nodes { title viewerHasResonated } } }
"""


async def test_the_lists_under_an_entry_answer_narrow_as_full(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    """Branches, ancestors, resonators, and an author's followers and entries, each read
    in the shape of its own selection, answer what the full rows answer."""
    reader, writer = await _setup(conn)
    root = await make_entry(conn, writer, title="root")
    middle = await make_entry(conn, reader, title="middle", parent_id=root["id"])
    for i in range(3):
        branch = await make_entry(conn, writer, title=f"b{i}", parent_id=middle["id"])
        await unchecked.insert_resonance(conn, user_id=reader["id"], entry_id=branch["id"])
    await unchecked.insert_resonance(conn, user_id=writer["id"], entry_id=middle["id"])
    query = (
        "query ($id: ID!) {{ entry(id: $id) {{ {} }} }}"
        " fragment Flags on Entry {{ viewerHasResonated }}"
    )
    variables = {"id": entry_gid(middle)}

    narrow = await data(client, query.format(NESTED_NARROW), variables, as_user=reader["id"])
    full = await data(
        client,
        query.format(NESTED_FULL).replace(" fragment Flags on Entry { viewerHasResonated }", ""),
        variables,
        as_user=reader["id"],
    )

    got, expected = narrow["entry"], full["entry"]
    assert [a["title"] for a in got["ancestors"]] == ["root"]
    assert [b["viewerHasResonated"] for b in got["branches"]["nodes"]] == [True, True, True]
    assert got["branches"]["nodes"] == [
        {
            "id": b["id"],
            "viewerHasResonated": b["viewerHasResonated"],
            "author": {"viewerIsFollowing": b["author"]["viewerIsFollowing"]},
        }
        for b in expected["branches"]["nodes"]
    ]
    assert got["resonators"]["edges"] == [
        {"node": {"followsViewer": n["followsViewer"]}} for n in expected["resonators"]["nodes"]
    ]
    assert got["resonators"]["edges"][0]["node"]["followsViewer"] is True
    assert got["author"]["followers"]["nodes"] == [
        {"id": e["node"]["id"], "bio": e["node"]["bio"]}
        for e in expected["author"]["followers"]["edges"]
    ]
    assert got["author"]["entries"]["nodes"] == [
        {"title": n["title"], "viewerHasResonated": n["viewerHasResonated"]}
        for n in expected["author"]["entries"]["nodes"]
    ]


async def test_an_entry_and_its_parent_answer_narrow_as_full(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    """`entry(id)` and `parent`, read by id in the shape of their selections (a statement per
    shape when both are asked in one request)."""
    reader, writer = await _setup(conn)
    root = await make_entry(conn, writer, title="root", tags=["x"])
    child = await make_entry(conn, reader, title="child", parent_id=root["id"])
    await unchecked.insert_resonance(conn, user_id=reader["id"], entry_id=root["id"])
    variables = {"id": entry_gid(child), "root": entry_gid(root)}
    narrow = """
    query ($id: ID!, $root: ID!) {
      entry(id: $id) { title parent { viewerHasResonated tags author { bio } } }
      again: entry(id: $root) { title }
    }
    """
    full = f"""
    query ($id: ID!, $root: ID!) {{
      entry(id: $id) {{ {FULL_FIELDS} parent {{ {FULL_FIELDS} }} }}
      again: entry(id: $root) {{ {FULL_FIELDS} }}
    }}
    """

    with capturing_statements() as statements:
        got = await data(client, narrow, variables, as_user=reader["id"])
    expected = await data(client, full, variables, as_user=reader["id"])

    parent = expected["entry"]["parent"]
    assert got["entry"] == {
        "title": "child",
        "parent": {
            "viewerHasResonated": True,
            "tags": ["x"],
            "author": {"bio": parent["author"]["bio"]},
        },
    }
    assert parent["viewerHasResonated"] is True and parent["tags"] == ["x"]
    assert got["again"] == {"title": expected["again"]["title"]}
    by_id = [sql for sql, _ in statements if "ANY($3::bigint[])" in sql]
    assert len(by_id) == 2  # the two entries (one shape), then the parent (another)
    assert not any("viewer_has_resonated" in sql for sql in by_id[:1])


def test_an_authors_name_and_avatar_are_its_card_not_its_profile() -> None:
    shape = shape_of("{ feed { edges { node { author { id name avatar } } } } }")
    assert shape.author == UserShape(profile=False, viewer_flags=False, card=True)
    assert shape_of("{ entries { nodes { author { bio } } } }").author == UserShape(
        profile=True, viewer_flags=False, card=False
    )


def test_the_creation_is_read_when_selected() -> None:
    assert shape_of("{ entries { nodes { id createdAt } } }") == CARDS._replace(created=True)


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("query ($after: String) { entries(first: 2, after: $after) { %s } }", ("entries",)),
        (
            "query ($after: String, $user: ID!)"
            " { user(id: $user) { entries(first: 2, after: $after) { %s } } }",
            ("user", "entries"),
        ),
    ],
)
async def test_a_list_ordered_by_creation_pages_on_without_selecting_it(
    conn: asyncpg.Connection, client: httpx.AsyncClient, query: str, path: tuple[str, ...]
) -> None:
    """Its cursors hold each entry's creation, read whatever the selection."""
    reader, writer = await _setup(conn)
    document = query % "nodes { title } pageInfo { endCursor }"
    variables: dict[str, Any] = {"after": None}
    if "$user" in document:
        variables["user"] = user_gid(writer)

    titles = []
    for _ in range(2):
        page = await data(client, document, variables, as_user=reader["id"])
        for name in path:
            page = page[name]
        titles += [node["title"] for node in page["nodes"]]
        variables["after"] = page["pageInfo"]["endCursor"]

    assert titles == ["t2", "t1", "t0"]


async def test_branches_and_ancestors_read_no_creation_unless_selected(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    reader, writer = await _setup(conn)
    root = await make_entry(conn, writer, title="root")
    middle = await make_entry(conn, reader, title="middle", parent_id=root["id"])
    await make_entry(conn, writer, title="leaf", parent_id=middle["id"])
    query = "query ($id: ID!) { entry(id: $id) { ancestors { %s } branches { nodes { %s } } } }"
    variables = {"id": entry_gid(middle)}

    with capturing_statements() as narrow_statements:
        narrow = await data(client, query % ("title", "title"), variables)
    with capturing_statements() as dated_statements:
        dated = await data(client, query % ("title createdAt", "title createdAt"), variables)

    assert narrow["entry"]["ancestors"] == [{"title": "root"}]
    assert narrow["entry"]["branches"]["nodes"] == [{"title": "leaf"}]
    assert [a["createdAt"] for a in dated["entry"]["ancestors"]] == [root["created_at"].isoformat()]
    assert [b["title"] for b in dated["entry"]["branches"]["nodes"]] == ["leaf"]
    assert not any("e.created_at" in sql for sql, _ in narrow_statements)
    assert sum("e.created_at" in sql for sql, _ in dated_statements) == 2
