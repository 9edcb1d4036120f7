"""Strawberry types and the root Query, Mutation and Subscription, composed into one schema."""

from __future__ import annotations

from datetime import datetime

from strawberry.scalars import JSON

from schema.builtin_scalars import refuse_unusable_input
from schema.compiled_executor import CompiledSharedEventExecutor
from schema.date_time import DATE_TIME_SCALAR
from schema.deadline import Deadline
from schema.entries import Entry
from schema.json_scalar import JSON_SCALAR
from schema.limits import DocumentLimits, Limits
from schema.mutations import Mutation
from schema.query import Query
from schema.rate_budget import RateBudget
from schema.resonance_schema import ResonanceSchema
from schema.shared_events import SharedEventExecutor
from schema.subscriptions import Subscription
from schema.users import User


def build_schema(
    *,
    max_depth: int | None = None,
    max_aliases: int | None = None,
    max_tokens: int | None = None,
    max_cost: int | None = None,
    rate_budget: RateBudget | None = None,
    deadline_seconds: float | None = None,
    compiled: bool = True,
) -> ResonanceSchema:
    """The schema, refusing documents over the given limits (BAD_USER_INPUT) and operations
    the client's rate budget cannot pay for (RATE_LIMITED), and ending queries and mutations
    that run past `deadline_seconds` (TIMEOUT); None is no such limit. Parsed and validated
    documents are cached by their text (schema/limits.py). Operations run by plans compiled
    once per document (schema/compiled_executor.py), or with `compiled=False` by
    graphql-core's generic execution, the reference the differential tests compare with."""
    refuse_unusable_input()
    limits = Limits(
        max_depth=max_depth,
        max_aliases=max_aliases,
        max_tokens=max_tokens,
        max_cost=max_cost,
        rate_budget=rate_budget,
    )
    extensions: list[object] = [lambda: DocumentLimits(limits)]
    if deadline_seconds:
        extensions.append(lambda: Deadline(seconds=deadline_seconds))
    schema = ResonanceSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Entry, User],
        extensions=extensions,  # type: ignore[arg-type]
        execution_context_class=CompiledSharedEventExecutor if compiled else SharedEventExecutor,
        scalar_overrides={JSON: JSON_SCALAR, datetime: DATE_TIME_SCALAR},
    )
    schema.limits = limits
    schema.deadline_seconds = deadline_seconds or None
    return schema


# The schema as code defines it, for `make schema` and tests; the server builds its own with
# the configured limits.
schema = build_schema()
