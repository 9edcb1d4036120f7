"""The shadow (tests/differential/shadow.py) that runs every query of the suite through the
reference executor too: it compares what it should, leaves alone what it must, and a
difference fails the test that sent the query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import ExecutionResult, GraphQLError

from db.pool import counting_statements
from schema.compiled_executor import CompiledExecutor
from tests.differential.shadow import TALLY, difference, response, shadow_off
from tests.factories import counts, entry_gid, make_entry, make_user
from tests.graphql import data, post

QUERY = "{ entries(first: 5) { nodes { id title author { username } } } }"


def taken() -> list[str]:
    """The differences the shadow found so far in this test, taken away: the tests that
    provoke them on purpose do not fail for them."""
    found = list(TALLY.mismatches)
    TALLY.mismatches.clear()
    return found


def _compiled_answers(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[ExecutionResult], None]
) -> None:
    """The compiled executor's answers, changed by `change` (the reference's are not)."""
    original = CompiledExecutor.execute_operation

    def changed(self: CompiledExecutor, *args: Any) -> Any:
        async def run() -> Any:
            result: Any = original(self, *args)
            if not isinstance(result, ExecutionResult):
                result = await result
            change(result)
            return result

        return run()

    monkeypatch.setattr(CompiledExecutor, "execute_operation", changed)


async def test_a_query_sent_through_the_app_runs_through_the_reference_too(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await make_entry(conn, await make_user(conn))
    before = TALLY.compared

    await data(client, QUERY)

    assert TALLY.compared == before + 1


async def test_a_mutation_runs_once(conn: asyncpg.Connection, client: httpx.AsyncClient) -> None:
    me = await make_user(conn)
    entry = await make_entry(conn, me)
    before = TALLY.compared

    mutation = "mutation ($id: ID!) { share(entryId: $id) { counts { shareCount } } }"
    await data(client, mutation, {"id": entry_gid(entry)}, as_user=me["id"])

    assert (await counts(conn, entry["id"]))["share_count"] == 1
    assert TALLY.compared == before


async def test_the_reference_runs_statements_nobody_counts(
    conn: asyncpg.Connection, client: httpx.AsyncClient
) -> None:
    await make_entry(conn, await make_user(conn))
    with shadow_off(), counting_statements() as alone:
        await data(client, QUERY)
    compared = TALLY.compared

    with counting_statements() as shadowed:
        await data(client, QUERY)

    assert TALLY.compared == compared + 1
    assert shadowed[0] == alone[0] > 0


async def test_data_the_compiled_executor_changes_is_a_difference(
    conn: asyncpg.Connection,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_entry(conn, await make_user(conn), title="as stored")

    def retitle(result: ExecutionResult) -> None:
        result.data["entries"]["nodes"][0]["title"] = "changed"  # type: ignore[index]

    _compiled_answers(monkeypatch, retitle)
    await data(client, QUERY)

    [found] = taken()
    assert '-     "title": "as stored"' in found
    assert '+     "title": "changed"' in found
    assert QUERY in found


async def test_an_error_the_compiled_executor_drops_is_a_difference(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def drop_errors(result: ExecutionResult) -> None:
        result.errors = None

    _compiled_answers(monkeypatch, drop_errors)
    await post(client, '{ entry(id: "bad") { id } }')

    [found] = taken()
    assert '-   "message": "id is not a valid id",' in found


async def test_the_order_of_fields_is_compared(
    conn: asyncpg.Connection,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_entry(conn, await make_user(conn))

    def reverse(result: ExecutionResult) -> None:
        result.data = dict(reversed(list((result.data or {}).items())))

    _compiled_answers(monkeypatch, reverse)
    await data(client, "{ viewer { id } entries(first: 1) { nodes { id } } }")

    assert len(taken()) == 1


def test_errors_are_compared_as_a_set_not_in_order() -> None:
    one, two = GraphQLError("one", path=["x"]), GraphQLError("two", path=["y"])

    assert difference(response(None, [one, two]), response(None, [two, one])) is None
    assert difference(response(None, [one]), response(None, [one, two])) is not None
