"""Subscribers asking the same thing of one change share one execution of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
import pytest
import strawberry
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition

from db import unchecked
from db.listen import CountsBroker
from schema.common import InteractionCounts
from schema.compiled_executor import CompiledExecutor
from schema.shared_events import SharedEvent
from schema.subscriptions import EntryCountsEvent, UserCountsEvent
from tests.factories import entry_gid, make_entry, make_user
from tests.subscriptions.inprocess import next_data, subscribe
from tests.subscriptions.wsclient import ENTRY_COUNTS

SHARES_ONLY = "subscription ($id: ID!) { entryCounts(entryId: $id) { counts { shareCount } } }"
RESONANCES_ONLY = (
    "subscription ($id: ID!) { entryCounts(entryId: $id) { counts { resonanceCount } } }"
)


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """The root value of every selection set the executor really runs."""
    ran: list[object] = []
    execute = CompiledExecutor.execute_operation

    def counted(self: CompiledExecutor, serially: bool | None = None) -> Any:
        ran.append(self.root_value)
        return execute(self, serially)

    monkeypatch.setattr(CompiledExecutor, "execute_operation", counted)
    yield ran


async def test_subscribers_with_the_same_document_share_each_changes_execution(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    executions: list[object],
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    async with AsyncExitStack() as stack:
        streams = [
            await subscribe(stack, broker, pool, ENTRY_COUNTS, entry_gid(entry)) for _ in range(3)
        ]
        for results in streams:
            assert (await next_data(results))["entryCounts"]["counts"]["resonanceCount"] == 0
        assert len(executions) == 3  # each snapshot is its subscriber's own

        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        changed = [await next_data(results) for results in streams]

    assert all(data["entryCounts"]["counts"]["resonanceCount"] == 1 for data in changed)
    assert changed[0] == changed[1] == changed[2]
    assert len(executions) == 4, "the change ran once for its three subscribers"


async def test_different_documents_on_one_entry_each_get_what_they_asked_for(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    executions: list[object],
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    async with AsyncExitStack() as stack:
        shares = await subscribe(stack, broker, pool, SHARES_ONLY, entry_gid(entry))
        resonances = await subscribe(stack, broker, pool, RESONANCES_ONLY, entry_gid(entry))
        await next_data(shares)
        await next_data(resonances)

        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        assert await next_data(shares) == {"entryCounts": {"counts": {"shareCount": 0}}}
        assert await next_data(resonances) == {"entryCounts": {"counts": {"resonanceCount": 1}}}

    assert len(executions) == 4


def _plain_fields_only(cls: type, seen: set[type]) -> list[str]:
    """The fields reachable from `cls` that have a resolver or arguments."""
    if cls in seen:
        return []
    seen.add(cls)
    offending = []
    for field in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if field.base_resolver is not None or field.arguments:
            offending.append(f"{cls.__name__}.{field.python_name}")
        inner = field.type
        while isinstance(inner, (StrawberryList, StrawberryOptional)):
            inner = inner.of_type
        if isinstance(inner, type) and has_object_definition(inner):
            offending += _plain_fields_only(inner, seen)
    return offending


def test_shared_event_types_have_only_plain_fields_so_no_answer_depends_on_the_viewer() -> None:
    shared = SharedEvent.__subclasses__()
    assert set(shared) >= {EntryCountsEvent, UserCountsEvent}
    seen: set[type] = set()
    assert [name for cls in shared for name in _plain_fields_only(cls, seen)] == []
    assert InteractionCounts in seen  # the nested types were checked too


@strawberry.type
class _ViewerDependent:
    @strawberry.field
    def viewer_name(self, info: strawberry.Info) -> str:
        return str(info.context)


@strawberry.type
class _Leaky:
    plain: int
    nested: list[_ViewerDependent | None]


def test_a_nested_field_with_a_resolver_would_break_that_rule() -> None:
    assert _plain_fields_only(_Leaky, set()) == ["_ViewerDependent.viewer_name"]
