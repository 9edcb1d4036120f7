"""The Starlette app: GraphQL (and GraphiQL) at /graphql, owning the pool for its lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.http.types import HTTPMethod
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from db import migrate, outbox
from db.listen import CountsBroker, MailboxRegistry
from db.pool import close_pool, create_pool
from db.replicas import Replicas
from resolvers.context import Context, reads_for
from resolvers.errors import ApiError, BadUserInput
from resolvers.own_writes import OwnWrites
from resolvers.snapshots import Snapshots
from schema import build_schema
from schema.errors import (
    INTERNAL_MESSAGE,
    graphql_error,
    internal,
    request_error_status,
    response_status,
)
from server import access_log, dev_sign_in, graphiql, graphql_request, http_input
from server.answers import Caching, batch_response, graphql_response
from server.auth import authenticate
from server.cors import cors_middleware
from server.errors import http_error, unexpected_error
from server.health import healthz, readyz
from server.media_types import MediaType, negotiate
from server.nats_fanout import NatsBroker
from server.outbox_relay import OutboxRelay
from server.persisted_queries import PersistedQueries
from server.rate_budget import RedisRateBudget, rate_budget
from server.settings import Settings, load_settings
from server.tasks import refresh_trending_forever
from server.trusted_documents import load_manifest
from server.websocket import SocketContext, authenticate_connection
from server.ws_handlers import UNEXPECTED, LegacyWSHandler, TransportWSHandler, reader_within

logger = logging.getLogger("resonance.server")


class _OurWordsForOrigins(logging.Filter):
    """Strawberry's warning for a refused WebSocket origin tells the operator to set
    `allowed_origins`, its argument; GraphQLApp logs the same refusal naming CORS_ORIGINS."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rejected WebSocket connection from origin")


logging.getLogger("strawberry.ws").addFilter(_OurWordsForOrigins())

SUBSCRIPTION = OperationType.SUBSCRIPTION
SUBSCRIPTIONS_OVER_HTTP = (
    "subscriptions run over the WebSocket at /graphql (graphql-transport-ws or graphql-ws), "
    "or over HTTP as a stream: Accept: text/event-stream (graphql-sse) or "
    "multipart/mixed;subscriptionSpec=1.0 (Apollo Client's multipart subscriptions)"
)
# What an Accept asking for a stream names: graphql-sse's, and Apollo's multipart.
STREAM_MEDIA_TYPES = ("text/event-stream", "multipart/mixed")
# Every transport a subscription may take: the WebSocket's two protocols, and HTTP streams.
SUBSCRIPTION_PROTOCOLS = (
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    GRAPHQL_SSE_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)


class _StreamRefused(Exception):
    """A stream refused before it starts: answered as a request error, with its status."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


OPERATION_PARAMETERS = ("query", "extensions", *graphql_request.DOCUMENT_ID_MEMBERS)


def _names_an_operation(params: Mapping[str, str]) -> bool:
    """A GET with a query, a persisted query's hash or a trusted document's id: ours to
    serve; without any it is a browser's visit (GraphiQL) or a mistake, which Strawberry's
    view answers."""
    return any(name in params for name in OPERATION_PARAMETERS)


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context: the pool, the broker and snapshot loaders, the
    viewer, fresh loaders; and our WebSocket handlers (server/ws_handlers.py)."""

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, settings: Settings) -> None:
        self.rate_budget = rate_budget(settings)
        limited = build_schema(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            deadline_seconds=settings.request_timeout_ms / 1000,
            max_cost=settings.max_query_cost,
            rate_budget=self.rate_budget,
        )
        super().__init__(
            limited,
            graphql_ide="graphiql" if settings.graphiql else None,
            # Pages of the CORS origins may open the WebSocket too (same-origin always may).
            allowed_origins=settings.cors_origins,
            subscription_protocols=SUBSCRIPTION_PROTOCOLS,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
        )
        self.settings = settings
        trusted = settings.persisted_documents
        self.persisted_queries = PersistedQueries(
            settings.persisted_query_bytes,
            load_manifest(trusted) if trusted is not None else None,
            trusted_only=settings.persisted_only,
        )
        self.websocket_adapter_class = reader_within(settings.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Whatever the bytes, the client gets a GraphQL-shaped answer with a code: a refusal
        before GraphQL runs (server/http_input.py) or, for anything unexpected, INTERNAL
        (logged with its traceback); a WebSocket is closed with a code, never dropped."""
        if scope["type"] == "websocket":
            try:
                await super().__call__(scope, receive, send)
            except Exception:
                logger.exception("unexpected error on a WebSocket")
                close = {"type": "websocket.close", "code": UNEXPECTED, "reason": INTERNAL_MESSAGE}
                with suppress(Exception):  # the socket may be gone already
                    await send(close)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        limit = self.settings.max_body_bytes
        request = Request(scope, receive=http_input.limited(receive, limit))
        response: Response
        try:
            http_input.check_declared_length(request.headers, limit)
            method = scope["method"]
            # A stream (a subscription over SSE or multipart) is the view's to serve.
            streamed = self._asks_for_a_stream(request.headers)
            if method == "POST" and not streamed:
                response = await self._serve_post(request)
            elif method == "GET" and not streamed and _names_an_operation(request.query_params):
                response = await self._serve_get(request)
            else:
                response = await self.run(request)
        except http_input.Refused as refused:
            response = http_error(refused, refused.status, refused.headers)
        except _StreamRefused as refused:
            response = http_error(refused.error, request_error_status(refused.error.code))
        except HTTPException as error:
            response = http_error(BadUserInput(error.reason), error.status_code)
        except Exception:
            logger.exception("unexpected error serving %s %s", scope["method"], scope["path"])
            response = http_error(internal(), 500)
        await response(scope, receive, send)

    def _asks_for_a_stream(self, headers: Mapping[str, str]) -> bool:
        """Whether Accept asks for one of the view's streams. Strawberry parses the header
        with the `email` package for each of its transports: only an Accept that names a
        stream's media type at all is given to it."""
        accept = headers.get("accept", "").lower()
        if STREAM_MEDIA_TYPES[0] not in accept and STREAM_MEDIA_TYPES[1] not in accept:
            return False
        return self._get_stream_transport_from_headers(headers) is not None

    async def _serve_post(self, request: Request) -> Response:
        """A POST of one operation, as `run` serves it without its wrappers
        (server/graphql_request.py), answered in the media type the client accepts."""
        media_type = negotiate(request.headers.get("accept"))
        body = await request.body()
        operation = graphql_request.read_post(request.headers, body, self.settings.max_batch)
        if isinstance(operation, list):
            return await self._serve_batch(request, operation, media_type)
        context = await self.get_context(request, None)
        result = await self._execute_one("POST", context, operation)
        return graphql_response(result, media_type)

    async def _serve_batch(
        self, request: Request, operations: list[GraphQLRequestData], media_type: MediaType
    ) -> Response:
        """A batch: its operations run at once, each as a request of its own (its context
        and loaders, its share of the limits and the rate budget), answered in order; one
        refused before it runs is answered with its error, the others still run."""

        async def run(operation: GraphQLRequestData) -> ExecutionResult:
            context = await self.get_context(request, None)
            try:
                return await self._execute_one("POST", context, operation)
            except http_input.Refused as refused:
                return ExecutionResult(data=None, errors=[graphql_error(refused)])
            except HTTPException as error:
                refusal = BadUserInput(error.reason)
                return ExecutionResult(data=None, errors=[graphql_error(refusal)])

        results = await asyncio.gather(*(run(operation) for operation in operations))
        return batch_response(results, media_type)

    async def _serve_get(self, request: Request) -> Response:
        """A GET with a query: a query only (a mutation is 405, naming POST), its answer
        one that caches may keep (server/answers.py)."""
        headers = request.headers
        media_type = negotiate(headers.get("accept"))
        context = await self.get_context(request, None)
        operation = graphql_request.read_get(request.query_params)
        result = await self._execute_one("GET", context, operation)
        caching = Caching(
            viewer="authorization" in headers,
            max_age_seconds=self.settings.get_max_age_seconds,
            if_none_match=headers.get("if-none-match"),
        )
        return graphql_response(result, media_type, caching)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """Strawberry's JSON response, with the status and headers its errors call for."""
        response = super().create_response(response_data, sub_response)
        if isinstance(response_data, dict):
            status, headers = response_status(response_data)
            if status is not None:
                response.status_code = status
            response.headers.update(headers)
        return response

    def encode_json(self, data: object) -> str:
        """orjson: a feed page of 100 entries encodes several times faster than json.dumps.
        Text, not bytes: WebSocket messages must go out as text frames."""
        return orjson.dumps(data).decode()

    def parse_json(self, data: str | bytes) -> Any:
        """A POST body: strict, bounded JSON (server/json_input.py), and an object."""
        return http_input.request_object(data)

    def parse_query_params(self, params: Mapping[str, str | list[str] | None]) -> dict[str, Any]:
        """A GET's parameters, its `variables` and `extensions` read like a POST body."""
        parsed: dict[str, Any] = dict(params)
        for name in ("variables", "extensions"):
            value = parsed.get(name)
            if isinstance(value, str) and value:
                parsed[name] = http_input.parse(value, f"the {name} parameter")
        return parsed

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            http_input.check_post_headers(request.headers)
        parsed = await super().parse_http_body(request)
        for data in parsed if isinstance(parsed, list) else [parsed]:
            http_input.check_operation_name(data.operation_name)
        return parsed

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        make = SocketContext if isinstance(request, WebSocket) else Context
        state = request.app.state
        context = make(
            db=state.pool,
            broker=state.broker,
            snapshots=state.snapshots,
            request=request,
            response=response,
        )
        try:
            context.viewer = authenticate(request.headers.get("authorization"), self.settings)
        except ApiError as error:
            context.auth_error = error
        # A WebSocket's context serves all its operations, mostly subscriptions, whose
        # snapshots must agree with the primary's events: it reads the primary. Without
        # replicas nothing is decided (most servers: no cost on the request path).
        replicas = state.replicas
        if make is Context and replicas.replicas:
            own_writes = state.own_writes
            context.primary, context.own_writes = state.pool, own_writes
            context.db = reads_for(context.viewer, replicas, own_writes)
        return context

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """Our GraphiQL: examples, the token's place, assets served offline (server/graphiql.py)."""
        return HTMLResponse(graphiql.render_page(self.settings))

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        """The view's, for what it serves: a stream (SSE or multipart), which a bad token
        refuses before it starts, as the WebSocket's connection_init does, and whose
        document follows the persisted-query rules as any request's."""
        context: Context = kwargs["context"]
        request_data = kwargs["request_data"]
        streamed = isinstance(request_data, GraphQLRequestData) and request_data.protocol != "http"
        if streamed:
            access_log.record_operation(request_data)
            if context.auth_error is not None:
                raise _StreamRefused(context.auth_error)
            try:
                kwargs["request_data"] = self.persisted_queries.resolve(request_data)
            except ApiError as error:
                raise _StreamRefused(error) from None
        return await super().execute_operation(*args, **kwargs)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        method = kwargs["request_adapter"].method
        return await self._execute_one(method, kwargs["context"], kwargs["request_data"])

    async def _execute_one(
        self, method: HTTPMethod, context: Context, request_data: GraphQLRequestData
    ) -> ExecutionResult:
        """Strawberry's execute_single, except that a subscription is refused before it runs:
        over HTTP its resolver would run once and answer INTERNAL."""
        refused = context.auth_error
        if refused is None:
            try:
                request_data = self.persisted_queries.resolve(request_data)
            except ApiError as error:
                refused = error
        access_log.record_operation(request_data)
        if refused is not None:
            return ExecutionResult(data=None, errors=[graphql_error(refused)])
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=None,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=OperationType.from_http(method) - {SUBSCRIPTION},
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is SUBSCRIPTION:
                raise http_input.Refused(SUBSCRIPTIONS_OVER_HTTP, 400) from None
            reason = error.as_http_error_reason(method)
            raise http_input.Refused(reason, 405, {"Allow": "POST"}) from None
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from None
        except MissingQueryError:
            raise HTTPException(400, "No GraphQL query found in the request") from None

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """Strawberry's rule (the origins in CORS_ORIGINS, or any with `*`), saying which
        setting to change when it refuses: Strawberry's own warning names its argument."""
        if super().is_websocket_origin_allowed(request, origin):
            return True
        logger.warning(
            "WebSocket from origin %r refused: add it to CORS_ORIGINS to let its pages connect",
            origin[:200],
        )
        return False

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        authenticate_connection(context, self.settings)
        return await super().on_ws_connect(context)


async def _warn_of_an_outbox(pool: Any) -> None:
    """A database whose triggers write to the outbox (a server ran it with NATS_URL) sends
    no notification: this server's subscribers would hear nothing."""
    if await outbox.fanout(pool) == "outbox":
        logger.error(
            "this database's triggers write to the outbox (a server ran with NATS_URL): "
            "set NATS_URL here too, or reset it with "
            "ALTER DATABASE <name> RESET resonance.fanout"
        )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.uses_development_secret:
            logger.warning(
                "JWT_SECRET is not set: using the development secret, with which anyone can "
                "sign in as any user (make token, GraphiQL's sign-in, POST %s)",
                dev_sign_in.PATH,
            )
        if settings.migrate_on_start:
            await asyncio.to_thread(migrate.ensure_database, settings.database_url)
            applied = await asyncio.to_thread(migrate.apply_all, settings.database_url)
            for migration in applied:
                logger.info("applied migration %s", migration)
        if settings.nats_url:
            # Before the pool: its sessions, as every later one, write to the outbox.
            await outbox.use_outbox(settings.database_url)
        pool = await create_pool(
            settings.database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        app.state.pool = pool
        # Snapshots read the primary, whose triggers send the events that follow them.
        app.state.snapshots = Snapshots(pool)
        replicas = Replicas(
            pool,
            settings.database_replica_urls,
            max_lag_ms=settings.replica_max_lag_ms,
            pool_options={
                "min_size": settings.pool_min_size,
                "max_size": settings.pool_max_size,
                "statement_timeout_ms": settings.statement_timeout_ms,
            },
        )
        await replicas.start()
        app.state.replicas = replicas
        app.state.own_writes = OwnWrites(replicas.read_your_writes_seconds)
        broker: MailboxRegistry
        relay: OutboxRelay | None = None
        if settings.nats_url:
            broker = NatsBroker(settings.nats_url)
            await broker.start()
            relay = OutboxRelay(settings.database_url, broker)
            relay.start()
        else:
            broker = CountsBroker(settings.database_url)
            await broker.start()
            await _warn_of_an_outbox(pool)
        app.state.broker = broker
        app.state.relay = relay
        shared_budget = graphql.rate_budget
        if isinstance(shared_budget, RedisRateBudget):
            await shared_budget.start()
        refresher = asyncio.create_task(
            refresh_trending_forever(pool, settings.trending_refresh_seconds)
        )
        try:
            yield
        finally:
            refresher.cancel()
            await asyncio.gather(refresher, return_exceptions=True)
            if relay is not None:
                await relay.stop()
            await broker.stop()
            await replicas.stop()
            await close_pool(pool)
            if isinstance(shared_budget, RedisRateBudget):
                await shared_budget.aclose()

    graphql = GraphQLApp(settings)
    # The access log is outermost, so requests refused by CORS get their line too.
    middleware = [Middleware(access_log.AccessLog)]
    cors = cors_middleware(settings)
    if cors is not None:
        middleware.append(cors)
    return Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/static/vendor/{name:path}", graphiql.vendor_file),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *dev_sign_in.routes(settings),
        ],
        middleware=middleware,
        exception_handlers={Exception: unexpected_error},
        lifespan=lifespan,
    )
