"""/healthz says the process answers; /readyz that it can serve: database up, migrations current."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg import sql

from db.health import migration_ids
from db.migrate import apply_all
from server.app import create_app
from server.settings import Settings
from tests.conftest import create_database, drop_database, with_database


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_healthz_answers_while_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_with_the_database_up_and_migrated(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "pendingMigrations": []}


async def test_readyz_is_unavailable_while_migrations_are_pending(
    settings: Settings, empty_database_url: str
) -> None:
    unmigrated = replace(settings, database_url=empty_database_url, migrate_on_start=False)
    async with serving(unmigrated) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "pendingMigrations": list(migration_ids()),
    }


def refuse_connections(url: str, refuse: bool) -> None:
    """Make the database refuse new connections and cut the pool's (the LISTEN connection,
    which has its own reconnect logic, is left alone); or accept them again."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                sql.Identifier(name), sql.SQL("false" if refuse else "true")
            )
        )
        if refuse:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND application_name NOT LIKE 'resonance-listen-%%'",
                (name,),
            )


async def ready_again(client: httpx.AsyncClient, within: float = 10) -> httpx.Response:
    """/readyz, asked until it says ready (the pool reconnects on its own) or time is up."""
    deadline = asyncio.get_running_loop().time() + within
    while (response := await client.get("/readyz")).status_code != 200:
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    return response


async def test_readyz_is_unavailable_while_the_database_refuses_connections(
    settings: Settings,
) -> None:
    url = create_database()
    try:
        apply_all(url)
        async with serving(replace(settings, database_url=url)) as client:
            assert (await client.get("/readyz")).status_code == 200
            refuse_connections(url, True)
            try:
                refused = await client.get("/readyz")
                alive = await client.get("/healthz")
            finally:
                refuse_connections(url, False)
            back = await ready_again(client)
    finally:
        drop_database(url)
    assert refused.status_code == 503
    assert refused.json()["database"] == "unreachable"
    assert alive.status_code == 200  # the process is fine: no restart wanted
    assert back.status_code == 200
