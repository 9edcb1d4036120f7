"""Generated documents over the toy schema: the compiled executor answers as graphql-core does.

Each example runs one request through both schemas (tests/differential/toy_schema.py) and
compares what the client would get: data, errors (message, locations, path, extensions, in
order) and, for mutations, the order the fields ran in; for subscriptions, every event's
result and how the stream ended.

The runs are derandomized, so CI tries the same examples every time (a few hundred, some
seconds). `DIFF_EXAMPLES=5000` tries that many new examples instead, for a longer hunt. A
failure shows the document as it was drawn; `DIFF_SHRINK=1` has Hypothesis shrink it to a
small one first (minutes: every try runs both executors).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings

from tests.differential.compare import assert_same, execute, subscribe
from tests.differential.documents import Case, cases
from tests.differential.toy_schema import COMPILED, REFERENCE

EXAMPLES = os.environ.get("DIFF_EXAMPLES")
DIFF = settings(
    max_examples=int(EXAMPLES or 400),
    deadline=None,
    database=None,
    derandomize=EXAMPLES is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate]
    + ([Phase.shrink] if os.environ.get("DIFF_SHRINK") else []),
)
QUERY_KINDS = ("query", "mutation", "query", "mutation", "subscription")


def outcome(answer: dict[str, Any]) -> str:
    """How a request ended: ran (some data), refused (no data: invalid, or a variable
    failed coercion, or a non-null root field failed) or raised."""
    if "raised" in answer:
        return "raised"
    return "ran" if answer["data"] is not None else "refused"


async def both(case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    return await execute(COMPILED, case), await execute(REFERENCE, case)


async def both_subscribed(case: Case) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return await subscribe(COMPILED, case), await subscribe(REFERENCE, case)


def test_generated_documents_answer_alike() -> None:
    seen: Counter[str] = Counter()

    @DIFF
    @given(case=cases(REFERENCE._schema, QUERY_KINDS))
    def check(case: Case) -> None:
        compiled, reference = asyncio.run(both(case))
        assert_same(case, compiled, reference)
        seen[outcome(reference)] += 1
        seen["field errors"] += any("path" in e for e in reference.get("errors", []))
        seen["mutations"] += bool(reference.get("log"))

    check()
    total = seen["ran"] + seen["refused"] + seen["raised"]
    # The comparison is only worth something if most documents run, and some fail in places.
    assert seen["ran"] > total * 0.4, seen
    assert seen["field errors"] > total / 4, seen
    assert seen["mutations"] > total / 20, seen
    assert seen["refused"] > total / 20, seen


def test_generated_subscriptions_yield_alike() -> None:
    seen: Counter[str] = Counter()

    @settings(DIFF, max_examples=max(1, DIFF.max_examples // 4))
    @given(case=cases(REFERENCE._schema, ("subscription",)))
    def check(case: Case) -> None:
        compiled, reference = asyncio.run(both_subscribed(case))
        assert_same(case, compiled, reference)
        seen["events"] += sum("data" in event and event["data"] is not None for event in reference)

    check()
    assert seen["events"] > 0, seen


PALS = "{ id name shaky sturdy later }"
OBJECTS_IN_ATTRIBUTES = [
    # Every way an object held in an attribute can go: present, null, null where required,
    # of the wrong type, a read that raises; with a field that raises and one awaited inside.
    f"{{ items(ns: [1, 2, 3, 4, 5, 6, 20]) {{ n: id pal {PALS} maybePal {PALS} }} }}",
    f"{{ items(ns: [1, 4, 8]) {{ id strictPal {PALS} }} }}",
    f"{{ item(n: 4) {{ id strictPal {PALS} }} }}",
    "{ items(ns: [5, 6, 10]) { id rockPal { id } } }",
    "{ items(ns: [1, 2]) { id castPal { id name } pals { id } } }",
    f"{{ items(ns: [1, 2, 3]) {{ id brokenPal {PALS} }} }}",
    "{ asyncItem(n: 8) { strictPal { id } childNn { strictPal { later } } } }",
    f"{{ items(ns: [1, 2]) {{ id pals {PALS} }} }}",
    f"{{ items(ns: [0, 1, 2]) {{ id strictPals {PALS} }} }}",
]


def test_objects_held_in_attributes_answer_alike() -> None:
    """The compiled executor runs these objects' plans in place (schema/plan_code.py)."""
    errors = 0
    for document in OBJECTS_IN_ATTRIBUTES:
        case = Case(document)
        compiled, reference = asyncio.run(both(case))
        assert_same(case, compiled, reference)
        errors += len(reference.get("errors", []))
    assert errors >= len(OBJECTS_IN_ATTRIBUTES) - 1  # all but the first fail somewhere
