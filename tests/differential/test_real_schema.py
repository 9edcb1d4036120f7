"""Our schema on a seeded database, through both executors (issue 13): the compiled one
(`build_schema(compiled=True)`) and graphql-core's generic execution (`compiled=False`, the
reference) must give identical answers, data and errors alike.

- GraphiQL's example tabs, the README's query and an operation for every root field of the
  contract, as anonymous, a user, an admin and a signed-in user with no profile yet.
- Every mutation of the contract, in one sequence with its refusals, run on two identical
  databases (one a template copy of the other): compiled on one, reference on the other;
  only times of rows written during the test are masked, and the databases are read back
  alike afterwards.
- A generated corpus (tests/differential/real_corpus.py), for every kind of viewer, and
  again with a data-layer function raising (unexpected, and as an API error), so errors
  propagate to the nearest nullable parent.

Both schemas are built with the server's default limits, so what runs here passes them.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import random
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import psycopg
import pytest
from psycopg import sql
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from db.migrate import apply_all
from db.pool import close_pool, connect, create_pool
from resolvers import loaders
from resolvers.context import Context, Viewer
from resolvers.errors import NotFound
from resolvers.ids import encode_id
from schema import build_schema
from schema.resonance_schema import ResonanceSchema
from seed.demo import load_demo
from server import graphiql
from server.settings import Settings
from tests.conftest import create_database, drop_database, server_url, with_database
from tests.differential.real_corpus import Document, Values, corpus
from tests.differential.shadow import UNREPEATABLE_CODES, difference, response, shadow_off

SEED = 1
CORPUS_PER_VIEWER = 120
# How often a document whose whole response a field error nulls is run again by each
# executor, for the timing of its other fields' errors (`both`).
RACE_RUNS = 10


def _schemas() -> tuple[ResonanceSchema, ResonanceSchema]:
    settings = Settings()

    def build(compiled: bool) -> ResonanceSchema:
        return build_schema(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_cost=settings.max_query_cost,
            compiled=compiled,
        )

    return build(True), build(False)


COMPILED, REFERENCE = _schemas()


# --- databases -----------------------------------------------------------------------------


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def copy_of(template_url: str) -> str:
    """A new database holding what the template holds (nobody may be connected to it)."""
    name = f"resonance_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(with_database(server_url(), "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(_name(template_url))
            )
        )
    return with_database(server_url(), name)


@pytest.fixture(scope="module")
async def seeded() -> AsyncIterator[str]:
    """The demo community of seed 1 (30 users, threads, every privacy level), as a template:
    never connected to after seeding, so identical copies can be made of it."""
    url = create_database()
    apply_all(url)
    conn = await connect(url)
    try:
        await load_demo(conn, seed=SEED, size=1, now=datetime.now(UTC))
    finally:
        await conn.close()
    yield url
    drop_database(url)


@dataclasses.dataclass
class Reads:
    """A copy of the seeded database for queries, its pool, viewers and argument values."""

    pool: asyncpg.Pool
    viewers: dict[str, Viewer | None]
    values: Values
    entries: dict[str, str]  # a role ("public", "private", "thread", ...) -> global id
    users: dict[str, str]


async def _viewers(conn: asyncpg.Connection) -> dict[str, Viewer | None]:
    ada = await conn.fetchval("SELECT id FROM users WHERE username = 'ada'")
    grace = await conn.fetchval("SELECT id FROM users WHERE username = 'grace'")
    assert ada is not None and grace is not None
    return {
        "anonymous": None,
        "user": Viewer(grace),
        "admin": Viewer(ada, is_admin=True),
        "no-profile": Viewer(uuid.UUID(int=SEED)),
    }


async def _values(conn: asyncpg.Connection) -> tuple[Values, dict[str, str], dict[str, str]]:
    rows = await conn.fetch(
        "SELECT id, privacy::text AS privacy, parent_id, user_id FROM stream_entries ORDER BY id"
    )
    rng = random.Random(SEED)
    by_privacy: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        by_privacy.setdefault(row["privacy"].upper(), []).append(row)
    picked = [r for group in by_privacy.values() for r in rng.sample(group, min(8, len(group)))]
    branches = [r for r in rows if r["parent_id"] is not None]
    picked += rng.sample(branches, min(6, len(branches)))
    entry_ids = sorted({encode_id("Entry", r["id"]) for r in picked})
    users = await conn.fetch("SELECT id, username FROM users ORDER BY username")
    user_ids = [encode_id("User", u["id"]) for u in rng.sample(list(users), min(12, len(users)))]
    tags = await conn.fetch(
        "SELECT tag FROM (SELECT DISTINCT unnest(tags) AS tag FROM stream_entries) t"
        " ORDER BY tag LIMIT 8"
    )
    grace = await conn.fetchval("SELECT id FROM users WHERE username = 'grace'")
    deepest = await conn.fetchval(
        "SELECT e.id FROM stream_entries e JOIN stream_entries p ON p.id = e.parent_id"
        " WHERE p.parent_id IS NOT NULL AND e.privacy = 'public' ORDER BY e.id LIMIT 1"
    )
    roles = {
        "public": encode_id("Entry", by_privacy["PUBLIC"][0]["id"]),
        "private": encode_id("Entry", by_privacy["PRIVATE"][0]["id"]),
        "followers": encode_id("Entry", by_privacy["FOLLOWERS"][0]["id"]),
        "thread": encode_id("Entry", deepest),
        "missing": encode_id("Entry", 10**12),
    }
    user_roles = {"grace": encode_id("User", grace), "missing": encode_id("User", uuid.UUID(int=7))}
    values = Values(
        entry_ids=entry_ids,
        user_ids=user_ids,
        usernames=[u["username"] for u in users[:6]],
        tags=[t["tag"] for t in tags],
        cursors=[],
        missing_entry_id=roles["missing"],
        missing_user_id=user_roles["missing"],
    )
    return values, roles, user_roles


CURSORS = """
query Cursors($user: ID!, $entry: ID!) {
  entries(first: 3) { edges { cursor } }
  user(id: $user) {
    entries(first: 2) { edges { cursor } }
    followers(first: 2) { edges { cursor } }
    following(first: 2) { edges { cursor } }
  }
  entry(id: $entry) { branches(first: 2) { edges { cursor } } }
}
"""


def _cursors(data: Any) -> list[str]:
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "cursor" and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


@pytest.fixture(scope="module")
async def reads(seeded: str) -> AsyncIterator[Reads]:
    url = copy_of(seeded)
    pool = await create_pool(url, min_size=1, max_size=5)
    try:
        async with pool.acquire() as conn:
            viewers = await _viewers(conn)
            values, roles, user_roles = await _values(conn)
        variables = {"user": user_roles["grace"], "entry": roles["thread"]}
        thread_parent = await run(REFERENCE, pool, CURSORS, variables, viewers["admin"])
        values.cursors = _cursors(thread_parent["data"])
        assert values.cursors, thread_parent
        yield Reads(pool, viewers, values, roles, user_roles)
    finally:
        await close_pool(pool)
        drop_database(url)


# --- running a document through one executor ------------------------------------------------


async def run(
    schema: ResonanceSchema,
    pool: asyncpg.Pool,
    query: str,
    variables: dict[str, Any] | None,
    viewer: Viewer | None,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """The answer as the client reads it, through a fresh context (fresh dataloaders)."""
    context = Context(db=pool, viewer=viewer)
    try:
        with shadow_off():
            result = await schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
            )
    except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError) as error:
        return {"refused": f"{type(error).__name__}: {error}"}
    body = response(result.data, result.errors)
    if result.extensions:
        body["extensions"] = result.extensions
    return body


# Times a query the database could not serve is tried, and the pause between.
OUTAGE_RETRIES = 5
OUTAGE_PAUSE_SECONDS = 1.0


def _outage(body: dict[str, Any]) -> bool:
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors", ())}
    return bool(codes & UNREPEATABLE_CODES)


async def both(
    pool: asyncpg.Pool,
    query: str,
    variables: dict[str, Any] | None,
    viewer: Viewer | None,
    operation_name: str | None = None,
) -> tuple[dict[str, Any], str | None]:
    """The compiled answer, and how the reference's differs (None: identical). A query the
    database could not serve (the server shared, out of connections) is run again."""
    for _ in range(OUTAGE_RETRIES):
        compiled = await run(COMPILED, pool, query, variables, viewer, operation_name)
        reference = await run(REFERENCE, pool, query, variables, viewer, operation_name)
        if not (_outage(compiled) or _outage(reference)):
            break
        await asyncio.sleep(OUTAGE_PAUSE_SECONDS)
    else:
        pytest.fail(f"the database was unavailable all along: {compiled} {reference}")
    what = f"document:\n{query}\nvariables: {variables}  operationName: {operation_name!r}"
    differs = difference(compiled, reference, what=f"{what}  viewer: {viewer!r}")
    if differs is not None and compiled.get("data", 0) is None is reference.get("data", 0):
        # A field error nulled the whole response while other fields were still running:
        # which of their errors are in it depends on timing, in graphql-core's own execution
        # too (the same document gave it one error or two, run after run). The executors
        # agree when they can answer alike: some run of each gives the same answer.
        seen = {json.dumps(compiled, sort_keys=True)}, {json.dumps(reference, sort_keys=True)}
        for _ in range(RACE_RUNS):
            if seen[0] & seen[1]:
                return compiled, None
            for schema, answers in zip((COMPILED, REFERENCE), seen, strict=True):
                answer = await run(schema, pool, query, variables, viewer, operation_name)
                answers.add(json.dumps(answer, sort_keys=True))
        if seen[0] & seen[1]:
            return compiled, None
    return compiled, differs


# --- GraphiQL's examples, the README's query, the contract's operations ---------------------

README_QUERY = (
    "{ entries(first: 5) { nodes { id title author { username } counts { resonanceCount } }"
    " pageInfo { hasNextPage endCursor } } }"
)

ENTRY_FIELDS = """
  id type agent title content privacy tags metadata createdAt updatedAt
  author { id username role followerCount viewerIsFollowing followsViewer }
  parent { id title }
  ancestors { id privacy }
  counts { resonanceCount branchCount amplificationCount shareCount }
  viewerHasResonated viewerHasAmplified
  branches(first: 3) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
  resonators(first: 3) { nodes { username } pageInfo { hasNextPage hasPreviousPage } }
  amplifiers(first: 3) { nodes { username } }
"""

USER_FIELDS = """
  id username email name bio location avatar role stats followerCount followingCount
  createdAt updatedAt viewerIsFollowing followsViewer
  entries(first: 3) { nodes { id privacy } pageInfo { hasNextPage startCursor endCursor } }
  followers(first: 3) { edges { cursor node { username } } }
  following(first: 3) { nodes { username } }
"""

# One operation for each root field of the contract's Query, asking for everything it has.
CONTRACT_QUERIES: dict[str, tuple[str, Callable[[Reads], dict[str, Any]]]] = {
    "node": (
        "query ($entry: ID!, $user: ID!) {"
        " e: node(id: $entry) { id __typename ... on Entry {" + ENTRY_FIELDS + "} }"
        " u: node(id: $user) { id __typename ... on User {" + USER_FIELDS + "} } }",
        lambda r: {"entry": r.entries["thread"], "user": r.users["grace"]},
    ),
    "viewer": ("{ viewer {" + USER_FIELDS + "} }", lambda r: {}),
    "user": (
        "query ($id: ID, $name: String) { byId: user(id: $id) {" + USER_FIELDS + "}"
        " byName: user(username: $name) { id username } }",
        lambda r: {"id": r.users["grace"], "name": "ADA"},
    ),
    "entry": (
        "query ($id: ID!) { entry(id: $id) {" + ENTRY_FIELDS + "} }",
        lambda r: {"id": r.entries["thread"]},
    ),
    "entries": (
        "query ($filter: EntryFilter, $after: String) {"
        " entries(filter: $filter, first: 7, after: $after) {"
        " edges { cursor node {" + ENTRY_FIELDS + "} } nodes { id }"
        " pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
        lambda r: {"filter": {"type": "LOGBOOK"}, "after": r.values.cursors[0]},
    ),
    "feed": (
        "{ feed(first: 10) { edges { cursor reason { amplifiedBy { username } amplifiedAt }"
        " node {" + ENTRY_FIELDS + "} } pageInfo { hasNextPage endCursor } } }",
        lambda r: {},
    ),
    "trending": (
        "{ hour: trending(window: HOUR, first: 5) { id counts { resonanceCount } }"
        " day: trending { id title author { username } }"
        " week: trending(window: WEEK, first: 10) {" + ENTRY_FIELDS + "} }",
        lambda r: {},
    ),
}

EXAMPLES: dict[str, tuple[str, Callable[[Reads], dict[str, Any]]]] = {
    "graphiql-explore": (graphiql.EXPLORE, lambda r: {}),
    "graphiql-feed": (graphiql.FEED, lambda r: {}),
    "readme-curl": (README_QUERY, lambda r: {}),
    **{f"contract-{name}": operation for name, operation in CONTRACT_QUERIES.items()},
}
VIEWER_KINDS = ("anonymous", "user", "admin", "no-profile")


def _has_data(body: dict[str, Any]) -> bool:
    data = body.get("data")
    return isinstance(data, dict) and any(value not in (None, []) for value in data.values())


@pytest.mark.parametrize("viewer", VIEWER_KINDS)
@pytest.mark.parametrize("example", sorted(EXAMPLES))
async def test_each_example_query_answers_the_same_through_both_executors(
    reads: Reads, example: str, viewer: str
) -> None:
    query, variables = EXAMPLES[example]
    compiled, differs = await both(reads.pool, query, variables(reads), reads.viewers[viewer])
    assert differs is None, differs
    if (viewer in ("user", "admin") and example != "contract-viewer") or example == "contract-node":
        assert _has_data(compiled), compiled  # the examples do reach the seeded rows


def test_the_examples_cover_every_root_query_field_of_the_contract() -> None:
    query = COMPILED._schema.query_type
    assert query is not None
    assert set(CONTRACT_QUERIES) <= set(query.fields)
    contract = open("contract/schema.graphql").read()  # noqa: SIM115
    root = contract.split("type Query {")[1].split("}")[0]
    names = {line.split("(")[0].split(":")[0].strip() for line in root.splitlines()}
    assert {n for n in names if n and not n.startswith('"')} == set(CONTRACT_QUERIES)


# --- mutations, on two identical databases --------------------------------------------------

ENTRY_RESULT = "{" + ENTRY_FIELDS + "}"
USER_RESULT = "{" + USER_FIELDS + "}"


def _mutations(
    ids: dict[str, str], me: uuid.UUID, other: uuid.UUID, admin: uuid.UUID
) -> list[tuple[str, str, dict[str, Any], Viewer | None]]:
    """(what, document, variables, viewer): every mutation of the contract, with the answers
    that refuse it, in an order where each step has something to act on."""
    newbie = Viewer(uuid.UUID(int=4242))
    mine = Viewer(me)
    entry = "mutation ($id: ID!) { %s(entryId: $id) " + ENTRY_RESULT + " }"
    return [
        ("anonymous", entry % "resonate", {"id": ids["public"]}, None),
        ("resonate", entry % "resonate", {"id": ids["public"]}, mine),
        ("resonate again", entry % "resonate", {"id": ids["public"]}, mine),
        ("unresonate", entry % "unresonate", {"id": ids["public"]}, mine),
        ("unresonate nothing", entry % "unresonate", {"id": ids["public"]}, mine),
        ("amplify", entry % "amplify", {"id": ids["public"]}, mine),
        ("unamplify", entry % "unamplify", {"id": ids["public"]}, mine),
        ("share", entry % "share", {"id": ids["public"]}, mine),
        ("share again", entry % "share", {"id": ids["public"]}, mine),
        ("resonate invisible", entry % "resonate", {"id": ids["private"]}, mine),
        ("resonate missing", entry % "resonate", {"id": ids["missing"]}, mine),
        ("resonate malformed", entry % "resonate", {"id": "bad"}, mine),
        ("graphiql resonate", graphiql.RESONATE, {"entryId": ids["thread"]}, mine),
        (
            "several, serially",
            "mutation ($id: ID!) { a: resonate(entryId: $id) { counts { resonanceCount } }"
            " b: share(entryId: $id) { counts { shareCount } viewerHasResonated }"
            " c: unresonate(entryId: $id) { counts { resonanceCount } viewerHasResonated }"
            ' d: amplify(entryId: "bad") { id } }',
            {"id": ids["thread"]},
            mine,
        ),
        (
            "createProfile",
            "mutation ($input: CreateProfileInput!) { createProfile(input: $input) "
            + USER_RESULT
            + " }",
            {"input": {"username": "newbie_1", "email": "n@example.org", "bio": "hello"}},
            newbie,
        ),
        (
            "createProfile twice",
            'mutation { createProfile(input: {username: "newbie_2"}) { id } }',
            {},
            newbie,
        ),
        (
            "createProfile taken",
            'mutation { createProfile(input: {username: "ADA"}) { id } }',
            {},
            Viewer(uuid.UUID(int=4343)),
        ),
        (
            "updateProfile",
            'mutation { updateProfile(input: {name: "New Bie", location: "Here"}) '
            + USER_RESULT
            + " }",
            {},
            newbie,
        ),
        (
            "createEntry",
            "mutation ($input: CreateEntryInput!) { createEntry(input: $input) "
            + ENTRY_RESULT
            + " }",
            {
                "input": {
                    "content": "a dream",
                    "title": "t",
                    "type": "DREAM",
                    "privacy": "FOLLOWERS",
                    "tags": ["Sky", "sea"],
                    "metadata": {"mood": ["calm", 1, None]},
                }
            },
            newbie,
        ),
        (
            "createEntry branch",
            "mutation ($input: CreateEntryInput!) { createEntry(input: $input) "
            + ENTRY_RESULT
            + " }",
            {"input": {"content": "a reply", "parentId": ids["thread"]}},
            newbie,
        ),
        (
            "createEntry blank",
            'mutation { createEntry(input: {content: "  "}) { id } }',
            {},
            newbie,
        ),
        (
            "createEntry no profile",
            'mutation { createEntry(input: {content: "x"}) { id } }',
            {},
            Viewer(uuid.UUID(int=4444)),
        ),
        (
            "updateEntry not mine",
            'mutation ($id: ID!) { updateEntry(id: $id, input: {title: "x"}) { id } }',
            {"id": ids["public"]},
            newbie,
        ),
        (
            "updateEntry",
            'mutation ($id: ID!) { updateEntry(id: $id, input: {title: "new", tags: ["A"],'
            " privacy: PRIVATE}) " + ENTRY_RESULT + " }",
            {"id": ids["mine"]},
            mine,
        ),
        (
            "follow",
            "mutation ($id: ID!) { follow(userId: $id) " + USER_RESULT + " }",
            {"id": encode_id("User", other)},
            newbie,
        ),
        (
            "follow again",
            "mutation ($id: ID!) { follow(userId: $id) { followerCount viewerIsFollowing } }",
            {"id": encode_id("User", other)},
            newbie,
        ),
        (
            "follow yourself",
            "mutation ($id: ID!) { follow(userId: $id) { id } }",
            {"id": encode_id("User", newbie.id)},
            newbie,
        ),
        (
            "unfollow",
            "mutation ($id: ID!) { unfollow(userId: $id) " + USER_RESULT + " }",
            {"id": encode_id("User", other)},
            newbie,
        ),
        (
            "deleteEntry not mine",
            "mutation ($id: ID!) { deleteEntry(id: $id) }",
            {"id": ids["public"]},
            newbie,
        ),
        ("deleteEntry", "mutation ($id: ID!) { deleteEntry(id: $id) }", {"id": ids["mine"]}, mine),
        (
            "deleteEntry as admin",
            "mutation ($id: ID!) { deleteEntry(id: $id) }",
            {"id": ids["followers"]},
            Viewer(admin, is_admin=True),
        ),
        (
            "read back",
            "query ($id: ID!) { entries(first: 20) { nodes { id title tags privacy"
            " counts { resonanceCount branchCount amplificationCount shareCount } } }"
            " entry(id: $id) " + ENTRY_RESULT + " viewer " + USER_RESULT + " }",
            {"id": ids["thread"]},
            newbie,
        ),
    ]


TIME_KEYS = frozenset({"createdAt", "updatedAt", "amplifiedAt"})


CURSOR_KEYS = frozenset({"cursor", "startCursor", "endCursor"})


def mask_new_times(body: Any, since: datetime) -> Any:
    """The body with the times of rows written since `since` (during the test) masked, and
    the cursors holding them (a cursor is a row's keyset: its time and its id, a follow's
    id drawn at random): two databases write them a few milliseconds apart. Older times and
    cursors are compared."""
    if isinstance(body, dict):
        masked = {}
        for key, value in body.items():
            new_time = key in TIME_KEYS and isinstance(value, str) and _at_or_after(value, since)
            new_cursor = key in CURSOR_KEYS and isinstance(value, str) and _new_cursor(value, since)
            if new_time or new_cursor:
                masked[key] = "<written during the test>"
            else:
                masked[key] = mask_new_times(value, since)
        return masked
    if isinstance(body, list):
        return [mask_new_times(item, since) for item in body]
    return body


def _new_cursor(cursor: str, since: datetime) -> bool:
    try:
        parts = base64.b64decode(cursor, validate=True).decode().split("|")
    except ValueError:
        return False
    return any(_at_or_after(part, since) for part in parts)


def _at_or_after(value: str, since: datetime) -> bool:
    try:
        return datetime.fromisoformat(value) >= since
    except ValueError:
        return False


async def _subjects(conn: asyncpg.Connection) -> tuple[dict[str, str], uuid.UUID, uuid.UUID]:
    """Entries to act on (visible or not to grace, hers), and grace's and ada's ids."""
    grace = await conn.fetchval("SELECT id FROM users WHERE username = 'grace'")
    ada = await conn.fetchval("SELECT id FROM users WHERE username = 'ada'")

    async def one(condition: str, *args: object) -> str:
        found = await conn.fetchval(
            f"SELECT id FROM stream_entries WHERE {condition} ORDER BY id", *args
        )
        assert found is not None, condition
        return encode_id("Entry", found)

    ids = {
        "public": await one("privacy = 'public' AND user_id <> $1", grace),
        "private": await one("privacy = 'private' AND user_id <> $1", grace),
        "followers": await one("privacy = 'followers' AND user_id <> $1", grace),
        "mine": await one("user_id = $1", grace),
        "thread": await one(
            "privacy = 'public' AND parent_id IS NOT NULL AND user_id <> $1", grace
        ),
        "missing": encode_id("Entry", 10**12),
    }
    return ids, grace, ada


async def test_every_mutation_answers_the_same_through_both_executors_on_identical_databases(
    seeded: str,
) -> None:
    since = datetime.now(UTC)
    urls = [copy_of(seeded), copy_of(seeded)]
    pools = [await create_pool(url, min_size=1, max_size=3) for url in urls]
    try:
        async with pools[0].acquire() as conn:
            ids, grace, ada = await _subjects(conn)
            other = await conn.fetchval("SELECT id FROM users WHERE username = 'alan'")
        differences = []
        for what, query, variables, viewer in _mutations(ids, grace, other, ada):
            compiled = await run(COMPILED, pools[0], query, variables, viewer)
            reference = await run(REFERENCE, pools[1], query, variables, viewer)
            if _outage(compiled) or _outage(reference):  # applied or not: no telling
                pytest.fail(f"the database was unavailable at {what}: {compiled} {reference}")
            differs = difference(
                mask_new_times(compiled, since),
                mask_new_times(reference, since),
                what=f"{what}:\n{query}\nvariables: {variables}  viewer: {viewer!r}",
            )
            if differs is not None:
                differences.append(differs)
        assert not differences, f"{len(differences)} differ; the first:\n{differences[0]}"
    finally:
        for pool in pools:
            await close_pool(pool)
        for url in urls:
            drop_database(url)


# --- a generated corpus ----------------------------------------------------------------------


async def _run_corpus(
    reads: Reads, documents: list[Document], viewer: Viewer | None
) -> tuple[list[str], list[dict[str, Any]]]:
    """How the reference's answers differ, and the compiled answers."""
    differences, answers = [], []
    for document in documents:
        compiled, differs = await both(
            reads.pool, document.query, document.variables, viewer, document.operation_name
        )
        answers.append(compiled)
        if differs is not None:
            differences.append(differs)
    return differences, answers


def _codes(answers: list[dict[str, Any]]) -> set[str]:
    return {
        (error.get("extensions") or {}).get("code", "")
        for answer in answers
        for error in answer.get("errors", ())
    }


@pytest.mark.parametrize("viewer", VIEWER_KINDS)
async def test_a_generated_corpus_answers_the_same_through_both_executors(
    reads: Reads, viewer: str
) -> None:
    seed = 100 + VIEWER_KINDS.index(viewer)
    documents = corpus(COMPILED._schema, reads.values, seed, CORPUS_PER_VIEWER)

    differences, answers = await _run_corpus(reads, documents, reads.viewers[viewer])

    assert not differences, (
        f"{len(differences)} of {len(documents)} documents differ; the first:\n{differences[0]}"
    )
    # The generator means about half to fail validation or coercion (bad literals and
    # variables): the comparison needs a good share of the rest to execute.
    executed = [a for a in answers if isinstance(a.get("data"), dict)]
    assert len(executed) >= len(documents) * 2 // 5, "a good share should get past validation"
    assert any(_has_data(a) for a in executed)
    assert "BAD_USER_INPUT" in _codes(answers)


def _raising(make: Callable[[], Exception]) -> Callable[..., Any]:
    async def broken(*args: object, **kwargs: object) -> Any:
        raise make()

    return broken


# A data-layer function (as the loaders call it) raising: a bug, or an API error.
RAISING: dict[str, tuple[str, Callable[[], Exception], str]] = {
    "users-unexpectedly": ("fetch_users_by_ids", lambda: RuntimeError("broken"), "INTERNAL"),
    "branches-not-found": ("fetch_branches", lambda: NotFound("gone"), "NOT_FOUND"),
    "entries-unexpectedly": ("fetch_entries_by_ids", lambda: KeyError("id"), "INTERNAL"),
}


@pytest.mark.parametrize("failure", sorted(RAISING))
async def test_a_generated_corpus_answers_the_same_when_the_data_layer_raises(
    reads: Reads, failure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, make, code = RAISING[failure]
    monkeypatch.setattr(loaders, name, _raising(make))
    seed = 200 + sorted(RAISING).index(failure)
    documents = corpus(COMPILED._schema, reads.values, seed, CORPUS_PER_VIEWER)

    differences, answers = await _run_corpus(reads, documents, reads.viewers["admin"])

    assert not differences, (
        f"{len(differences)} of {len(documents)} documents differ; the first:\n{differences[0]}"
    )
    assert code in _codes(answers), "the failure should be met by some document"
