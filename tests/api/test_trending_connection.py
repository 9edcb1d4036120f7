"""Query.trendingConnection: the trending ranking as a connection, paged both ways."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from db import unchecked
from db.pool import counting_statements
from db.trending import refresh_trending
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import data, error_codes, post

PAGE = """
query ($w: TrendingWindow, $first: Int, $after: String, $last: Int, $before: String) {
  trendingConnection(window: $w, first: $first, after: $after, last: $last, before: $before) {
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def page(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    got: dict[str, Any] = (await data(client, PAGE, variables))["trendingConnection"]
    return got


def ids(got: dict[str, Any]) -> list[str]:
    return [node["id"] for node in got["nodes"]]


async def ranked(conn: asyncpg.Connection, scores: list[int]) -> list[asyncpg.Record]:
    """Entries with these many resonances each, the view refreshed."""
    author = await make_user(conn)
    fans = [await make_user(conn) for _ in range(max(scores))]
    entries = []
    for score in scores:
        entry = await make_entry(conn, author)
        for fan in fans[:score]:
            await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        entries.append(entry)
    await refresh_trending(conn)
    return entries


async def test_pages_forward_and_backward_give_the_trending_list(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await ranked(conn, [2, 5, 1, 4, 3])
    listed = [e["id"] for e in (await data(client, "{ trending { id } }"))["trending"]]
    assert len(listed) == 5

    forward: list[str] = []
    after = None
    while True:
        got = await page(client, first=2, after=after)
        forward += ids(got)
        assert got["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    assert forward == listed

    backward: list[str] = []
    before = None
    while True:
        got = await page(client, last=2, before=before)
        backward = ids(got) + backward
        if not got["pageInfo"]["hasPreviousPage"]:
            break
        before = got["pageInfo"]["startCursor"]
    assert backward == listed


async def test_a_page_after_a_refresh_goes_on_from_the_cursors_score(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    top, middle, bottom = await ranked(conn, [3, 2, 1])
    first = await page(client, first=1)
    assert ids(first) == [entry_gid(top)]
    for _ in range(4):
        fan = await make_user(conn)
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=bottom["id"])
    await refresh_trending(conn)
    # bottom rose to 5, past the cursor's 3: the rest of the ranking below 3 is middle.
    rest = await page(client, first=10, after=first["pageInfo"]["endCursor"])
    assert ids(rest) == [entry_gid(middle)]
    assert rest["pageInfo"]["hasPreviousPage"] is True


async def test_a_cursor_of_one_window_is_refused_by_another(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await ranked(conn, [1, 2])
    day = await page(client, w="DAY", first=1)
    body = await post(client, PAGE, {"w": "WEEK", "after": day["pageInfo"]["endCursor"]})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == "after is not a cursor of this list"


async def test_an_entry_made_private_since_the_refresh_is_dropped_from_its_page(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    hidden, shown = await ranked(conn, [2, 1])
    await conn.execute("UPDATE stream_entries SET privacy = 'private' WHERE id = $1", hidden["id"])
    assert ids(await page(client)) == [entry_gid(shown)]


async def test_a_page_is_one_statement(conn: asyncpg.Connection, client: httpx.AsyncClient) -> None:
    await ranked(conn, [1, 2, 3])
    with counting_statements() as statements:
        got = await data(client, "{ trendingConnection(first: 2) { nodes { id title } } }")
    assert len(got["trendingConnection"]["nodes"]) == 2
    assert statements[0] == 1


async def test_last_outside_0_to_100_is_bad_user_input(client: httpx.AsyncClient) -> None:
    assert error_codes(await post(client, PAGE, {"last": 101})) == ["BAD_USER_INPUT"]
