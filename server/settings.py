"""Settings read from the environment, in one place (the README's configuration table)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from db import embedded

# The server the tests make their databases on when DATABASE_URL is unset.
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/resonance"
# Good enough for a laptop; a deployment sets JWT_SECRET (the server warns when it does not).
DEVELOPMENT_JWT_SECRET = "resonance-development-secret-change-me"
# Where the private PostgreSQL keeps its data when DATABASE_URL is unset (git-ignored).
DEFAULT_EMBEDDED_POSTGRES_DIR = Path(__file__).resolve().parent.parent / ".data" / "postgres"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value == "" else int(value)


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value is None or value == "" else float(value)


def _list(name: str) -> tuple[str, ...]:
    """A comma-separated list; unset or empty is no items."""
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    migrate_on_start: bool = True
    pool_min_size: int = 2
    pool_max_size: int = 20
    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_public_key: str | None = None
    trending_refresh_seconds: int = 60
    graphiql: bool = True
    # Limits against abusive queries. A deep client query (feed > node > branches > nodes >
    # author > ...) is about 8 levels; GraphiQL's introspection query about 13.
    max_query_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 5000
    # The largest request body, and the largest WebSocket message (server/serving.py).
    max_body_bytes: int = 100 * 1024
    # Time bounds (0: none). The slowest statement a client can cause (deleting a user with
    # 19k followers) takes about 1.4 s; the trending refresh, the server's own, has none.
    statement_timeout_ms: int = 5_000
    request_timeout_ms: int = 10_000
    # The most an operation may cost (schema/cost.py: the items its lists may return), and
    # the cost a client (its viewer, else its address) may spend per minute; 0 turns the
    # rate budget off. REDIS_URL shares the budget between server instances.
    max_query_cost: int = 10_000
    max_cost_per_minute: int = 50_000
    redis_url: str | None = None
    # The request line and headers together (server/http_protocol.py): 414 or 431 above.
    max_header_bytes: int = 32 * 1024
    # How long a WebSocket may stay open without a connection_init (4408 after).
    ws_init_timeout_seconds: float = 10
    # The private PostgreSQL's folder when it is the database (DATABASE_URL unset), else None.
    embedded_postgres_dir: Path | None = None
    # Origins whose pages may call the API (CORS) and open its WebSocket; "*" is any.
    cors_origins: tuple[str, ...] = ()
    # Allocations between collections of the young generation (server/gc_tuning.py); 0 keeps
    # CPython's 700.
    gc_gen0_threshold: int = 50_000


def load_settings() -> Settings:
    public_key_file = os.environ.get("JWT_PUBLIC_KEY_FILE")
    database_url = os.environ.get("DATABASE_URL")
    embedded_dir = None
    if not database_url:
        embedded_dir = Path(
            os.environ.get("EMBEDDED_POSTGRES_DIR") or DEFAULT_EMBEDDED_POSTGRES_DIR
        ).resolve()
        database_url = embedded.dsn(embedded_dir)
    return Settings(
        database_url=database_url,
        host=os.environ.get("HOST") or "127.0.0.1",
        port=_int("PORT", 8000),
        migrate_on_start=_flag("MIGRATE_ON_START", True),
        pool_min_size=_int("DB_POOL_MIN_SIZE", 2),
        pool_max_size=_int("DB_POOL_MAX_SIZE", 20),
        jwt_secret=os.environ.get("JWT_SECRET") or DEVELOPMENT_JWT_SECRET,
        jwt_public_key=Path(public_key_file).read_text() if public_key_file else None,
        trending_refresh_seconds=_int("TRENDING_REFRESH_SECONDS", 60),
        graphiql=_flag("GRAPHIQL", True),
        max_query_depth=_int("MAX_QUERY_DEPTH", 15),
        max_aliases=_int("MAX_ALIASES", 30),
        max_tokens=_int("MAX_TOKENS", 5000),
        max_body_bytes=_int("MAX_BODY_BYTES", 100 * 1024),
        statement_timeout_ms=_int("DB_STATEMENT_TIMEOUT_MS", 5_000),
        request_timeout_ms=_int("REQUEST_TIMEOUT_MS", 10_000),
        max_query_cost=_int("MAX_QUERY_COST", 10_000),
        max_cost_per_minute=_int("MAX_COST_PER_MINUTE", 50_000),
        redis_url=os.environ.get("REDIS_URL") or None,
        max_header_bytes=_int("MAX_HEADER_BYTES", 32 * 1024),
        ws_init_timeout_seconds=_float("WS_INIT_TIMEOUT_SECONDS", 10),
        embedded_postgres_dir=embedded_dir,
        cors_origins=_list("CORS_ORIGINS"),
        gc_gen0_threshold=_int("GC_GEN0_THRESHOLD", 50_000),
    )
