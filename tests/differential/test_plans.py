"""The compiled executor's plans: one per operation and set of `@include`/`@skip` values,
dropped with their document, bounded by its size, and never a way into the code they compile
to. Each answer is also checked against graphql-core's (the reference executor)."""

from __future__ import annotations

import gc
from typing import Any

import asyncpg
from graphql import parse

from resolvers.context import Context
from schema import build_schema
from schema.compiled_executor import CompiledExecutor, plan_cache
from schema.execution_plan import MAX_VARIANTS
from tests.differential.shadow import shadow_off
from tests.factories import entry_gid, make_entry, make_user

COMPILED = build_schema(compiled=True)
REFERENCE = build_schema(compiled=False)


async def both(pool: asyncpg.Pool, query: str, **variables: Any) -> dict[str, Any]:
    """The compiled answer, after checking it is the reference's."""
    answers = []
    with shadow_off():
        for schema in (COMPILED, REFERENCE):
            result = await schema.execute(
                query, variable_values=variables, context_value=Context(db=pool)
            )
            answers.append(
                {"data": result.data, "errors": [e.formatted for e in result.errors or []]}
            )
    assert answers[0] == answers[1]
    return answers[0]


def plans_of(query: str, **variables: Any) -> Any:
    """The plan cache's entry for the operation of `query` as the compiled schema holds it."""
    document = COMPILED.limits.cache.get(query).document  # type: ignore[union-attr]
    operation = document.definitions[0]
    return plan_cache(COMPILED._schema)._by_operation[id(operation)]


async def test_each_set_of_include_values_gets_its_own_plan(
    pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn), title="titled")
    query = "query ($id: ID!, $t: Boolean!) { entry(id: $id) { id title @include(if: $t) } }"
    shown = await both(pool, query, id=entry_gid(entry), t=True)
    hidden = await both(pool, query, id=entry_gid(entry), t=False)
    assert shown["data"]["entry"] == {"id": entry_gid(entry), "title": "titled"}
    assert hidden["data"]["entry"] == {"id": entry_gid(entry)}
    entry_plans = plans_of(query)
    assert entry_plans.conditions == ("t",)
    assert set(entry_plans.variants) == {(True,), (False,)}
    assert all(plan is not None for plan in entry_plans.variants.values())


async def test_an_operation_keeps_a_bounded_number_of_plans_whatever_its_variables(
    pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    names = [f"v{i}" for i in range(6)]
    declared = ", ".join(f"${name}: Boolean!" for name in names)
    fields = " ".join(f"{name}: id @include(if: ${name})" for name in names)
    query = f"query ($id: ID!, {declared}) {{ entry(id: $id) {{ {fields} }} }}"
    for combination in range(2 ** len(names)):
        flags = {name: bool(combination >> i & 1) for i, name in enumerate(names)}
        answer = await both(pool, query, id=entry_gid(entry), **flags)
        assert answer["data"]["entry"] == {name: entry_gid(entry) for name in names if flags[name]}
    assert len(plans_of(query).variants) == MAX_VARIANTS


def test_a_plan_goes_with_its_document() -> None:
    cache = plan_cache(COMPILED._schema)
    document = parse("{ __typename }")
    executor = CompiledExecutor.build(COMPILED._schema, document)
    assert isinstance(executor, CompiledExecutor)
    executor.execute_operation()
    key = id(document.definitions[0])
    assert key in cache._by_operation
    del executor, document
    gc.collect()
    assert key not in cache._by_operation


def nested_fragments(levels: int) -> str:
    """Each level's fragment spreads the next twice, under two fields: the response has
    2**levels times as many fields as the document has tokens to spell them."""
    fragments = [
        f"fragment F{level} on Entry {{ id a: parent {{ ...F{level + 1} }} "
        f"b: parent {{ ...F{level + 1} }} }}"
        for level in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Entry {{ id }}")
    return "query ($id: ID!) { entry(id: $id) { ...F0 } } " + " ".join(fragments)


async def test_an_operation_whose_plan_would_outgrow_its_document_runs_through_graphql_core(
    pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    query = nested_fragments(9)
    answer = await both(pool, query, id=entry_gid(entry))
    assert answer["data"]["entry"] == {"id": entry_gid(entry), "a": None, "b": None}
    assert list(plans_of(query).variants.values()) == [None]


async def test_a_small_fragment_tree_is_compiled(
    pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn))
    query = nested_fragments(2)
    await both(pool, query, id=entry_gid(entry))
    assert all(plan is not None for plan in plans_of(query).variants.values())


async def test_response_keys_that_are_python_words_are_only_keys(
    pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    entry = await make_entry(conn, await make_user(conn), title="t")
    query = (
        "query ($id: ID!) { entry(id: $id) { import: id __class__: title exec: content "
        "__import__: __typename } }"
    )
    answer = await both(pool, query, id=entry_gid(entry))
    assert answer["data"]["entry"] == {
        "import": entry_gid(entry),
        "__class__": "t",
        "exec": entry["content"],
        "__import__": "Entry",
    }
