"""The real Apollo Client 3 (its /core entry, in Node, tests/ops/apollo_client/scenarios.cjs)
against `python -m server`, where the client library is the point: automatic persisted
queries through its link, a watched query kept current by a live event with no code of the
app's, and relayStylePagination read forward and then backward ("newer entries")."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from db.unchecked import insert_resonance
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import token_for
from tests.ops.conftest import Served
from tests.ops.npm import install_pinned

APOLLO = Path(__file__).resolve().parent / "apollo_client"


@pytest.fixture(scope="module")
def scenarios() -> Path:
    """The pinned client (tests/ops/apollo_client/package-lock.json), installed from npm once."""
    install_pinned(APOLLO, "@apollo/client", "to run Apollo Client")
    return APOLLO / "scenarios.cjs"


def run(scenarios: Path, scenario: str, **config: Any) -> list[dict[str, Any]]:
    """Run one scenario; its JSON lines."""
    done = subprocess.run(
        ["node", str(scenarios), scenario, json.dumps(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        # Apollo prints its warnings only outside production.
        env={**os.environ, "NODE_ENV": "development"},
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


# Each test its own documents: the server keeps the queries it was sent for the module.
RECENT = "query Recent { entries(first: 2) { nodes { id title } } }"
NEWEST = "query Newest { entries(first: 1) { nodes { id } } }"
TITLES = "query Titles { entries(first: 2) { nodes { title } } }"
AUTHORS = "query Authors { entries(first: 2) { nodes { author { username } } } }"
CONTENTS = "query Contents { entries(first: 2) { nodes { content } } }"
IDS = "query Ids { entries(first: 2) { nodes { id } } }"
MISS = ["PERSISTED_QUERY_NOT_FOUND"]


async def persisted_steps(
    served: Served, scenarios: Path, conn: asyncpg.Connection, *steps: tuple[str, str, str]
) -> list[dict[str, Any]]:
    """Two entries by `apq_author`, then `steps` (client, link kind, query) in Apollo."""
    author = await make_user(conn, username="apq_author")
    await make_entry(conn, author, title="older", content="the older")
    await make_entry(conn, author, title="newer", content="the newer")
    return run(scenarios, "persisted", url=f"{served.url}/graphql", steps=steps)


def sent(step: dict[str, Any]) -> list[tuple[str, bool, list[str]]]:
    """Each request of a step: its method, whether it carried the query text, its error codes."""
    return [(r["method"], r["hasQuery"], r["codes"]) for r in step["requests"]]


async def test_a_new_query_is_sent_by_hash_then_with_its_text_then_by_hash_alone(
    served: Served, scenarios: Path, conn: asyncpg.Connection
) -> None:
    first, first_again, second = await persisted_steps(
        served,
        scenarios,
        conn,
        ("first page load", "post", RECENT),
        ("first page load", "post", NEWEST),
        ("second page load", "post", RECENT),
    )
    # The hash alone, unknown (a 200: Apollo Client 3 accepts */*); then hash and query.
    assert sent(first) == [("POST", False, MISS), ("POST", True, [])]
    assert [r["status"] for r in first["requests"]] == [200, 200]
    hash_alone, with_query = first["requests"]
    assert with_query["hash"] == hash_alone["hash"]
    assert strip_typenames(first["data"])["entries"]["nodes"][0]["title"] == "newer"
    # The link still sends hashes first after a miss (nothing told it to give them up).
    assert sent(first_again) == [("POST", False, MISS), ("POST", True, [])]
    # Another client: the hash alone is served, no query text sent.
    assert sent(second) == [("POST", False, [])]
    assert second["requests"][0]["hash"] == hash_alone["hash"]
    assert second["data"] == first["data"]


async def test_a_get_by_a_known_hash_is_answered_and_a_miss_sends_the_query_by_post(
    served: Served, scenarios: Path, conn: asyncpg.Connection
) -> None:
    _, known, new = await persisted_steps(
        served,
        scenarios,
        conn,
        ("first page load", "post", TITLES),
        ("second page load", "get", TITLES),
        ("second page load", "get", AUTHORS),
    )
    assert sent(known) == [("GET", False, [])]
    assert strip_typenames(known["data"]) == {
        "entries": {"nodes": [{"title": "newer"}, {"title": "older"}]}
    }
    assert sent(new) == [("GET", False, MISS), ("POST", True, [])]
    assert strip_typenames(new["data"]) == {
        "entries": {"nodes": [{"author": {"username": "apq_author"}}] * 2}
    }


async def test_asking_for_graphql_response_json_a_miss_is_a_4xx_the_link_follows(
    served: Served, scenarios: Path, conn: asyncpg.Connection
) -> None:
    """What Apollo Client 4 and urql accept: an operation that never ran is a 4xx, which
    Apollo's link reads as it reads the 200, and does not take for "no persisted queries"."""
    new, other = await persisted_steps(
        served,
        scenarios,
        conn,
        ("page load", "strict", CONTENTS),
        ("page load", "strict", IDS),
    )
    assert sent(new) == [("POST", False, MISS), ("POST", True, [])]
    assert [r["status"] for r in new["requests"]] == [400, 200]
    assert strip_typenames(new["data"]) == {
        "entries": {"nodes": [{"content": "the newer"}, {"content": "the older"}]}
    }
    # The next new query goes by hash first again.
    assert sent(other) == [("POST", False, MISS), ("POST", True, [])]


async def watch_live_counts(
    served: Served, scenarios: Path, conn: asyncpg.Connection, *, counts_id: bool
) -> dict[str, Any]:
    """An entry resonated with twice, watched by one user while another resonates."""
    author, watcher, other = [await make_user(conn) for _ in range(3)]
    entry = await make_entry(conn, author)
    for user in (author, watcher):
        await insert_resonance(conn, user_id=user["id"], entry_id=entry["id"])
    (seen,) = run(
        scenarios,
        "live-counts",
        url=f"{served.url}/graphql",
        watcher=token_for(watcher["id"]),
        other=token_for(other["id"]),
        entryId=entry_gid(entry),
        countsId=counts_id,
    )
    return seen


async def test_a_live_event_updates_the_watched_entry_in_apollos_cache_with_no_code(
    served: Served, scenarios: Path, conn: asyncpg.Connection
) -> None:
    seen = await watch_live_counts(served, scenarios, conn, counts_id=True)
    # The snapshot, then the other viewer's resonance.
    assert seen["events"] == [2, 3]
    # The watched query shows it, from the cache: no update function, no refetch.
    assert seen["watched"] == [2, 3]
    assert seen["queries"] == 1
    assert seen["printed"] == []


async def test_without_the_counts_id_apollo_warns_that_cache_data_may_be_lost(
    served: Served, scenarios: Path, conn: asyncpg.Connection
) -> None:
    """The check above can fail: counts without their `id` replace each other, which Apollo
    warns about and which makes it fetch the watched query again."""
    seen = await watch_live_counts(served, scenarios, conn, counts_id=False)
    assert seen["watched"][-1] == 3
    assert any("Cache data may be lost" in line for line in seen["printed"]), seen["printed"]
    assert seen["queries"] > 1


async def test_relay_style_pagination_reads_to_the_end_then_newer_entries_on_top(
    served: Served, scenarios: Path, conn: asyncpg.Connection
) -> None:
    author = await make_user(conn)
    someone_else = await make_user(conn)
    for n in range(7):
        await make_entry(conn, author, title=f"older {n}")
    await make_entry(conn, someone_else)  # not in the filtered list

    steps = run(
        scenarios,
        "newer-entries",
        url=f"{served.url}/graphql",
        author=token_for(author["id"]),
        authorId=user_gid(author),
        pageSize=3,
        newCount=4,
    )

    newest_first = [
        entry_gid(row["id"])
        for row in await conn.fetch(
            "SELECT id FROM stream_entries WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
            author["id"],
        )
    ]
    new, old = newest_first[:4], newest_first[4:]
    assert [(s["step"], s["ids"]) for s in steps] == [
        ("first page", old[:3]),
        ("older", old[:6]),
        ("older", old),
        # The button: the three just above the top, then the last one; no repeats, no gaps.
        ("newer", new[1:] + old),
        ("newer", new + old),
    ]
    flags = [(s["pageInfo"]["hasPreviousPage"], s["pageInfo"]["hasNextPage"]) for s in steps]
    assert flags == [(False, True), (False, True), (False, False), (True, False), (False, False)]
    assert all(s["printed"] == [] for s in steps)


def strip_typenames(value: Any) -> Any:
    """Apollo adds `__typename` to every selection; the assertions leave it out."""
    if isinstance(value, dict):
        return {k: strip_typenames(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [strip_typenames(v) for v in value]
    return value
