"""Execution rules the generated documents may rarely hit, one a test.

Each test runs its document through both executors, requires the same answer, and then holds
that answer to what the GraphQL spec says it is, so a rule both executors broke alike would
fail here too.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import parse

from schema.compiled_executor import CompiledExecutor
from tests.differential.compare import assert_same, execute, subscribe
from tests.differential.documents import Case
from tests.differential.toy_schema import COMPILED, REFERENCE


async def agreed(
    document: str, variables: dict[str, Any] | None = None, operation_name: str | None = None
) -> dict[str, Any]:
    """The answer to the request, which both executors must give."""
    case = Case(document, variables or {}, operation_name)
    compiled = await execute(COMPILED, case)
    reference = await execute(REFERENCE, case)
    assert_same(case, compiled, reference)
    return reference


def paths(answer: dict[str, Any]) -> list[Any]:
    return [error.get("path") for error in answer["errors"]]


async def test_an_error_two_non_null_levels_down_nulls_the_nearest_nullable_parent() -> None:
    answer = await agreed("{ item(n: 0) { childNn { childNn { brittle } } } hello }")
    assert answer["data"] == {"item": None, "hello": "world"}
    assert paths(answer) == [["item", "childNn", "childNn", "brittle"]]


async def test_an_error_in_a_list_item_has_the_items_index_in_its_path() -> None:
    answer = await agreed("{ item(n: 1) { children(first: 3) { fragile } } }")
    assert answer["data"] == {
        "item": {
            "children": [{"fragile": "fragile 2"}, {"fragile": None}, {"fragile": "fragile 4"}]
        }
    }
    assert paths(answer) == [["item", "children", 1, "fragile"]]


async def test_a_null_item_of_non_null_items_nulls_the_list() -> None:
    answer = await agreed("{ item(n: 1) { strictHoles number } }")
    assert answer["data"] == {"item": {"strictHoles": None, "number": 1}}
    assert paths(answer) == [["item", "strictHoles", 1]]


async def test_a_null_item_of_a_non_null_list_nulls_the_lists_parent() -> None:
    answer = await agreed("{ item { strictHolesNn } hello }")
    assert answer["data"] == {"item": None, "hello": "world"}
    assert paths(answer) == [["item", "strictHolesNn", 1]]


async def test_a_failing_non_null_root_field_makes_data_null() -> None:
    answer = await agreed("{ hello rootBrittle(fail: true) }")
    assert answer["data"] is None
    assert paths(answer) == [["rootBrittle"]]


async def test_a_failing_async_non_null_root_field_makes_data_null() -> None:
    answer = await agreed("{ asyncItem { slow } rootSlowBrittle(fail: true) { slow } }")
    assert answer["data"] is None
    assert paths(answer) == [["rootSlowBrittle"]]


async def test_errors_beneath_a_nulled_field_are_not_reported() -> None:
    # slowBrittle fails too, but later, inside the item brittle has already nulled.
    answer = await agreed("{ item(n: 4) { slowBrittle brittle } }")
    assert answer["data"] == {"item": None}
    assert paths(answer) == [["item", "brittle"]]


async def test_every_error_of_a_list_is_reported_in_order() -> None:
    answer = await agreed("{ item(n: 2) { odds odd } }")
    assert answer["data"] == {"item": None}
    assert paths(answer) == [["item", "odds", 0], ["item", "odds", 2], ["item", "odd"]]


async def test_mutation_fields_run_one_after_the_other() -> None:
    answer = await agreed(
        'mutation { a: append(label: "a", sleeps: 3) b: append(label: "b")'
        ' c: appendSync(label: "c") }'
    )
    assert answer["data"] == {"a": ["a"], "b": ["a", "b"], "c": ["a", "b", "c"]}


async def test_a_failing_nullable_mutation_field_lets_the_next_ones_run() -> None:
    answer = await agreed(
        'mutation { a: append(label: "a") b: appendFailing(label: "b") c: append(label: "c") }'
    )
    assert answer["data"] == {"a": ["a"], "b": None, "c": ["a", "b", "c"]}
    assert paths(answer) == [["b"]]


async def test_a_failing_non_null_mutation_field_stops_the_next_ones() -> None:
    answer = await agreed(
        'mutation { a: append(label: "a") b: appendFailingNn(label: "b") c: append(label: "c") }'
    )
    assert answer["data"] is None
    assert answer["log"] == ["a", "b"]


async def test_a_variable_that_fails_coercion_runs_nothing() -> None:
    answer = await agreed("query ($n: Int!) { item(n: $n) { number } }", {"n": "x"})
    assert answer["data"] is None
    assert answer["errors"][0]["message"].startswith("Variable '$n' has invalid value")
    assert paths(answer) == [None]


async def test_fields_of_one_response_key_are_merged() -> None:
    answer = await agreed("{ item { a: child { number } a: child { label } } }")
    assert answer["data"] == {"item": {"a": {"number": 2, "label": "«2» ✓"}}}


async def test_a_resolver_sees_its_path_alias_variables_and_types() -> None:
    answer = await agreed(
        "query Named($t: String) { items(ns: [5, 6]) { s: seen(tag: $t) } }", {"t": "hi"}
    )
    seen = json.loads(answer["data"]["items"][1]["s"])
    assert seen["path"] == ["items", 1, "s"]
    assert seen["field"] == "seen"
    assert seen["variables"] == {"t": "hi"}
    assert (seen["parent"], seen["return"], seen["operation"]) == ("Item", "String!", "Named")
    assert seen["selected"] == [{"alias": "s", "arguments": {"tag": "hi"}, "name": "seen"}]


async def test_an_async_generator_completes_a_list_until_it_raises() -> None:
    answer = await agreed("{ item(n: 1) { streamedBroken streamed } }")
    assert answer["data"] == {"item": {"streamedBroken": None, "streamed": [1, 2, 3]}}
    assert paths(answer) == [["item", "streamedBroken"]]


async def test_values_of_the_wrong_type_are_field_errors() -> None:
    answer = await agreed(
        "{ item { wrongNode { id } wrongPet { __typename } wrongObject { number } notAList"
        " wrongInt hugeInt wrongColor returnedError missing } }"
    )
    assert answer["data"] == {"item": None}
    assert [p[-1] for p in paths(answer)] == [
        "wrongNode",
        "wrongPet",
        "wrongObject",
        "notAList",
        "wrongInt",
        "hugeInt",
        "wrongColor",
        "returnedError",
        "missing",
    ]


async def test_a_graphql_error_keeps_its_extensions() -> None:
    answer = await agreed("{ item(n: 3) { coded } }")
    assert answer["errors"][0]["extensions"] == {"code": "TOY", "n": 3}


async def test_an_unknown_operation_name_raises_alike() -> None:
    answer = await agreed("query A { hello } query B { hello }", operation_name="C")
    assert answer == {"raised": "CannotGetOperationTypeError", "message": "C"}


async def test_subscription_events_and_a_failing_source_end_alike() -> None:
    case = Case("subscription { count(to: 4, failAt: 3) { number odd } }")
    events = await subscribe(REFERENCE, case)
    assert_same(case, await subscribe(COMPILED, case), events)
    assert events == [
        {"data": {"count": {"number": 1, "odd": 1}}, "errors": []},
        {
            "data": None,
            "errors": [
                {
                    "message": "Odd cannot represent 2",
                    "locations": [{"line": 1, "column": 49}],
                    "path": ["count", "odd"],
                }
            ],
        },
        {"data": None, "errors": [{"message": "the source broke at 3"}]},
    ]


async def test_object_events_read_in_place_fail_alike_each_way() -> None:
    """A subscription's event is its root field's value, read in place by the plan
    (schema/plan_code.py): an object, a null where one is allowed, a null where one is
    required, and an object of the wrong type answer as graphql-core answers them."""
    for document in (
        "subscription { pals(to: 6) { id number } }",
        "subscription { strictPals(to: 3) { id number } }",
    ):
        case = Case(document)
        events = await subscribe(REFERENCE, case)
        assert_same(case, await subscribe(COMPILED, case), events)
        assert any(e["errors"] for e in events) and any(e["data"] for e in events), events


def plan_of(document: str) -> Any:
    """The compiled toy schema's plan of `document` (no variables)."""
    executor = COMPILED.execution_context_class.build(COMPILED._schema, parse(document))
    assert isinstance(executor, CompiledExecutor)
    return executor._plan()


def test_a_subscriptions_root_field_is_read_as_the_event() -> None:
    (field,) = plan_of("subscription { pals { id } }").root.fields
    assert field.the_event
    assert not plan_of("{ item(n: 1) { id } }").root.fields[0].the_event


async def test_errors_of_async_resolvers_come_in_the_order_they_fail() -> None:
    # Not the document's order: slowFragile waits n % 3 + 1 turns, the others their own.
    answer = await agreed(
        "{ a: item(n: 1) { slowFragile } items(ns: [3, 5]) { slowFragile slowChildren"
        " { slowLabel } } b: asyncItem(n: 7, sleeps: 0) { slowFragile child { slowFragile } } }"
    )
    assert paths(answer) == [
        ["a", "slowFragile"],
        ["items", 0, "slowFragile"],
        ["b", "slowFragile"],
        ["items", 1, "slowFragile"],
        ["items", 1, "slowChildren", 2, "slowLabel"],
    ]
