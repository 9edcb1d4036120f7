"""The fuzz suite's server: `python -m server` on a database of its own with a little data."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from db.migrate import apply_all
from db.pool import connect
from resolvers.pagination import ENTRY_ORDER
from tests.conftest import create_database, drop_database
from tests.factories import make_entry, make_user
from tests.fuzz.server import FuzzServer
from tests.fuzz.strategies import Known
from tests.graphql import token_for


@pytest.fixture(scope="package")
def fuzz_database() -> Iterator[str]:
    url = create_database("resonance_fuzz")
    apply_all(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="package")
async def known(fuzz_database: str) -> AsyncIterator[Known]:
    """A few users and entries (a thread, every privacy) for generated ids to hit."""
    conn = await connect(fuzz_database)
    try:
        users = [await make_user(conn) for _ in range(3)]
        entries = []
        for author in users:
            for privacy in ("public", "followers", "private"):
                entries.append(await make_entry(conn, author, privacy=privacy, tags=["fuzz"]))
        entries.append(await make_entry(conn, users[0], parent_id=entries[0]["id"]))
        await conn.execute(
            "INSERT INTO user_follows (follower_id, followed_id) VALUES ($1, $2)",
            users[1]["id"],
            users[0]["id"],
        )
    finally:
        await conn.close()
    yield Known(
        entry_ids=[e["id"] for e in entries],
        user_ids=[str(u["id"]) for u in users],
        cursors=[ENTRY_ORDER.cursor(e) for e in entries],
        extra={"token": token_for(users[0]["id"]), "unknown_token": token_for(uuid.uuid4())},
    )


@pytest.fixture(scope="package")
def fuzz_server(fuzz_database: str, known: Known) -> Iterator[FuzzServer]:
    with tempfile.TemporaryDirectory(prefix="resonance-fuzz-") as folder:
        server = FuzzServer(fuzz_database, Path(folder) / "server.log")
        try:
            yield server
        finally:
            server.health.stop()
            server.stop()
