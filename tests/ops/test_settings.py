"""Settings from the environment: each variable reaches its setting, unset or empty is the
default, the README's table says the same; which database: DATABASE_URL when set, else the
private PostgreSQL in the project."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from db import embedded
from server.settings import DEFAULT_EMBEDDED_POSTGRES_DIR, Settings, load_settings, variable_of
from tests.ops.conftest import ROOT


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


def test_cors_headers_is_a_comma_separated_list_that_replaces_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CORS_HEADERS", "Authorization, x-request-id")
    assert load_settings().cors_headers == ("Authorization", "x-request-id")
    monkeypatch.delenv("CORS_HEADERS")
    assert "traceparent" in load_settings().cors_headers


def test_the_readme_configuration_table_is_the_settings() -> None:
    rows = [
        f"| `{read.name}` | {read.default} | {read.meaning} |"
        for read in map(variable_of, fields(Settings))
    ]
    table = "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])
    assert table in (ROOT / "README.md").read_text(), f"the README's table should be:\n{table}"


def clear_every_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for each in fields(Settings):
        monkeypatch.delenv(variable_of(each).name, raising=False)


@pytest.mark.parametrize("unset", ["missing", "empty"])
def test_a_variable_unset_or_empty_is_the_default(
    monkeypatch: pytest.MonkeyPatch, unset: str
) -> None:
    clear_every_variable(monkeypatch)
    if unset == "empty":
        for each in fields(Settings):
            monkeypatch.setenv(variable_of(each).name, "")
    loaded = load_settings()
    defaults = Settings()
    for each in fields(Settings):
        if each.name not in {"database_url", "embedded_postgres_dir"}:  # the private PostgreSQL
            assert getattr(loaded, each.name) == getattr(defaults, each.name), each.name


def test_every_variable_reaches_its_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clear_every_variable(monkeypatch)
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\n")
    given = {
        "DATABASE_URL": ("postgresql://db.example/app", "postgresql://db.example/app"),
        "HOST": ("0.0.0.0", "0.0.0.0"),
        "JWT_SECRET": ("s3cret", "s3cret"),
        "JWT_PUBLIC_KEY_FILE": (str(key), "-----BEGIN PUBLIC KEY-----\n"),
        "REDIS_URL": ("redis://cache:6379/1", "redis://cache:6379/1"),
        "NATS_URL": ("nats://nats:4222", "nats://nats:4222"),
        "DATABASE_REPLICA_URLS": (
            "postgresql://r1:5432/app, postgresql://r2:5432/app",
            ("postgresql://r1:5432/app", "postgresql://r2:5432/app"),
        ),
        "CORS_ORIGINS": (
            "https://a.example,https://b.example",
            ("https://a.example", "https://b.example"),
        ),
        "CORS_HEADERS": ("Authorization,x-request-id", ("Authorization", "x-request-id")),
        "MIGRATE_ON_START": ("0", False),
        "GRAPHIQL": ("off", False),
        "WS_INIT_TIMEOUT_SECONDS": ("2.5", 2.5),
        "PERSISTED_DOCUMENTS": (str(tmp_path / "manifest.json"), tmp_path / "manifest.json"),
        "PERSISTED_ONLY": ("yes", True),
    }
    defaults = Settings()
    expected: dict[str, object] = {}
    for each in fields(Settings):
        name = variable_of(each).name
        if name in given:
            text, value = given[name]
        elif isinstance(getattr(defaults, each.name), int):
            value = getattr(defaults, each.name) + 1
            text = str(value)
        else:
            continue
        monkeypatch.setenv(name, text)
        expected[each.name] = value
    loaded = load_settings()
    assert {name: getattr(loaded, name) for name in expected} == expected
    assert set(expected) == {each.name for each in fields(Settings)} - {"embedded_postgres_dir"}
