"""The Starlette app: GraphQL (and GraphiQL) at /graphql, owning the pool for its lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from db import migrate
from db.listen import CountsBroker
from db.pool import create_pool
from resolvers.context import Context
from resolvers.errors import ApiError
from resolvers.snapshots import Snapshots
from schema import build_schema
from schema.errors import error_result
from server import access_log, graphiql
from server.auth import authenticate
from server.errors import http_error, response_status
from server.health import healthz, readyz
from server.rate_budget import RedisRateBudget, rate_budget
from server.settings import DEVELOPMENT_JWT_SECRET, Settings, load_settings
from server.tasks import refresh_trending_forever
from server.websocket import SocketContext, authenticate_connection

logger = logging.getLogger("resonance.server")


class BodyTooLarge(Exception):
    pass


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context: the pool, the viewer, fresh loaders."""

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
        )
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """HTTP requests: bodies over MAX_BODY_BYTES are refused (413) before they are read
        whole, and protocol errors (malformed JSON, ...) come back as JSON, not plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        limit = self.settings.max_body_bytes
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
            return message

        request = Request(scope, receive=limited_receive)
        response: Response
        try:
            if int(request.headers.get("content-length") or 0) > limit:
                raise BodyTooLarge
            response = await self.run(request)
        except BodyTooLarge:
            response = http_error(f"the request body is over {limit} bytes", 413)
        except HTTPException as error:
            response = http_error(error.reason, error.status_code)
        except ValueError:
            response = http_error("the Content-Length header is not a number", 400)
        await response(scope, receive, send)

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
        parsed = super().parse_json(data)
        if not isinstance(parsed, (dict, list)):  # strawberry would fail on it with a 500
            raise HTTPException(400, "the request body must be a JSON object")
        return parsed

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        make = SocketContext if isinstance(request, WebSocket) else Context
        context = make(db=request.app.state.pool, request=request, response=response)
        try:
            context.viewer = authenticate(request.headers.get("authorization"), self.settings)
        except ApiError as error:
            context.auth_error = error
        return context

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """Our GraphiQL: examples, the token's place, assets served offline (server/graphiql.py)."""
        return HTMLResponse(graphiql.render_page())

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        access_log.record_operation(kwargs["request_data"])
        context: Context = kwargs["context"]
        if context.auth_error is not None:
            return ExecutionResult(data=None, errors=[error_result(context.auth_error)])
        return await super().execute_single(*args, **kwargs)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        authenticate_connection(context, self.settings)
        return await super().on_ws_connect(context)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.jwt_secret == DEVELOPMENT_JWT_SECRET:
            logger.warning("JWT_SECRET is not set: using the development secret")
        if settings.migrate_on_start:
            await asyncio.to_thread(migrate.ensure_database, settings.database_url)
            applied = await asyncio.to_thread(migrate.apply_all, settings.database_url)
            for migration in applied:
                logger.info("applied migration %s", migration)
        pool = await create_pool(
            settings.database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        app.state.pool = pool
        app.state.snapshots = Snapshots(pool)
        broker = CountsBroker(settings.database_url)
        await broker.start()
        app.state.broker = broker
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
            await broker.stop()
            await pool.close()
            if isinstance(shared_budget, RedisRateBudget):
                await shared_budget.aclose()

    graphql = GraphQLApp(settings)
    # The access log is outermost, so requests refused by CORS get their line too.
    middleware = [Middleware(access_log.AccessLog)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=600,
            )
        )
    return Starlette(
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/static/vendor/{name:path}", graphiql.vendor_file),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
