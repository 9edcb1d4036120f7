"""Many clients at once through HTTP: the counters equal the rows."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from db.reconcile import find_drift
from tests.factories import entry_gid, make_entry, make_user
from tests.graphql import data

RESONATE = "mutation ($id: ID!) { resonate(entryId: $id) { counts { resonanceCount } } }"
UNRESONATE = "mutation ($id: ID!) { unresonate(entryId: $id) { counts { resonanceCount } } }"
COUNT = "query ($id: ID!) { entry(id: $id) { counts { resonanceCount } } }"


async def test_200_users_resonate_at_once_then_all_unresonate(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    users = [await make_user(conn) for _ in range(200)]
    entry = await make_entry(conn, users[0])
    variables = {"id": entry_gid(entry)}

    results = await asyncio.gather(
        *(data(client, RESONATE, variables, as_user=u["id"]) for u in users)
    )
    seen = sorted(r["resonate"]["counts"]["resonanceCount"] for r in results)
    assert seen[-1] == 200
    assert (await data(client, COUNT, variables))["entry"]["counts"]["resonanceCount"] == 200
    assert await conn.fetchval("SELECT count(*) FROM user_resonances") == 200

    await asyncio.gather(*(data(client, UNRESONATE, variables, as_user=u["id"]) for u in users))
    assert (await data(client, COUNT, variables))["entry"]["counts"]["resonanceCount"] == 0
    assert await conn.fetchval("SELECT count(*) FROM user_resonances") == 0
    assert await find_drift(conn) == []
