"""Generated hostile input through the real app: text, metadata, ids, cursors and `first`.

Whatever is sent, the answer is HTTP 200 JSON (tests/api/hostile.py checks it) whose errors are
all BAD_USER_INPUT, never INTERNAL; what a mutation accepted reads back the same. Which input
must be accepted is decided here, independently of db/storable.py: the test's own reading of
the rules.

The runs are derandomized: every run tries the same examples, so a failure is reproducible
(drop `derandomize` locally to explore further).
"""

from __future__ import annotations

import base64
import json
import math
import os
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.hostile import same_json, send
from tests.factories import entry_gid, make_entry, make_user, user_gid

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    database=None,
    derandomize=os.environ.get("FUZZ_EXAMPLES") is None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters PostgreSQL cannot store, planted in a third of the texts; any character else.
UNSTORABLE = ["\x00", "\ud800", "\udbff", "\udc00", "\udfff"]
plain = st.text(st.characters(exclude_categories=()), max_size=20)
texts = st.one_of(
    plain,
    plain,
    st.tuples(plain, st.sampled_from(UNSTORABLE), plain).map("".join),
)
tags = st.one_of(st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True), texts)


def storable(text: str) -> bool:
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or []}


@pytest.fixture
async def me(conn: asyncpg.Connection) -> uuid.UUID:
    """A user with a profile; the database is emptied once per test, not per example."""
    user = await make_user(conn)
    user_id: uuid.UUID = user["id"]
    return user_id


CREATE = """
mutation ($input: CreateEntryInput!) {
  createEntry(input: $input) { id content title agent tags metadata }
}
"""
READ = "query ($id: ID!) { entry(id: $id) { id content title agent tags metadata } }"


@FUZZ
@given(
    content=texts,
    title=st.none() | texts,
    agent=st.none() | texts,
    tags=st.lists(texts, max_size=3),
)
async def test_entry_text_is_refused_or_read_back(
    client: httpx.AsyncClient,
    me: uuid.UUID,
    content: str,
    title: str | None,
    agent: str | None,
    tags: list[str],
) -> None:
    given_input = {"content": content, "title": title, "agent": agent, "tags": tags}
    body = await send(client, CREATE, {"input": given_input}, as_user=me)

    every_text = [content, title or "", agent or "", *tags]
    if not all(storable(t) for t in every_text):
        assert codes(body) == {"BAD_USER_INPUT"}, body
        return
    if "errors" in body:  # blank content, a tag outside [a-z0-9_-], ...
        assert codes(body) == {"BAD_USER_INPUT"}, body
        return
    created = body["data"]["createEntry"]
    assert (created["content"], created["title"], created["agent"]) == (content, title, agent)
    assert await send(client, READ, {"id": created["id"]}) == {"data": {"entry": created}}


PROFILE = """
mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { name bio location } }
"""


@FUZZ
@given(name=texts, bio=texts, location=texts)
async def test_profile_text_is_refused_or_read_back(
    client: httpx.AsyncClient, me: uuid.UUID, name: str, bio: str, location: str
) -> None:
    changes = {"name": name, "bio": bio, "location": location}
    body = await send(client, PROFILE, {"input": changes}, as_user=me)

    if not all(storable(t) for t in changes.values()):
        assert codes(body) == {"BAD_USER_INPUT"}, body
        return
    assert "errors" not in body, body
    assert body["data"]["updateProfile"] == changes
    viewer = await send(client, "{ viewer { name bio location } }", as_user=me)
    assert viewer == {"data": {"viewer": changes}}


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = [value]
    return value


numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64]),
    st.floats(),  # NaN, infinities, subnormals, 1e308
    st.sampled_from([1e20, 9.2e18, 9.3e18, -9.3e18, 5e-324, -0.0]),
)
json_values = st.recursive(
    st.none() | st.booleans() | numbers | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)
metadata = st.one_of(
    json_values, st.integers(0, 40).map(nested), st.sampled_from([nested(20), nested(21)])
)


def readable(value: Any, depth: int = 0) -> bool:
    """The rules as the field's description states them, independently of the code."""
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value) and -(2.0**63) < value < 2.0**63
    if isinstance(value, str):
        return storable(value)
    if depth == 20:
        return False
    if isinstance(value, list):
        return all(readable(v, depth + 1) for v in value)
    assert isinstance(value, dict)
    return all(storable(k) and readable(v, depth + 1) for k, v in value.items())


@FUZZ
@given(value=metadata)
async def test_metadata_is_refused_or_read_back_exactly(
    client: httpx.AsyncClient, me: uuid.UUID, value: Any
) -> None:
    variables = json.dumps({"input": {"content": "x", "metadata": value}})  # NaN, Infinity too
    body = await send(client, CREATE, raw_variables=variables, as_user=me)

    if not readable(value):
        assert codes(body) == {"BAD_USER_INPUT"}, body
        return
    if len(json.dumps(value, separators=(",", ":"))) > 16 * 1024:
        assert codes(body) == {"BAD_USER_INPUT"}, body
        return
    assert "errors" not in body, body
    created = body["data"]["createEntry"]
    assert same_json(created["metadata"], value)
    read = await send(client, READ, {"id": created["id"]})
    assert "errors" not in read, read
    assert same_json(read["data"]["entry"]["metadata"], value)


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()


keys = st.one_of(
    texts,
    st.integers(min_value=0, max_value=2**70).map(str),
    # Digits of other scripts, superscripts ("\u00b2" is a digit to isdigit(), not to int())
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),
    st.sampled_from(["\u00b2", "\u2460", "1_0", "+1", " 1", "007", "0", "9" * 5000]),
    # The edges of int4 and bigint
    st.sampled_from([str(2**31 - 1), str(2**31), str(2**63 - 1), str(2**63), str(2**64)]),
    st.integers().map(str),
    st.integers(min_value=2**62, max_value=2**65).map(str),
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: "{" + str(u) + "}"),
)
typed_ids = st.tuples(st.sampled_from(["Entry", "User", "Nope", ""]), keys).map(
    lambda t: b64(f"{t[0]}:{t[1]}")
)
global_ids = st.one_of(texts, typed_ids, typed_ids, typed_ids)
# One field per request, like the lists below.
ID_FIELDS = [
    "query ($id: ID!) { entry(id: $id) { id } }",
    "query ($id: ID!) { node(id: $id) { id } }",
    "query ($id: ID!) { user(id: $id) { id } }",
    "query ($id: ID!) { entries(filter: {authorId: $id}) { nodes { id } } }",
    "mutation ($id: ID!) { resonate(entryId: $id) { id } }",
    "mutation ($id: ID!) { follow(userId: $id) { id } }",
]


@FUZZ
@given(global_id=global_ids, document=st.sampled_from(ID_FIELDS))
async def test_ids_are_refused_or_read(
    client: httpx.AsyncClient, me: uuid.UUID, global_id: str, document: str
) -> None:
    body = await send(client, document, {"id": global_id}, as_user=me)
    # A well-formed id of nothing is NOT_FOUND for a mutation, null for a query.
    assert codes(body) <= {"BAD_USER_INPUT", "NOT_FOUND"}, body


offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
timestamps = st.one_of(
    st.datetimes(timezones=offsets).map(datetime.isoformat),  # the years' edges, in UTC too
    st.datetimes().map(datetime.isoformat),  # no offset
    st.sampled_from(
        [
            "2024-05-01T12:00:00Z",
            "2024-05-01",
            "0001-01-01T00:00:00+00:00",
            "0001-01-01T00:00:00+00:01",  # year 0 in UTC
            "9999-12-31T23:59:59-00:01",  # year 10000 in UTC
        ]
    ),
    texts,
)
SHAPES = {  # each kind of cursor and its parts
    "entries": (timestamps, keys),
    "feed": (timestamps, keys),
    "interactions": (timestamps, keys),
    "follows": (timestamps, keys),
    "branches": (keys,),
    "trending-day": (keys, keys),
}


def shaped(kind: str) -> st.SearchStrategy[str]:
    """Cursors of `kind` as encode_cursor writes them, with hostile parts."""
    return st.tuples(st.just(kind), *SHAPES[kind]).map(
        lambda parts: base64.urlsafe_b64encode(
            "|".join(parts).encode("utf-8", "surrogatepass")
        ).decode()
    )


def cursors(kind: str) -> st.SearchStrategy[str]:
    """Mostly the list's own kind: a cursor of another kind is refused before its parts."""
    any_kind = st.sampled_from(sorted(SHAPES)).flatmap(shaped)
    return st.one_of(texts, shaped(kind), shaped(kind), any_kind)


# One list per request: an error on a non-null list nulls the whole answer, and graphql-core
# then drops the errors of the other lists.
LISTS = {  # each list ({page}: its paging arguments), the parent it needs, its cursors' kind
    "entries({page}) { nodes { id } }": ("", "entries"),
    "feed({page}) { edges { cursor } }": ("", "feed"),
    "trendingConnection({page}) { nodes { id } }": ("", "trending-day"),
    "user(id: $id) { entries({page}) { nodes { id } } }": ("user", "entries"),
    "user(id: $id) { followers({page}) { nodes { id } } }": ("user", "follows"),
    "entry(id: $id) { branches({page}) { nodes { id } } }": ("entry", "branches"),
    "entry(id: $id) { resonators({page}) { nodes { id } } }": ("entry", "interactions"),
}
# Forward, backward, and between a cursor and itself; each asking what lies behind it.
PAGING = ["after: $cursor", "last: 2, before: $cursor", "after: $cursor, before: $cursor"]
lists_and_cursors = st.tuples(st.sampled_from(sorted(LISTS)), st.sampled_from(PAGING)).flatmap(
    lambda field: st.tuples(st.just(field), cursors(LISTS[field[0]][1]))
)


@pytest.fixture
async def anchor(conn: asyncpg.Connection, me: uuid.UUID) -> int:
    """An entry of `me`, for the lists under an entry."""
    author = await conn.fetchrow("SELECT * FROM users WHERE id = $1", me)
    entry_id: int = (await make_entry(conn, author))["id"]
    return entry_id


@FUZZ
@given(case=lists_and_cursors)
async def test_cursors_are_bad_user_input_or_read(
    client: httpx.AsyncClient,
    me: uuid.UUID,
    anchor: int,
    case: tuple[tuple[str, str], str],
) -> None:
    (template, paging), cursor = case
    parent = {"user": user_gid(me), "entry": entry_gid(anchor)}.get(LISTS[template][0])
    declared = "$id: ID!, " if parent else ""
    field = template.replace("{page}", paging).replace(
        "{ nodes", "{ pageInfo { hasNextPage hasPreviousPage } nodes", 1
    )
    document = f"query ({declared}$cursor: String) {{ {field} }}"
    variables = {"cursor": cursor, **({"id": parent} if parent else {})}
    body = await send(client, document, variables, as_user=me)
    assert codes(body) <= {"BAD_USER_INPUT"}, body


firsts = st.one_of(st.integers(), st.floats(), st.sampled_from([0, 100, 101, -1, 2**31]))


@FUZZ
@given(first=firsts)
async def test_first_is_bad_user_input_or_read(
    client: httpx.AsyncClient, me: uuid.UUID, first: Any
) -> None:
    variables = json.dumps({"first": first})  # NaN and Infinity too
    body = await send(
        client,
        "query ($first: Int) { entries(first: $first) { nodes { id } } }",
        raw_variables=variables,
    )
    assert codes(body) <= {"BAD_USER_INPUT"}, body
    in_range = math.isfinite(first) and first == int(first) and 0 <= first <= 100
    assert ("errors" in body) == (not in_range), body
