"""What every domain's types share: `Info`, the Node interface, and an entry's counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import strawberry

from resolvers.context import Context
from resolvers.ids import encode_id

# What a resolver's `info` argument is, in every module of the schema.
Info = strawberry.Info[Context, None]

T = TypeVar("T")


def built(cls: type[T], values: dict[str, Any]) -> T:
    """An instance of the Strawberry type `cls` holding `values`, every field's, without the
    dataclass `__init__`: binding its sixteen keyword arguments costs a microsecond, for each
    row of every page (tests/api/test_row_types.py checks that every field is given)."""
    instance = cls.__new__(cls)
    instance.__dict__ = values
    return instance


@strawberry.interface(description="An object with a global id: `node(id:)` fetches any of them.")
class Node:
    id: strawberry.ID = strawberry.field(description="The object's opaque global id.")


@strawberry.type(
    description=(
        "An entry's counters, kept exact by the database. Its `id` is the counters' own, "
        "the same wherever they are read (an entry, a mutation's answer, a live event): "
        "selected, it lets a client's cache merge partial selections of them into one."
    )
)
class InteractionCounts:
    # Resolver fields whose answer is plain data all the same (schema/shared_events.py).
    plain_resolvers: ClassVar[frozenset[str]] = frozenset({"id"})

    entry_pk: strawberry.Private[int]
    resonance_count: int = strawberry.field(description="How many users resonate with it.")
    branch_count: int = strawberry.field(description="How many branches (replies) it has.")
    amplification_count: int = strawberry.field(description="How many users amplified it.")
    share_count: int = strawberry.field(description="How many times it was shared.")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> InteractionCounts:
        """The counts of an entry row, a snapshot or a notification: the same column names."""
        return built(
            cls,
            {
                "entry_pk": row["id"],
                "resonance_count": row["resonance_count"],
                "branch_count": row["branch_count"],
                "amplification_count": row["amplification_count"],
                "share_count": row["share_count"],
            },
        )

    @strawberry.field(description="The counters' identity for a client's cache (not a node's id).")
    def id(self) -> strawberry.ID:
        """Made when selected: a page builds twenty counts and seldom asks their id (made
        for each, its base64 was 40,000 instructions of the list page's 2.2 million)."""
        return strawberry.ID(encode_id("InteractionCounts", self.entry_pk))
