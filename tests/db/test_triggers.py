"""Each trigger's effect on the counters, one behaviour per test."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest

from db import unchecked
from tests.factories import counts, follow_counts, make_entry, make_user

ZERO = {"resonance_count": 0, "branch_count": 0, "amplification_count": 0, "share_count": 0}


async def test_creating_an_entry_creates_its_counts_row_at_zero(conn: asyncpg.Connection) -> None:
    entry = await make_entry(conn, await make_user(conn))
    assert await counts(conn, entry["id"]) == ZERO


async def test_resonate_counts_one_and_unresonate_uncounts_it(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)

    assert await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    assert (await counts(conn, entry["id"]))["resonance_count"] == 1

    assert await unchecked.delete_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    assert (await counts(conn, entry["id"]))["resonance_count"] == 0


async def test_resonating_twice_leaves_one_resonance(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    assert await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    assert not await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    assert (await counts(conn, entry["id"]))["resonance_count"] == 1


async def test_unresonate_of_nothing_is_a_no_op(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    assert not await unchecked.delete_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    assert await counts(conn, entry["id"]) == ZERO


async def test_resonance_decrement_at_zero_stays_zero(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    await conn.execute(
        "UPDATE entry_interaction_counts SET resonance_count = 0 WHERE entry_id = $1", entry["id"]
    )
    await unchecked.delete_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    assert (await counts(conn, entry["id"]))["resonance_count"] == 0


async def test_amplify_counts_one_and_unamplify_uncounts_it(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)

    assert await unchecked.insert_amplification(conn, user_id=fan["id"], entry_id=entry["id"])
    assert not await unchecked.insert_amplification(conn, user_id=fan["id"], entry_id=entry["id"])
    assert (await counts(conn, entry["id"]))["amplification_count"] == 1

    assert await unchecked.delete_amplification(conn, user_id=fan["id"], entry_id=entry["id"])
    assert not await unchecked.delete_amplification(conn, user_id=fan["id"], entry_id=entry["id"])
    assert (await counts(conn, entry["id"]))["amplification_count"] == 0


async def test_amplification_decrement_at_zero_stays_zero(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    await unchecked.insert_amplification(conn, user_id=fan["id"], entry_id=entry["id"])
    await conn.execute(
        "UPDATE entry_interaction_counts SET amplification_count = 0 WHERE entry_id = $1",
        entry["id"],
    )
    await unchecked.delete_amplification(conn, user_id=fan["id"], entry_id=entry["id"])
    assert (await counts(conn, entry["id"]))["amplification_count"] == 0


async def test_share_counts_every_call(conn: asyncpg.Connection) -> None:
    entry = await make_entry(conn, await make_user(conn))
    assert await unchecked.record_share(conn, entry_id=entry["id"]) == 1
    assert await unchecked.record_share(conn, entry_id=entry["id"]) == 2
    assert (await counts(conn, entry["id"]))["share_count"] == 2


async def test_share_of_a_missing_entry_is_refused(conn: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await unchecked.record_share(conn, entry_id=999_999)


async def test_a_branch_is_recorded_in_order_and_counted(conn: asyncpg.Connection) -> None:
    author = await make_user(conn)
    root = await make_entry(conn, author)
    first = await make_entry(conn, author, parent_id=root["id"])
    second = await make_entry(conn, author, parent_id=root["id"])

    rows = await conn.fetch(
        "SELECT child_entry_id, branch_order FROM entry_branches"
        " WHERE parent_entry_id = $1 ORDER BY branch_order",
        root["id"],
    )
    assert [(r["child_entry_id"], r["branch_order"]) for r in rows] == [
        (first["id"], 1),
        (second["id"], 2),
    ]
    assert (await counts(conn, root["id"]))["branch_count"] == 2


async def test_deleting_a_branch_uncounts_it(conn: asyncpg.Connection) -> None:
    author = await make_user(conn)
    root = await make_entry(conn, author)
    branch = await make_entry(conn, author, parent_id=root["id"])
    assert await unchecked.delete_entry_row(conn, branch["id"])
    assert (await counts(conn, root["id"]))["branch_count"] == 0
    assert await conn.fetchval("SELECT count(*) FROM entry_branches") == 0


async def test_branch_decrement_at_zero_stays_zero(conn: asyncpg.Connection) -> None:
    author = await make_user(conn)
    root = await make_entry(conn, author)
    branch = await make_entry(conn, author, parent_id=root["id"])
    await conn.execute(
        "UPDATE entry_interaction_counts SET branch_count = 0 WHERE entry_id = $1", root["id"]
    )
    await unchecked.delete_entry_row(conn, branch["id"])
    assert (await counts(conn, root["id"]))["branch_count"] == 0


async def test_deleting_a_parent_leaves_its_branches_as_roots(conn: asyncpg.Connection) -> None:
    author = await make_user(conn)
    root = await make_entry(conn, author)
    branch = await make_entry(conn, author, parent_id=root["id"])
    reply = await make_entry(conn, author, parent_id=branch["id"])

    assert await unchecked.delete_entry_row(conn, root["id"])

    parent_ids = dict(await conn.fetch("SELECT id, parent_id FROM stream_entries"))
    assert parent_ids == {branch["id"]: None, reply["id"]: branch["id"]}
    assert (await counts(conn, branch["id"]))["branch_count"] == 1
    links = await conn.fetch("SELECT parent_entry_id, child_entry_id FROM entry_branches")
    assert [tuple(r) for r in links] == [(branch["id"], reply["id"])]


async def test_moving_a_branch_moves_its_count(conn: asyncpg.Connection) -> None:
    author = await make_user(conn)
    a, b = await make_entry(conn, author), await make_entry(conn, author)
    branch = await make_entry(conn, author, parent_id=a["id"])
    await conn.execute(
        "UPDATE stream_entries SET parent_id = $1 WHERE id = $2", b["id"], branch["id"]
    )
    assert (await counts(conn, a["id"]))["branch_count"] == 0
    assert (await counts(conn, b["id"]))["branch_count"] == 1
    order = await conn.fetchval(
        "SELECT branch_order FROM entry_branches WHERE child_entry_id = $1", branch["id"]
    )
    assert order == 1


async def test_follow_counts_both_sides_and_unfollow_uncounts(conn: asyncpg.Connection) -> None:
    ada, bob = await make_user(conn), await make_user(conn)

    assert await unchecked.insert_follow(conn, follower_id=ada["id"], followed_id=bob["id"])
    assert not await unchecked.insert_follow(conn, follower_id=ada["id"], followed_id=bob["id"])
    assert await follow_counts(conn, ada["id"]) == (0, 1)
    assert await follow_counts(conn, bob["id"]) == (1, 0)

    assert await unchecked.delete_follow(conn, follower_id=ada["id"], followed_id=bob["id"])
    assert not await unchecked.delete_follow(conn, follower_id=ada["id"], followed_id=bob["id"])
    assert await follow_counts(conn, ada["id"]) == (0, 0)
    assert await follow_counts(conn, bob["id"]) == (0, 0)


async def test_follow_decrement_at_zero_stays_zero(conn: asyncpg.Connection) -> None:
    ada, bob = await make_user(conn), await make_user(conn)
    await unchecked.insert_follow(conn, follower_id=ada["id"], followed_id=bob["id"])
    await conn.execute("UPDATE users SET follower_count = 0, following_count = 0")
    await unchecked.delete_follow(conn, follower_id=ada["id"], followed_id=bob["id"])
    assert await follow_counts(conn, ada["id"]) == (0, 0)
    assert await follow_counts(conn, bob["id"]) == (0, 0)


async def test_following_yourself_is_refused(conn: asyncpg.Connection) -> None:
    ada = await make_user(conn)
    with pytest.raises(asyncpg.CheckViolationError):
        await unchecked.insert_follow(conn, follower_id=ada["id"], followed_id=ada["id"])


async def test_counters_cannot_be_set_negative(conn: asyncpg.Connection) -> None:
    entry = await make_entry(conn, await make_user(conn))
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute(
            "UPDATE entry_interaction_counts SET resonance_count = -1 WHERE entry_id = $1",
            entry["id"],
        )


async def test_each_counter_change_bumps_the_entry_version(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    version = "SELECT version FROM entry_interaction_counts WHERE entry_id = $1"
    assert await conn.fetchval(version, entry["id"]) == 0
    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    await unchecked.record_share(conn, entry_id=entry["id"])
    assert await conn.fetchval(version, entry["id"]) == 2
    await unchecked.delete_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    assert await conn.fetchval(version, entry["id"]) == 3


async def _notifications(
    listener: asyncpg.Connection, channel: str
) -> asyncio.Queue[dict[str, object]]:
    queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()

    def receive(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        queue.put_nowait(json.loads(payload))

    await listener.add_listener(channel, receive)
    return queue


async def test_an_entry_counter_change_notifies_all_its_counts(
    conn: asyncpg.Connection, listener: asyncpg.Connection
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    queue = await _notifications(listener, "entry_counts")

    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])

    event = await asyncio.wait_for(queue.get(), timeout=5)
    assert event == {
        "id": entry["id"],
        "version": 1,
        "resonance_count": 1,
        "branch_count": 0,
        "amplification_count": 0,
        "share_count": 0,
    }


async def test_a_follow_notifies_both_users_counts(
    conn: asyncpg.Connection, listener: asyncpg.Connection
) -> None:
    ada, bob = await make_user(conn), await make_user(conn)
    queue = await _notifications(listener, "user_counts")

    await unchecked.insert_follow(conn, follower_id=ada["id"], followed_id=bob["id"])

    events = [await asyncio.wait_for(queue.get(), timeout=5) for _ in range(2)]
    by_id = {e["id"]: e for e in events}
    assert by_id[str(ada["id"])] == {
        "id": str(ada["id"]),
        "version": 1,
        "follower_count": 0,
        "following_count": 1,
    }
    assert by_id[str(bob["id"])] == {
        "id": str(bob["id"]),
        "version": 1,
        "follower_count": 1,
        "following_count": 0,
    }


async def test_a_no_op_sends_no_notification(
    conn: asyncpg.Connection, listener: asyncpg.Connection
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    queue = await _notifications(listener, "entry_counts")

    await unchecked.delete_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    await unchecked.record_share(conn, entry_id=entry["id"])  # a change, to know delivery happened

    event = await asyncio.wait_for(queue.get(), timeout=5)
    assert event["share_count"] == 1
    assert queue.empty()
