"""Settings read from the environment, each declared once: its variable, default and meaning.

`load_settings()` reads every field's variable; unset or empty is the default. The README's
configuration table says the same, row for row (a test compares them). `Settings()` with
arguments is how tests and the benchmark make settings of their own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from db import embedded

# What `Settings()` connects to: the server the tests make their databases on.
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/resonance"
# Good enough for a laptop; a deployment sets JWT_SECRET (the server warns when it does not).
DEVELOPMENT_JWT_SECRET = "resonance-development-secret-change-me"
# What pages of the CORS origins may send unless CORS_HEADERS says otherwise: our own headers
# and those GraphQL clients and tracing add (Apollo Client's name and version, its
# CSRF-prevention header, W3C trace context and baggage, Sentry's trace), and a conditional
# GET's If-None-Match.
DEFAULT_CORS_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "If-None-Match",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "traceparent",
    "tracestate",
    "baggage",
    "sentry-trace",
)
# Where the private PostgreSQL keeps its data when DATABASE_URL is unset (git-ignored).
DEFAULT_EMBEDDED_POSTGRES_DIR = Path(__file__).resolve().parent.parent / ".data" / "postgres"

T = TypeVar("T")


def cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers narrow)."""
    return len(os.sched_getaffinity(0))


@dataclass(frozen=True)
class Variable:
    """The environment variable of a setting, how its text is read, and its README row."""

    name: str
    parse: Callable[[str], Any]
    default: str  # as the README's table shows it
    meaning: str


def _flag(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


def _list(text: str) -> tuple[str, ...]:
    """A comma-separated list, empty items dropped."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _file(path: str) -> str:
    return Path(path).read_text()


_PARSERS: dict[type, Callable[[str], Any]] = {
    bool: _flag,
    int: int,
    float: float,
    str: str,
    tuple: _list,
}


def _shown(default: object) -> str:
    if isinstance(default, bool):
        return f"`{int(default)}`"
    if isinstance(default, float):
        return f"`{default:g}`"
    return f"`{default}`"


def setting(
    variable: str,
    default: T,
    meaning: str,
    *,
    parse: Callable[[str], T] | None = None,
    shown: str | None = None,
) -> T:
    """A field of Settings read from `variable` (parsed by the default's type unless `parse`
    is given); `shown` is the default in the README's words when its value does not say it."""
    read = Variable(
        name=variable,
        parse=parse or _PARSERS[type(default)],
        default=shown or _shown(default),
        meaning=meaning,
    )
    return field(default=default, metadata={"variable": read})


def variable_of(each: Field[Any]) -> Variable:
    read: Variable = each.metadata["variable"]
    return read


@dataclass(frozen=True)
class Settings:
    # Unset, load_settings() serves the private PostgreSQL (and sets embedded_postgres_dir).
    database_url: str = setting(
        "DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "the database (tests make their own databases on its server, default "
        "`postgresql://postgres@127.0.0.1:5432`)",
        shown="unset: the private PostgreSQL in `.data/postgres`",
    )
    # The private PostgreSQL's folder when it is the database (DATABASE_URL unset), else None.
    # (setting() is a dataclasses.field: ruff knows no better for a Path.)
    embedded_postgres_dir: Path | None = setting(  # noqa: RUF009
        "EMBEDDED_POSTGRES_DIR",
        None,
        "where the private PostgreSQL keeps its data when `DATABASE_URL` is unset",
        parse=Path,
        shown="`.data/postgres` in the project",
    )
    host: str = setting("HOST", "127.0.0.1", "address the server listens on")
    port: int = setting("PORT", 8000, "port the server listens on")
    # server/workers.py: how they share the port, the pool rule, shutdown and deaths.
    workers: int = setting(
        "WORKERS",
        cores(),
        "server processes serving the port, each with its own pool, LISTEN connection and "
        "subscribers (`1`: one process, no supervisor)",
        shown="the number of cores",
    )
    # db/replicas.py: the pools, the probe, the fallback; resolvers/own_writes.py: a viewer's
    # reads after its own write.
    database_replica_urls: tuple[str, ...] = setting(
        "DATABASE_REPLICA_URLS",
        (),
        "comma-separated streaming replicas of `DATABASE_URL` that queries read from, a pool "
        "each (as large as the primary's); mutations, subscriptions and a viewer's reads "
        "just after its own write use the primary",
        shown="unset (everything on the primary)",
    )
    replica_max_lag_ms: int = setting(
        "REPLICA_MAX_LAG_MS",
        1000,
        "a replica further behind the primary is skipped until it catches up (probed every "
        "quarter of this, at most every second); a viewer reads from the primary for this "
        "plus three probes after its own write",
    )
    migrate_on_start: bool = setting(
        "MIGRATE_ON_START", True, "apply pending migrations when the server starts"
    )
    pool_min_size: int = setting("DB_POOL_MIN_SIZE", 2, "connections the pool keeps open")
    pool_max_size: int = setting(
        "DB_POOL_MAX_SIZE",
        20,
        "connections each worker's pool may open (lowered so that every worker's fit in "
        "PostgreSQL's `max_connections`)",
    )
    jwt_secret: str = setting(
        "JWT_SECRET",
        DEVELOPMENT_JWT_SECRET,
        "HS256 key for bearer tokens (unset, GraphiQL and `POST /dev/sign-in` sign in as any user)",
        shown="a development secret (the server warns)",
    )
    # The key itself; the variable names its file.
    jwt_public_key: str | None = setting(
        "JWT_PUBLIC_KEY_FILE",
        None,
        "PEM public key: RS256 tokens are accepted too",
        parse=_file,
        shown="unset",
    )
    trending_refresh_seconds: int = setting(
        "TRENDING_REFRESH_SECONDS", 60, "how often the trending view is refreshed"
    )
    graphiql: bool = setting("GRAPHIQL", True, "serve GraphiQL to browsers at `/graphql`")
    # Limits against abusive queries. A deep client query (feed > node > branches > nodes >
    # author > ...) is about 8 levels; GraphiQL's introspection query about 13.
    max_query_depth: int = setting(
        "MAX_QUERY_DEPTH", 15, "deepest document accepted (levels of selection sets)"
    )
    max_aliases: int = setting(
        "MAX_ALIASES", 30, "most aliases in one document, a fragment counting once per spread"
    )
    max_tokens: int = setting("MAX_TOKENS", 5000, "most tokens in one document, comments included")
    # Also the largest WebSocket message (server/serving.py).
    max_body_bytes: int = setting(
        "MAX_BODY_BYTES",
        100 * 1024,
        "largest request body (HTTP 413 above) and WebSocket message (close 1009 above)",
    )
    # Counted by server/http_protocol.py as the head arrives.
    max_header_bytes: int = setting(
        "MAX_HEADER_BYTES",
        32 * 1024,
        "largest request line and headers together (HTTP 431, or 414 for a URL, above)",
    )
    ws_init_timeout_seconds: float = setting(
        "WS_INIT_TIMEOUT_SECONDS",
        10.0,
        "how long a WebSocket may stay open without `connection_init` (close 4408)",
    )
    # Time bounds (0: none). The slowest statement a client can cause (deleting a user with
    # 19k followers) takes about 1.4 s; the trending refresh, the server's own, has none.
    statement_timeout_ms: int = setting(
        "DB_STATEMENT_TIMEOUT_MS",
        5_000,
        "PostgreSQL cancels a statement of the pool running longer: `TIMEOUT` (`0`: no bound; "
        "the trending refresh has none)",
    )
    request_timeout_ms: int = setting(
        "REQUEST_TIMEOUT_MS",
        10_000,
        "a query or mutation (HTTP or WebSocket) running longer is cancelled: `TIMEOUT` (`0`: "
        "no bound; subscriptions have none)",
    )
    # schema/cost.py counts an operation's cost: the items its lists may return.
    max_query_cost: int = setting(
        "MAX_QUERY_COST",
        10_000,
        "most an operation may cost: the items its lists may return (see Limits)",
    )
    max_cost_per_minute: int = setting(
        "MAX_COST_PER_MINUTE",
        50_000,
        "cost a client (its viewer, else its address) may spend per minute; `0` turns the "
        "rate budget off",
    )
    redis_url: str | None = setting(
        "REDIS_URL",
        None,
        "Redis keeping the rate budget shared by every server instance, e.g. "
        "`redis://127.0.0.1:6379/0`",
        parse=str,
        shown="unset (each process keeps its own budget)",
    )
    # server/nats_fanout.py, server/outbox_relay.py: the counters' changes through NATS.
    nats_url: str | None = setting(
        "NATS_URL",
        None,
        "NATS carrying the counters' changes to every server instance, e.g. "
        "`nats://127.0.0.1:4222`: the triggers write to an outbox instead of `pg_notify`, "
        "one relay among the instances publishes it",
        parse=str,
        shown="unset (LISTEN/NOTIFY on the one database)",
    )
    # Pages of these origins may open the WebSocket too.
    cors_origins: tuple[str, ...] = setting(
        "CORS_ORIGINS",
        (),
        "comma-separated origins allowed to call the API and open its WebSocket; `*` for any",
        shown="unset (no cross-origin pages)",
    )
    # server/cors.py. A list replaces the default one whole: one rule, and a deployment can
    # narrow the list as well as widen it.
    cors_headers: tuple[str, ...] = setting(
        "CORS_HEADERS",
        DEFAULT_CORS_HEADERS,
        "comma-separated request headers the pages of `CORS_ORIGINS` may send, replacing the "
        "default list (keep `Authorization`; `Accept` and `Content-Type` always pass); `*` for "
        "any",
        shown="`Authorization`, `Content-Type`, `Accept`, `If-None-Match` and the client and "
        "tracing headers listed under CORS",
    )
    max_batch: int = setting(
        "MAX_BATCH",
        10,
        "most operations in one POST of a batch (a JSON array); each is its own request to "
        "the limits and the rate budget",
    )
    # server/persisted_queries.py: Apollo's automatic persisted queries.
    persisted_query_bytes: int = setting(
        "PERSISTED_QUERY_BYTES",
        16 * 1024 * 1024,
        "text of the queries automatic persisted queries keep per process, the least "
        "recently used dropped first; `0` turns them off (`PERSISTED_QUERY_NOT_SUPPORTED`)",
    )
    # server/trusted_documents.py: the manifest's forms; server/persisted_queries.py: the rule.
    persisted_documents: Path | None = setting(  # noqa: RUF009
        "PERSISTED_DOCUMENTS",
        None,
        "a manifest of trusted documents (Relay's, GraphQL Code Generator's or Apollo's "
        "JSON): clients may send a document's id (`documentId`) instead of the document",
        parse=Path,
        shown="unset",
    )
    persisted_only: bool = setting(
        "PERSISTED_ONLY",
        False,
        "run only the documents of `PERSISTED_DOCUMENTS`; any other is `FORBIDDEN`",
    )
    # server/answers.py: a GET query's answer without errors may be kept this long.
    get_max_age_seconds: int = setting(
        "GET_MAX_AGE_SECONDS",
        5,
        "how long a shared cache (a CDN) may keep an anonymous GET query's answer "
        "(`Cache-Control: public, max-age`); `0`: each use revalidated by its `ETag`",
    )
    # Young-generation collections (server/gc_tuning.py); 0 keeps CPython's 700.
    gc_gen0_threshold: int = setting(
        "GC_GEN0_THRESHOLD",
        50_000,
        "allocations between garbage collections; startup objects are frozen out of them "
        "(`0`: CPython's defaults)",
    )

    @property
    def uses_development_secret(self) -> bool:
        """Tokens are signed with DEVELOPMENT_JWT_SECRET, which anyone can read in the source:
        anyone may sign in as anyone (GraphiQL's sign-in, server/dev_sign_in.py)."""
        return self.jwt_secret == DEVELOPMENT_JWT_SECRET


def load_settings() -> Settings:
    given: dict[str, Any] = {}
    for each in fields(Settings):
        variable = variable_of(each)
        text = os.environ.get(variable.name)
        if text:
            given[each.name] = variable.parse(text)
    if "database_url" in given:
        given["embedded_postgres_dir"] = None
    else:  # the private PostgreSQL
        folder = (given.get("embedded_postgres_dir") or DEFAULT_EMBEDDED_POSTGRES_DIR).resolve()
        given.update(database_url=embedded.dsn(folder), embedded_postgres_dir=folder)
    return Settings(**given)
