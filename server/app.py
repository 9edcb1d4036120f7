"""The Starlette app: GraphQL (and GraphiQL) at /graphql, owning the pool for its lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from db import migrate
from db.pool import create_pool
from resolvers.context import Context
from resolvers.errors import ApiError
from schema import schema
from schema.errors import error_result
from server.auth import authenticate
from server.settings import DEVELOPMENT_JWT_SECRET, Settings, load_settings
from server.tasks import refresh_trending_forever

logger = logging.getLogger("resonance.server")


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context: the pool, the viewer, fresh loaders."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None)
        self.settings = settings

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
