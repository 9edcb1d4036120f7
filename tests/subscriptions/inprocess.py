"""Subscriptions run through the schema in this process, over a broker of the test's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, aclosing
from types import SimpleNamespace
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

import asyncpg
from strawberry.types import ExecutionResult

from db.listen import CountsBroker
from resolvers.context import Context, Viewer
from resolvers.snapshots import Snapshots
from schema import schema

_requests: WeakKeyDictionary[CountsBroker, SimpleNamespace] = WeakKeyDictionary()


def app_request(broker: CountsBroker, pool: asyncpg.Pool) -> SimpleNamespace:
    """What a resolver reaches through the request: the app's broker and snapshot loaders,
    one set per broker and pool, as the app has one per process."""
    request = _requests.get(broker)
    if request is None or request.app.state.pool is not pool:
        state = SimpleNamespace(broker=broker, pool=pool, snapshots=Snapshots(pool))
        request = _requests[broker] = SimpleNamespace(app=SimpleNamespace(state=state))
    return request


async def subscribe(
    stack: AsyncExitStack,
    broker: CountsBroker,
    pool: asyncpg.Pool,
    document: str,
    gid: str,
    viewer: UUID | None = None,
) -> AsyncGenerator[ExecutionResult, None]:
    """The subscription's results, closed when `stack` is."""
    context = Context(
        db=pool, request=app_request(broker, pool), viewer=Viewer(viewer) if viewer else None
    )
    results = await schema.subscribe(document, variable_values={"id": gid}, context_value=context)
    assert not isinstance(results, ExecutionResult)
    return await stack.enter_async_context(aclosing(results))


async def next_result(results: AsyncIterator[ExecutionResult]) -> ExecutionResult:
    async with asyncio.timeout(5):
        return await anext(results)


async def next_data(results: AsyncIterator[ExecutionResult]) -> Any:
    result = await next_result(results)
    assert result.errors is None
    return result.data
