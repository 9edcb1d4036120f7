"""Settings read from the environment, in one place (the README's configuration table)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/resonance"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    host: str
    port: int
    migrate_on_start: bool
    pool_min_size: int
    pool_max_size: int


def load_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        migrate_on_start=_flag("MIGRATE_ON_START", True),
        pool_min_size=int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
        pool_max_size=int(os.environ.get("DB_POOL_MAX_SIZE", "20")),
    )
