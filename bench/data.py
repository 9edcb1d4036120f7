"""The benchmark's database: made once per size by the generator (bench/dataset.py), and
reused while the generator's file is unchanged (with any new migrations applied)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench import dataset
from db.migrate import apply_all
from db.pool import connect
from db.tables import TABLES

# The data depends on the generator; the schema is brought up to date by the migrations, as
# in production, so a new migration does not cost a new dataset.
_GENERATOR = Path(dataset.__file__).read_bytes()
MARKER = "resonance bench data " + hashlib.sha256(_GENERATOR).hexdigest()[:16]


def bench_url(base_url: str, size: str) -> str:
    return urlunsplit(urlsplit(base_url)._replace(path=f"/resonance_bench_{size}"))


def _admin(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def _marker(url: str) -> str | None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return None if row is None else row[0]


def recreate(url: str) -> None:
    """The database at `url` dropped if it exists, made anew and migrated."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    apply_all(url)


def made(url: str) -> bool:
    """Whether the bench database at `url` exists and its generation finished (its marker)."""
    return _marker(url) is not None


def ensure(url: str, size: str) -> tuple[dict[str, int], float | None]:
    """The row counts of the bench database, (re)generating it when stale; and how long the
    generation took (None when reused)."""
    name = urlsplit(url).path.lstrip("/")
    fresh = _marker(url) != f"{MARKER} {size}"
    took = None
    if fresh:
        print(f"generating {size} bench data in {name} ...", flush=True)
        recreate(url)
        began = time.perf_counter()
        counts = asyncio.run(_generate(url, size))
        took = time.perf_counter() - began
        with psycopg.connect(_admin(url), autocommit=True) as conn:
            conn.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(f"{MARKER} {size}")
                )
            )
        print(f"generated in {took:.1f} s", flush=True)
    else:
        apply_all(url)
        counts = asyncio.run(_counts(url))
    return counts, took


async def _generate(url: str, size: str) -> dict[str, int]:
    conn = await connect(url)
    try:
        return await dataset.generate(conn, dataset.SIZES[size], log=print)
    finally:
        await conn.close()


async def _counts(url: str) -> dict[str, int]:
    conn = await connect(url)
    try:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}
    finally:
        await conn.close()
