"""The Starlette app: GraphQL (and GraphiQL) at /graphql, owning the pool for its lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from db import migrate
from db.pool import create_pool
from resolvers.context import Context
from resolvers.errors import ApiError
from schema import build_schema
from schema.errors import error_result
from server.auth import authenticate
from server.settings import DEVELOPMENT_JWT_SECRET, Settings, load_settings
from server.tasks import refresh_trending_forever

logger = logging.getLogger("resonance.server")


class BodyTooLarge(Exception):
    pass


def http_error(message: str, status_code: int) -> JSONResponse:
    """A refusal before GraphQL runs, still shaped like a GraphQL response."""
    body = {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}
    return JSONResponse(body, status_code=status_code)


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context: the pool, the viewer, fresh loaders."""

    def __init__(self, settings: Settings) -> None:
        limited = build_schema(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
        )
        super().__init__(limited, graphql_ide="graphiql" if settings.graphiql else None)
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

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        if not isinstance(parsed, (dict, list)):  # strawberry would fail on it with a 500
            raise HTTPException(400, "the request body must be a JSON object")
        return parsed

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        context = Context(db=request.app.state.pool, request=request, response=response)
        try:
            context.viewer = authenticate(request.headers.get("authorization"), self.settings)
        except ApiError as error:
            context.auth_error = error
        return context

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        context: Context = kwargs["context"]
        if context.auth_error is not None:
            return ExecutionResult(data=None, errors=[error_result(context.auth_error)])
        return await super().execute_single(*args, **kwargs)


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
        )
        app.state.pool = pool
        refresher = asyncio.create_task(
            refresh_trending_forever(pool, settings.trending_refresh_seconds)
        )
        try:
            yield
        finally:
            refresher.cancel()
            await asyncio.gather(refresher, return_exceptions=True)
            await pool.close()

    graphql = GraphQLApp(settings)
    return Starlette(
        routes=[Route("/graphql", graphql), WebSocketRoute("/graphql", graphql)],
        lifespan=lifespan,
    )
