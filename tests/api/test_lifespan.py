"""The app owns its pool and, when asked, migrates the database at start."""

from __future__ import annotations

import httpx

from db.migrate import pending
from server.app import create_app
from server.settings import Settings
from tests.conftest import JWT_SECRET


async def test_the_app_applies_pending_migrations_at_start(empty_database_url: str) -> None:
    settings = Settings(
        database_url=empty_database_url, migrate_on_start=True, jwt_secret=JWT_SECRET
    )
    assert pending(empty_database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert pending(empty_database_url) == []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post("/graphql", json={"query": "{ entries { nodes { id } } }"})
    assert response.json() == {"data": {"entries": {"nodes": []}}}
