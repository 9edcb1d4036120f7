"""A subscription of a document seen before and valid streams the short way
(schema/prepared_execution.py): its results are the ones Strawberry's stream gave the first
subscriber of that document, events, errors and refusals alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, aclosing
from typing import Any

import asyncpg
import pytest
from strawberry import Schema
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from db import unchecked
from db.listen import CountsBroker
from schema import build_schema
from schema.compiled_executor import CompiledExecutor
from schema.resonance_schema import ResonanceSchema
from tests.factories import entry_gid, make_entry, make_user
from tests.subscriptions.inprocess import live_context
from tests.subscriptions.wsclient import ENTRY_COUNTS

UNKNOWN_ENTRY = "RW50cnk6OTk5OTk5OQ=="  # Entry:9999999


@pytest.fixture
def strawberry_streams(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | None]]:
    """The document of each stream Strawberry's own pipeline ran."""
    ran: list[str | None] = []
    stream = Schema.stream

    async def counted(self: Schema, query: str | None, *args: Any, **kwargs: Any) -> Any:
        ran.append(query)
        return await stream(self, query, *args, **kwargs)

    monkeypatch.setattr(Schema, "stream", counted)
    yield ran


def seen(result: ExecutionResult) -> tuple[str, Any, list[Any] | None]:
    """What a transport sends of a result: its kind, its data and its formatted errors."""
    kind = "refused" if isinstance(result, PreExecutionError) else "result"
    errors = [error.formatted for error in result.errors] if result.errors else None
    return kind, result.data, errors


async def stream(
    stack: AsyncExitStack,
    schema: ResonanceSchema,
    broker: CountsBroker,
    pool: asyncpg.Pool,
    variables: dict[str, Any],
    document: str = ENTRY_COUNTS,
) -> AsyncIterator[ExecutionResult]:
    results = await schema.stream(
        document, variable_values=variables, context_value=live_context(broker, pool)
    )
    return await stack.enter_async_context(aclosing(results))  # type: ignore[arg-type]


async def take(results: AsyncIterator[ExecutionResult], most: int) -> list[Any]:
    """Up to `most` results, fewer when the stream ends first."""
    taken = []
    async with asyncio.timeout(5):
        async for result in results:
            taken.append(seen(result))
            if len(taken) == most:
                break
    return taken


async def strawberrys_and_the_short_ways(
    schema: ResonanceSchema,
    broker: CountsBroker,
    pool: asyncpg.Pool,
    variables: dict[str, Any],
    most: int,
) -> list[Any]:
    """Up to `most` results of a first stream (Strawberry's: the document is new) and of a
    second (the short way), which must be the same."""
    async with AsyncExitStack() as stack:
        first = await take(await stream(stack, schema, broker, pool, variables), most)
        second = await take(await stream(stack, schema, broker, pool, variables), most)
    assert first == second
    return first


async def test_a_document_seen_before_streams_without_strawberrys_pipeline(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    strawberry_streams: list[str | None],
) -> None:
    schema = build_schema()
    entry = await make_entry(conn, await make_user(conn))
    async with AsyncExitStack() as stack:
        for _ in range(3):
            results = await stream(stack, schema, broker, pool, {"id": entry_gid(entry)})
            assert await take(results, 1)
    assert strawberry_streams == [ENTRY_COUNTS]


async def test_the_snapshot_and_each_change_are_as_strawberry_sent_them(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    strawberry_streams: list[str | None],
) -> None:
    schema = build_schema()
    fan = await make_user(conn)
    entry = await make_entry(conn, await make_user(conn))
    variables = {"id": entry_gid(entry)}
    async with AsyncExitStack() as stack:
        first = await stream(stack, schema, broker, pool, variables)
        snapshots = [await take(first, 1)]  # the document is parsed and validated by now
        second = await stream(stack, schema, broker, pool, variables)
        snapshots.append(await take(second, 1))
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        changes = [await take(first, 1), await take(second, 1)]

    assert len(strawberry_streams) == 1
    assert snapshots[0] == snapshots[1]
    assert changes[0] == changes[1]
    assert changes[0][0][1]["entryCounts"]["counts"]["resonanceCount"] == 1


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"id": UNKNOWN_ENTRY}, "NOT_FOUND"),
        ({"id": "not an id"}, "BAD_USER_INPUT"),
        ({}, "BAD_USER_INPUT"),  # $id not given: the stream is never made
    ],
    ids=["unknown entry", "malformed id", "missing variable"],
)
async def test_errors_are_as_strawberry_sent_them(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    strawberry_streams: list[str | None],
    variables: dict[str, Any],
    code: str,
) -> None:
    first = await strawberrys_and_the_short_ways(build_schema(), broker, pool, variables, 3)
    assert len(strawberry_streams) == 1
    [(_, data, errors)] = first
    assert data is None
    assert errors is not None and errors[0]["extensions"]["code"] == code


async def test_an_operation_over_the_cost_limit_is_refused_as_strawberry_refused_it(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    strawberry_streams: list[str | None],
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    variables = {"id": entry_gid(entry)}
    first = await strawberrys_and_the_short_ways(
        build_schema(max_cost=0), broker, pool, variables, 2
    )
    assert len(strawberry_streams) == 1
    [(kind, _, errors)] = first
    assert kind == "refused"
    assert errors is not None and errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_query_over_a_stream_still_runs_through_strawberry(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    strawberry_streams: list[str | None],
) -> None:
    schema = build_schema()
    query = "query { __typename }"
    async with AsyncExitStack() as stack:
        for _ in range(2):
            results = await stream(stack, schema, broker, pool, {}, document=query)
            assert await take(results, 2) == [("result", {"__typename": "Query"}, None)]
    assert strawberry_streams == [query, query]


async def test_a_change_another_subscriber_ran_makes_no_executor_for_the_next_one(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The shared result is looked up before a subscriber's per-event executor is built."""
    built: list[object] = []
    build = CompiledExecutor.build_per_event_executor

    def counted(self: CompiledExecutor, payload: Any) -> Any:
        built.append(payload)
        return build(self, payload)

    monkeypatch.setattr(CompiledExecutor, "build_per_event_executor", counted)
    schema = build_schema()
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    async with AsyncExitStack() as stack:
        streams = []
        for _ in range(4):  # each after the one before has its snapshot: the document is known
            streams.append(await stream(stack, schema, broker, pool, {"id": entry_gid(entry)}))
            assert await take(streams[-1], 1)
        snapshots = len(built)
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        changed = [await take(results, 1) for results in streams]

    assert all(seen == changed[0] for seen in changed)
    assert changed[0][0][1]["entryCounts"]["counts"]["resonanceCount"] == 1
    assert len(built) - snapshots == 1, "one executor for the change, not one per subscriber"
