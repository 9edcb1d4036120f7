"""Several server processes, bursts, a lost LISTEN connection and many subscribers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from db import unchecked
from tests.conftest import with_database
from tests.factories import entry_gid, make_entry, make_user, user_gid
from tests.graphql import data
from tests.subscriptions.conftest import ServerProcess
from tests.subscriptions.wsclient import (
    ENTRY_COUNTS,
    LEGACY_WS,
    TRANSPORT_WS,
    USER_COUNTS,
    Subscriber,
    eventually,
    start,
    subscribe,
)

RESONATE = "mutation ($id: ID!) { resonate(entryId: $id) { counts { resonanceCount } } }"
FOLLOW = "mutation ($id: ID!) { follow(userId: $id) { followerCount } }"


def resonances(event: dict[str, Any]) -> int:
    count: int = event["entryCounts"]["counts"]["resonanceCount"]
    return count


def followers(event: dict[str, Any]) -> int:
    count: int = event["userCounts"]["followerCount"]
    return count


async def test_a_resonate_through_one_server_reaches_subscribers_on_both(
    server: ServerProcess,
    second_server: ServerProcess,
    conn: asyncpg.Connection,
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    entry_vars, user_vars = {"id": entry_gid(entry)}, {"id": user_gid(author)}

    async with (
        subscribe(server.ws_url, ENTRY_COUNTS, entry_vars) as on_first,
        subscribe(second_server.ws_url, ENTRY_COUNTS, entry_vars, protocol=LEGACY_WS) as on_second,
        subscribe(server.ws_url, USER_COUNTS, user_vars, protocol=LEGACY_WS) as author_counts,
        httpx.AsyncClient(base_url=second_server.http_url) as second_http,
    ):
        for subscriber in (on_first, on_second):
            assert resonances(await subscriber.event()) == 0
        assert followers(await author_counts.event()) == 0

        await data(second_http, RESONATE, entry_vars, as_user=fan["id"])
        await data(second_http, FOLLOW, user_vars, as_user=fan["id"])

        assert resonances(await on_first.event()) == 1
        assert resonances(await on_second.event()) == 1
        assert followers(await author_counts.event()) == 1


async def record(subscriber: Subscriber, final: int) -> list[tuple[int, float]]:
    """(resonance count, arrival time) of each event, until the count is `final`."""
    seen: list[tuple[int, float]] = []
    while not seen or seen[-1][0] != final:
        event = await subscriber.event()
        seen.append((resonances(event), time.monotonic()))
    return seen


async def test_a_burst_of_200_resonates_ends_at_200_within_a_second(
    server: ServerProcess,
    second_server: ServerProcess,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
) -> None:
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    fans = [await make_user(conn) for _ in range(200)]
    variables = {"id": entry_gid(entry)}

    async def resonate(fan: asyncpg.Record) -> float:
        async with pool.acquire() as c:
            assert await unchecked.insert_resonance(c, user_id=fan["id"], entry_id=entry["id"])
        return time.monotonic()

    async with (
        subscribe(server.ws_url, ENTRY_COUNTS, variables) as first,
        subscribe(second_server.ws_url, ENTRY_COUNTS, variables, protocol=LEGACY_WS) as second,
    ):
        assert resonances(await first.event()) == 0
        assert resonances(await second.event()) == 0
        for subscriber in (first, second):
            subscriber.patience = 30
        recorders = [asyncio.create_task(record(s, 200)) for s in (first, second)]

        last_commit = max(await asyncio.gather(*(resonate(fan) for fan in fans)))
        async with asyncio.timeout(30):
            seen_by_each = await asyncio.gather(*recorders)

    for seen in seen_by_each:
        counts = [count for count, _ in seen]
        assert counts == sorted(counts), "the counts went back in time"
        assert counts[-1] == 200
        lag = seen[-1][1] - last_commit
        print(f"{len(counts)} events for 200 commits; the last arrived {lag * 1000:.1f} ms after")
        assert lag < 1.0


@asynccontextmanager
async def refusing_connections(database_url: str) -> AsyncIterator[None]:
    """New connections to the database fail inside the block; open ones carry on."""
    name = '"' + urlsplit(database_url).path.lstrip("/").replace('"', '""') + '"'
    admin = await asyncpg.connect(with_database(database_url, "postgres"))
    try:
        await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        try:
            yield
        finally:
            await admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    finally:
        await admin.close()


async def test_a_lost_listen_connection_is_replaced_and_subscribers_get_a_fresh_snapshot(
    server: ServerProcess, conn: asyncpg.Connection, database_url: str
) -> None:
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    fans = [await make_user(conn) for _ in range(4)]

    async def resonate(fan: asyncpg.Record) -> None:
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])

    async with (
        subscribe(server.ws_url, ENTRY_COUNTS, {"id": entry_gid(entry)}) as entry_sub,
        subscribe(
            server.ws_url, USER_COUNTS, {"id": user_gid(author)}, protocol=LEGACY_WS
        ) as user_sub,
    ):
        assert resonances(await entry_sub.event()) == 0
        assert followers(await user_sub.event()) == 0
        await resonate(fans[0])
        assert resonances(await entry_sub.event()) == 1
        reconnects = (await server.stats())["reconnects"]

        # The database refuses the server's reconnects (as while it restarts) until these
        # changes have committed: their notifications are lost.
        async with refusing_connections(database_url):
            terminated = await conn.fetchval(
                "SELECT bool_and(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
                " WHERE application_name = $1",
                server.listen_name,
            )
            assert terminated, "the server's LISTEN connection was not found"
            await resonate(fans[1])
            await resonate(fans[2])
            await unchecked.insert_follow(conn, follower_id=fans[0]["id"], followed_id=author["id"])
            assert (await server.stats())["reconnects"] == reconnects

        seen = await entry_sub.until(lambda event: resonances(event) == 3)
        assert [resonances(event) for event in seen] == [3]
        assert followers(await user_sub.event()) == 1
        assert (await server.stats())["reconnects"] == reconnects + 1

        # The new connection carries the changes that follow.
        await resonate(fans[3])
        assert resonances(await entry_sub.event()) == 4


async def test_500_subscribers_come_and_go_and_leave_nothing_behind(
    server: ServerProcess, conn: asyncpg.Connection
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    subscriptions = [
        (ENTRY_COUNTS, {"id": entry_gid(entry)}),
        (USER_COUNTS, {"id": user_gid(author)}),
    ]
    before = await server.stats()
    assert (before["registry"], before["subscribers"]) == (0, 0)

    handshakes = asyncio.Semaphore(100)

    async def join(i: int) -> Subscriber:
        query, variables = subscriptions[i % 2]
        protocol = TRANSPORT_WS if i % 4 < 2 else LEGACY_WS
        async with handshakes:
            subscriber = await start(
                server.ws_url, query, variables, protocol=protocol, patience=30
            )
            await subscriber.event()
            return subscriber

    async with asyncio.timeout(60):
        subscribers = await asyncio.gather(*(join(i) for i in range(500)))
    during = await server.stats()
    assert (during["registry"], during["subscribers"]) == (2, 500)
    per_subscriber = (during["rss"] - before["rss"]) / 500
    print(f"server memory: {per_subscriber / 1024:.1f} KiB per connection with a subscription")

    # One change reaches every subscriber of the entry.
    changed = time.monotonic()
    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    async with asyncio.timeout(10):
        events = await asyncio.gather(*(s.event() for s in subscribers[::2]))
    print(f"one change reached 250 subscribers in {(time.monotonic() - changed) * 1000:.0f} ms")
    assert {resonances(event) for event in events} == {1}

    # They leave every way a client can: completing first, closing, or just vanishing.
    async def leave(i: int, subscriber: Subscriber) -> None:
        if i % 3 == 0:
            await subscriber.complete()
            await subscriber.ws.close()
        elif i % 3 == 1:
            await subscriber.ws.close()
        else:
            subscriber.ws.transport.abort()

    await asyncio.gather(*(leave(i, s) for i, s in enumerate(subscribers)))

    async def nothing_left() -> bool:
        after = await server.stats()
        return (after["registry"], after["subscribers"]) == (0, 0) and after["tasks"] <= before[
            "tasks"
        ]

    await eventually(nothing_left)


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_stopped_subscription_on_a_live_connection_is_unregistered(
    server: ServerProcess, conn: asyncpg.Connection, protocol: str
) -> None:
    author = await make_user(conn)
    entry = await make_entry(conn, author)
    async with subscribe(
        server.ws_url, ENTRY_COUNTS, {"id": entry_gid(entry)}, protocol=protocol
    ) as sub:
        await sub.event()
        assert (await server.stats())["subscribers"] == 1
        await sub.complete()

        async def unregistered() -> bool:
            return (await server.stats())["subscribers"] == 0

        await eventually(unregistered)
        assert sub.ws.state.name == "OPEN"
