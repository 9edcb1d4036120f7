"""The database a command works on: the one the settings name, up for the command's length."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from db import embedded
from server.settings import Settings, load_settings


@contextmanager
def database() -> Iterator[Settings]:
    """The settings, with their database running while inside: without DATABASE_URL that is
    the private PostgreSQL, started if need be and stopped after by its last user."""
    settings = load_settings()
    with embedded.running(settings.embedded_postgres_dir):
        yield settings
