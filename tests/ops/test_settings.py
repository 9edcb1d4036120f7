"""Which database: DATABASE_URL when set, else the private PostgreSQL in the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from db import embedded
from server.settings import DEFAULT_EMBEDDED_POSTGRES_DIR, load_settings


def test_with_database_url_the_server_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example:5433/app")
    settings = load_settings()
    assert settings.database_url == "postgresql://someone@db.example:5433/app"
    assert settings.embedded_postgres_dir is None


def test_without_it_the_private_postgresql_in_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("EMBEDDED_POSTGRES_DIR", raising=False)
    settings = load_settings()
    assert settings.embedded_postgres_dir == DEFAULT_EMBEDDED_POSTGRES_DIR
    assert DEFAULT_EMBEDDED_POSTGRES_DIR.relative_to(Path(__file__).resolve().parents[2]) == Path(
        ".data/postgres"
    )
    assert settings.database_url == embedded.dsn(DEFAULT_EMBEDDED_POSTGRES_DIR)
    assert settings.database_url.startswith("postgresql://postgres@/resonance?host=/")


def test_its_folder_can_be_moved(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("EMBEDDED_POSTGRES_DIR", str(tmp_path / "pg"))
    assert load_settings().embedded_postgres_dir == tmp_path / "pg"


def test_cors_origins_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", " http://localhost:5173, https://app.example ,")
    assert load_settings().cors_origins == ("http://localhost:5173", "https://app.example")
    monkeypatch.delenv("CORS_ORIGINS")
    assert load_settings().cors_origins == ()
