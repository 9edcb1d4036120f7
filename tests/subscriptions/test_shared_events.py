"""Subscribers asking the same thing of one change share one execution of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from db import unchecked
from db.listen import CountsBroker
from schema import schema
from schema.compiled_executor import CompiledExecutor
from schema.shared_events import reaches_only_plain_data
from tests.factories import entry_gid, make_entry, make_user
from tests.subscriptions.inprocess import next_data, subscribe
from tests.subscriptions.wsclient import ENTRY_COUNTS

SHARES_ONLY = "subscription ($id: ID!) { entryCounts(entryId: $id) { counts { shareCount } } }"
RESONANCES_ONLY = (
    "subscription ($id: ID!) { entryCounts(entryId: $id) { counts { resonanceCount } } }"
)
ENTRY_FROM_THE_CHANGE = """subscription ($id: ID!) {
  entryCounts(entryId: $id) { entry { id counts { id resonanceCount } } }
}"""
ENTRY_AS_THE_VIEWER_SEES_IT = """subscription ($id: ID!) {
  entryCounts(entryId: $id) { entry { id title viewerHasResonated counts { resonanceCount } } }
}"""


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


def _counts(data: Any) -> Any:
    return data["entryCounts"]["counts"]


def _entrys_counts(data: Any) -> Any:
    return data["entryCounts"]["entry"]["counts"]


@pytest.mark.parametrize(
    ("document", "counts_of"),
    [(ENTRY_COUNTS, _counts), (ENTRY_FROM_THE_CHANGE, _entrys_counts)],
    ids=["counts", "the entry from the change"],
)
async def test_subscribers_with_the_same_document_share_each_changes_execution(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    executions: list[object],
    document: str,
    counts_of: Callable[[Any], Any],
) -> None:
    author, fan = await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author)
    async with AsyncExitStack() as stack:
        streams = [
            await subscribe(stack, broker, pool, document, entry_gid(entry)) for _ in range(3)
        ]
        for results in streams:
            assert counts_of(await next_data(results))["resonanceCount"] == 0
        assert len(executions) == 3  # each snapshot is its subscriber's own

        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        changed = [await next_data(results) for results in streams]

    assert all(counts_of(data)["resonanceCount"] == 1 for data in changed)
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


def plain(document: str) -> bool:
    """Whether the document's subscription reaches only plain data of its event."""
    graphql_schema = schema._schema
    root = graphql_schema.subscription_type
    assert root is not None
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return reaches_only_plain_data(root, operation.selection_set, fragments, root)


@pytest.mark.parametrize(
    "document",
    [
        ENTRY_COUNTS,
        SHARES_ONLY,
        ENTRY_FROM_THE_CHANGE,
        'subscription { entryCounts(entryId: "x") { __typename entryId } }',
        'subscription { userCounts(userId: "x") { user { id followerCount } } }',
        'subscription { entryCounts(entryId: "x") { ...E } } '
        "fragment E on EntryCountsEvent { entry { ... on Entry { id } } }",
    ],
)
def test_a_selection_of_the_changes_own_data_is_plain(document: str) -> None:
    assert plain(document)


@pytest.mark.parametrize(
    "document",
    [
        ENTRY_AS_THE_VIEWER_SEES_IT,
        'subscription { entryCounts(entryId: "x") { entry { author { username } } } }',
        'subscription { userCounts(userId: "x") { user { viewerIsFollowing } } }',
        'subscription { entryCounts(entryId: "x") { ...E } } '
        "fragment E on EntryCountsEvent { entry { viewerHasAmplified } }",
        'subscription { entryCounts(entryId: "x") { entry { id branches { nodes { id } } } } }',
    ],
)
def test_a_selection_reaching_past_the_change_is_not(document: str) -> None:
    assert not plain(document)


async def test_an_entry_as_each_viewer_sees_it_is_never_shared(
    broker: CountsBroker,
    pool: asyncpg.Pool,
    conn: asyncpg.Connection,
    executions: list[object],
) -> None:
    author, fan, other = await make_user(conn), await make_user(conn), await make_user(conn)
    entry = await make_entry(conn, author, title="seen")
    gid = entry_gid(entry)
    async with AsyncExitStack() as stack:
        fans = await subscribe(stack, broker, pool, ENTRY_AS_THE_VIEWER_SEES_IT, gid, fan["id"])
        others = await subscribe(stack, broker, pool, ENTRY_AS_THE_VIEWER_SEES_IT, gid, other["id"])
        await next_data(fans)
        await next_data(others)
        await unchecked.insert_resonance(conn, user_id=fan["id"], entry_id=entry["id"])
        by_fan, by_other = await next_data(fans), await next_data(others)
    assert by_fan["entryCounts"]["entry"]["viewerHasResonated"] is True
    assert by_other["entryCounts"]["entry"]["viewerHasResonated"] is False
    assert by_fan["entryCounts"]["entry"]["title"] == "seen"
    assert by_fan["entryCounts"]["entry"]["counts"]["resonanceCount"] == 1
    assert len(executions) == 4, "each viewer's change ran for that viewer"
