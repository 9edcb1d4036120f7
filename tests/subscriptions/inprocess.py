"""Subscriptions run through the schema in this process, over a broker of the test's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, aclosing
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

import asyncpg
from strawberry.types import ExecutionResult

from db.listen import CountsBroker
from resolvers.context import Context, Viewer
from resolvers.snapshots import Snapshots
from schema import schema

_snapshots: WeakKeyDictionary[CountsBroker, tuple[asyncpg.Pool, Snapshots]] = WeakKeyDictionary()


def live_context(broker: CountsBroker, pool: asyncpg.Pool, viewer: UUID | None = None) -> Context:
    """A context as the app makes one: the broker, and snapshot loaders shared by every
    context of that broker and pool, as the app has one set per process."""
    made = _snapshots.get(broker)
    if made is None or made[0] is not pool:
        made = _snapshots[broker] = (pool, Snapshots(pool))
    return Context(
        db=pool, broker=broker, snapshots=made[1], viewer=Viewer(viewer) if viewer else None
    )


async def subscribe(
    stack: AsyncExitStack,
    broker: CountsBroker,
    pool: asyncpg.Pool,
    document: str,
    gid: str,
    viewer: UUID | None = None,
) -> AsyncGenerator[ExecutionResult, None]:
    """The subscription's results, closed when `stack` is."""
    context = live_context(broker, pool, viewer)
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
