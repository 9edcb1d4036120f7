"""Deleting entries and users: the interactions go, the counters still equal the rows."""

from __future__ import annotations

import asyncpg

from db import unchecked
from db.reconcile import find_drift
from tests.factories import counts, follow_counts, make_entry, make_user


async def test_deleting_an_entry_removes_its_interactions(conn: asyncpg.Connection) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
    await unchecked.insert_amplification(conn, user_id=fan["id"], entry_id=entry["id"])
    await unchecked.record_share(conn, entry_id=entry["id"])

    assert await unchecked.delete_entry_row(conn, entry["id"])

    for table in ("user_resonances", "user_amplifications", "entry_interaction_counts"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    assert await find_drift(conn) == []


async def test_deleting_a_user_who_did_everything_keeps_counters_exact(
    conn: asyncpg.Connection,
) -> None:
    gone, ada, bob = await make_user(conn), await make_user(conn), await make_user(conn)
    own = await make_entry(conn, gone)
    ada_entry = await make_entry(conn, ada)
    # Gone's own entry has interactions from others and a reply by Ada...
    await unchecked.insert_resonance(conn, user_id=ada["id"], entry_id=own["id"])
    await unchecked.insert_amplification(conn, user_id=bob["id"], entry_id=own["id"])
    ada_reply = await make_entry(conn, ada, parent_id=own["id"])
    # ...and gone resonated, amplified and replied to others, also to its own entry.
    for entry_id in (own["id"], ada_entry["id"], ada_reply["id"]):
        await unchecked.insert_resonance(conn, user_id=gone["id"], entry_id=entry_id)
        await unchecked.insert_amplification(conn, user_id=gone["id"], entry_id=entry_id)
    await make_entry(conn, gone, parent_id=ada_entry["id"])
    await make_entry(conn, gone, parent_id=own["id"])
    for other in (ada, bob):
        await unchecked.insert_follow(conn, follower_id=gone["id"], followed_id=other["id"])
        await unchecked.insert_follow(conn, follower_id=other["id"], followed_id=gone["id"])
    await unchecked.insert_follow(conn, follower_id=ada["id"], followed_id=bob["id"])

    assert await unchecked.delete_user(conn, gone["id"])

    assert await find_drift(conn) == []
    assert await counts(conn, ada_entry["id"]) == {
        "resonance_count": 0,
        "branch_count": 0,
        "amplification_count": 0,
        "share_count": 0,
    }
    # Ada's reply to the deleted entry stays, as a root.
    assert (
        await conn.fetchval("SELECT parent_id FROM stream_entries WHERE id = $1", ada_reply["id"])
        is None
    )
    assert await follow_counts(conn, ada["id"]) == (0, 1)
    assert await follow_counts(conn, bob["id"]) == (1, 0)


async def test_deleting_a_user_in_the_transaction_that_made_everything(
    conn: asyncpg.Connection,
) -> None:
    """Counter rows written earlier in the same transaction are the hard case for cascades."""
    async with conn.transaction():
        gone, ada = await make_user(conn), await make_user(conn)
        own = await make_entry(conn, gone)
        reply = await make_entry(conn, ada, parent_id=own["id"])
        for entry_id in (own["id"], reply["id"]):
            await unchecked.insert_resonance(conn, user_id=gone["id"], entry_id=entry_id)
            await unchecked.insert_amplification(conn, user_id=gone["id"], entry_id=entry_id)
            await unchecked.insert_resonance(conn, user_id=ada["id"], entry_id=entry_id)
        await unchecked.insert_follow(conn, follower_id=gone["id"], followed_id=ada["id"])
        await unchecked.insert_follow(conn, follower_id=ada["id"], followed_id=gone["id"])

        assert await unchecked.delete_user(conn, gone["id"])

    assert await find_drift(conn) == []
    assert await counts(conn, reply["id"]) == {
        "resonance_count": 1,
        "branch_count": 0,
        "amplification_count": 0,
        "share_count": 0,
    }
    assert await follow_counts(conn, ada["id"]) == (0, 0)
