"""A deferred field (schema/deferred.py) is made from its object when first read, once, and
an object built with the field given keeps what it was given."""

from __future__ import annotations

import pytest
import strawberry

from schema.deferred import defer


@strawberry.type
class Pair:
    left: int
    doubled: int
    made: strawberry.Private[list[int]]


def make_doubled(pair: Pair) -> int:
    pair.made.append(pair.left)
    return pair.left * 2


defer(Pair, "doubled", make_doubled)


def bare(left: int) -> Pair:
    pair = Pair.__new__(Pair)
    pair.left, pair.made = left, []
    return pair


def test_a_deferred_field_is_made_when_first_read() -> None:
    pair = bare(3)
    assert pair.made == []
    assert pair.doubled == 6
    assert pair.made == [3]


def test_a_deferred_field_is_made_once() -> None:
    pair = bare(3)
    assert (pair.doubled, pair.doubled) == (6, 6)
    assert pair.made == [3]


def test_a_field_given_at_construction_is_kept() -> None:
    pair = Pair(left=3, doubled=7, made=[])
    assert pair.doubled == 7
    assert pair.made == []


def test_only_a_field_without_a_default_can_be_deferred() -> None:
    @strawberry.type
    class WithDefault:
        value: int = 1

    with pytest.raises(ValueError, match="has a default"):
        defer(WithDefault, "value", lambda _: 2)
    with pytest.raises(ValueError, match="has no field"):
        defer(WithDefault, "other", lambda _: 2)
