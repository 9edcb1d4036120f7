"""The interaction tables are hash-partitioned by entry_id (0010): the catalog says so, every
key holds the partition key, and each entry's rows land in one partition."""

from __future__ import annotations

import asyncpg
import pytest

from db import unchecked
from tests.factories import make_entry, make_user

PARTITIONED = ("user_resonances", "user_amplifications")
PARTITIONS = 8  # 0010's choice


@pytest.mark.parametrize("table", PARTITIONED)
async def test_the_table_is_hash_partitioned_by_entry_id(
    conn: asyncpg.Connection, table: str
) -> None:
    row = await conn.fetchrow(
        """
        SELECT p.partstrat::text AS partstrat, array_agg(a.attname ORDER BY k.n) AS columns
        FROM pg_partitioned_table p
        CROSS JOIN LATERAL unnest(p.partattrs) WITH ORDINALITY AS k (attnum, n)
        JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = k.attnum
        WHERE p.partrelid = $1::regclass
        GROUP BY p.partstrat
        """,
        table,
    )
    assert row is not None, f"{table} is not partitioned"
    assert (row["partstrat"], row["columns"]) == ("h", ["entry_id"])


@pytest.mark.parametrize("table", PARTITIONED)
async def test_the_table_has_a_partition_for_every_remainder(
    conn: asyncpg.Connection, table: str
) -> None:
    bounds = await conn.fetch(
        "SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i"
        " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass",
        table,
    )
    assert sorted(r["bound"] for r in bounds) == sorted(
        f"FOR VALUES WITH (modulus {PARTITIONS}, remainder {r})" for r in range(PARTITIONS)
    )


@pytest.mark.parametrize("table", PARTITIONED)
async def test_every_unique_key_holds_the_partition_key(
    conn: asyncpg.Connection, table: str
) -> None:
    keys = await conn.fetch(
        """
        SELECT c.conname, array_agg(a.attname ORDER BY k.n) AS columns
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k (attnum, n)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u')
        GROUP BY c.conname
        """,
        table,
    )
    assert {r["conname"]: r["columns"] for r in keys} == {
        f"{table}_pkey": ["id", "entry_id"],
        f"{table}_user_id_entry_id_key": ["user_id", "entry_id"],
    }


@pytest.mark.parametrize("table", PARTITIONED)
async def test_each_entry_s_rows_land_in_one_partition_and_every_partition_gets_some(
    conn: asyncpg.Connection, table: str
) -> None:
    author = await make_user(conn)
    fans = [await make_user(conn) for _ in range(3)]
    insert = (
        unchecked.insert_resonance if table == "user_resonances" else unchecked.insert_amplification
    )
    for _ in range(64):
        entry = await make_entry(conn, author)
        for fan in fans:
            assert await insert(conn, user_id=fan["id"], entry_id=entry["id"])

    partitions_per_entry = await conn.fetch(
        f"SELECT entry_id, count(DISTINCT tableoid) AS n FROM {table} GROUP BY entry_id"
    )
    assert len(partitions_per_entry) == 64
    assert {r["n"] for r in partitions_per_entry} == {1}
    rows_per_partition = await conn.fetch(
        f"SELECT tableoid::regclass::text AS partition, count(*) AS n FROM {table} GROUP BY 1"
    )
    assert {r["partition"] for r in rows_per_partition} == {
        f"{table}_p{r}" for r in range(PARTITIONS)
    }
