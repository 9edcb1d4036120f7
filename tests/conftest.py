"""Fixtures over a real PostgreSQL: a fresh, migrated database per test session.

The server named by DATABASE_URL (default: the local one) hosts throw-away databases named
`resonance_test_<random>`; they are dropped at the end, so a developer's own database is
never touched.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import psycopg
import pytest
from psycopg import sql

from db.listen import CountsBroker
from db.migrate import apply_all
from db.pool import close_pool, connect, create_pool
from db.tables import TABLES
from server.app import create_app
from server.settings import DEFAULT_DATABASE_URL, Settings

# Every query the suite sends runs through the reference executor too (issue 13).
pytest_plugins = ["tests.differential.shadow"]


def server_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def free_port() -> int:
    """A loopback port nobody listens on, for a server process under test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def create_database(prefix: str = "resonance_test") -> str:
    """Create an empty database on the test server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(with_database(server_url(), "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(server_url(), name)


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_database(server_url(), "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A database with nothing in it, for the migration tests."""
    url = create_database()
    yield url
    drop_database(url)


def migrated_database() -> Iterator[str]:
    """A database of its own with every migration applied, dropped afterwards (for a
    fixture to `yield from`)."""
    url = create_database()
    apply_all(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    yield from migrated_database()


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=40)
    yield pool
    await close_pool(pool)


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection to an emptied database: each test starts from no rows."""
    async with pool.acquire() as conn:
        await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        yield conn


@pytest.fixture
async def listener(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A dedicated connection for LISTEN (a pooled one would UNLISTEN on release)."""
    conn = await connect(database_url)
    yield conn
    await conn.close()


JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        migrate_on_start=False,
        jwt_secret=JWT_SECRET,
        trending_refresh_seconds=3600,
        pool_max_size=10,
        # The suite's many requests come from one address: tests of the rate budget make
        # apps with a small one of their own.
        max_cost_per_minute=0,
    )


@pytest.fixture(scope="session")
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, its lifespan (pool, background tasks) running."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def broker(database_url: str) -> AsyncIterator[CountsBroker]:
    """A LISTEN broker in this process, as the app's lifespan starts one."""
    broker = CountsBroker(database_url, application_name="resonance-listen-test-broker")
    await broker.start()
    yield broker
    await broker.stop()
