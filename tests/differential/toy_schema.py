"""A toy schema that exercises every rule of GraphQL execution, with no database behind it.

The differential tests run the same documents through two Strawberry schemas built from these
types, one with the compiled executor and one with graphql-core's own, and compare the answers.
Every resolver is deterministic: its answer depends only on its item's number `n`, its
arguments and the request's context, so two executions of one document may differ only by how
the executor runs them. The numbers decide the behaviour, so a list holds items that succeed
beside items that fail: `odd` cannot serialize an even number, `fragile` raises on multiples of
3, `brittle` (non-null) on multiples of 4, async fields sleep `n % 3` turns of the loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncGenerator, AsyncIterator
from enum import Enum
from typing import Annotated, Any, NewType

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.execution import ExecutionContext
from strawberry.types.nodes import SelectedField

from schema.compiled_executor import CompiledExecutor


async def turns(count: int) -> None:
    """Yield to the loop `count` times, so async resolvers finish in an interleaved order."""
    for _ in range(count):
        await asyncio.sleep(0)


def _serialize_odd(value: object) -> int:
    """Odd numbers only: an even one fails as it is serialized (a field error)."""
    if not isinstance(value, int) or value % 2 == 0:
        raise ValueError(f"Odd cannot represent {value!r}")
    return value


def _parse_odd(value: object) -> int:
    """Odd integers only: anything else fails variable and literal coercion."""
    if not isinstance(value, int) or isinstance(value, bool) or value % 2 == 0:
        raise ValueError(f"Odd cannot parse {value!r}")
    return value


Odd = NewType("Odd", int)
ODD = strawberry.scalar(
    name="Odd",
    description="An odd integer; serializing an even one is an error.",
    serialize=_serialize_odd,
    parse_value=_parse_odd,
)


@strawberry.enum
class Color(Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


def _plain(value: Any) -> Any:
    """An argument's value as plain JSON data (enums by name, inputs as dicts)."""
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is strawberry.UNSET:
        return "UNSET"
    return value


def _dump(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, default=repr)


@strawberry.input
class Filter:
    color: Color | None = None
    minimum: int = 0
    words: list[str] | None = None
    odd: Odd | None = None
    inner: Filter | None = None


@strawberry.interface
class Node:
    id: strawberry.ID
    name: str


@strawberry.type
class Rock:
    """Implements nothing: returned where a Node or an Item is declared, it is a field error."""

    weight: float


@strawberry.type
class Cat(Node):
    lives: int

    @strawberry.field
    def meow(self, loud: bool = False, times: int = 1) -> str:
        word = "MEOW" if loud else "meow"
        return " ".join([word] * max(0, min(times, 5)))

    @strawberry.field
    async def friend(self) -> Node | None:
        await turns(self.lives % 3)
        if self.lives % 2:
            return Dog(id=strawberry.ID(f"D{self.lives}"), name=f"dog{self.lives}", good=True)
        return None


@strawberry.type
class Dog(Node):
    good: bool

    @strawberry.field
    async def bark(self) -> str:
        await turns(2)
        if not self.good:
            raise ValueError(f"{self.name} will not bark")
        return "woof"

    @strawberry.field
    def owner(self) -> Item | None:
        return Item(n=len(self.name))


@strawberry.type
class Pal(Node):
    """Read from an Item's attributes, not returned by a resolver: the compiled executor runs
    its plan in place (schema/plan_code.py), so every way that can go wrong is here."""

    @strawberry.field
    def shaky(self) -> int | None:
        if len(self.name) % 2:
            raise ValueError(f"{self.name} is shaky")
        return len(self.name)

    @strawberry.field
    def sturdy(self) -> int:
        """Non-null, and failing for some: the error nulls the pal, or what holds it."""
        if len(self.name) % 4 == 0:
            raise ValueError(f"{self.name} is not sturdy")
        return len(self.name)

    @strawberry.field
    async def later(self) -> str:
        await turns(1)
        return self.name.upper()


def _pal(n: int) -> Pal:
    return Pal(id=strawberry.ID(f"P{n}"), name="pal" + "l" * (n % 4))


def _node(n: int) -> Node:
    """Item, Cat or Dog by `n`: every implementation of the interface turns up."""
    if n % 3 == 0:
        return Item(n=n)
    if n % 3 == 1:
        return Cat(id=strawberry.ID(f"C{n}"), name=f"cat{n}", lives=n % 9)
    return Dog(id=strawberry.ID(f"D{n}"), name=f"dog{n}", good=n % 4 != 2)


async def _count_up(start: int, stop: int, fail_at: int | None = None) -> AsyncIterator[int]:
    for i in range(start, stop):
        await turns(1)
        if i == fail_at:
            raise ValueError(f"stream broke at {i}")
        yield i


@strawberry.type
class Item(Node):
    """Everything a field can do, by the item's number `n`."""

    n: strawberry.Private[int]
    # Objects in plain attributes: a pal always, sometimes none, none where one is required,
    # a Rock where a Pal is declared, and a read that raises (__getattr__).
    pal: Pal
    maybe_pal: Pal | None
    strict_pal: Pal
    rock_pal: Pal | None
    # A Pal cast to another type (strawberry.cast): Strawberry's check refuses it as a Pal.
    cast_pal: Pal | None
    broken_pal: Pal | None
    pals: list[Pal | None]
    strict_pals: list[Pal] | None

    def __init__(self, n: int) -> None:
        self.n = n
        self.id = strawberry.ID(f"I{n}")
        self.name = f"item{n}"
        self.pal = _pal(n)
        self.maybe_pal = None if n % 3 == 0 else _pal(n + 1)
        self.strict_pal = None if n % 4 == 0 else _pal(n + 2)  # type: ignore[assignment]
        self.rock_pal = Rock(weight=n) if n % 5 == 0 else _pal(n + 3)  # type: ignore[assignment]
        self.cast_pal = strawberry.cast(Cat, _pal(n + 5)) if n % 2 else _pal(n + 5)
        # Lists of them: a null, a Rock, a cast pal, pals that fail inside (sturdy) among good
        # ones.
        self.pals = [
            _pal(n),
            None,
            _pal(n + 1),
            Rock(weight=n),  # type: ignore[list-item]
            strawberry.cast(Cat, _pal(n + 2)),
            _pal(n + 3),
        ]
        self.strict_pals = [_pal(n + i) for i in range(n % 3 + 1)]

    def __getattr__(self, name: str) -> Any:
        if name == "broken_pal":
            if self.n % 2:
                raise ValueError(f"no pal for {self.n}")
            return _pal(self.n + 4)
        raise AttributeError(name)

    # Leaves of every built-in kind, an enum and the custom scalar.
    @strawberry.field
    def number(self) -> int:
        return self.n

    @strawberry.field
    def ratio(self) -> float:
        return self.n / 4

    @strawberry.field
    def label(self) -> str:
        return f"«{self.n}» ✓"

    @strawberry.field
    def flag(self) -> bool:
        return self.n % 2 == 0

    @strawberry.field
    def key(self) -> strawberry.ID:
        return strawberry.ID(str(self.n * 7))

    @strawberry.field
    def color(self) -> Color:
        return list(Color)[self.n % 3]

    @strawberry.field
    def maybe(self) -> int | None:
        return None if self.n % 3 == 0 else self.n

    @strawberry.field
    def odd(self) -> Odd:
        return Odd(self.n)

    @strawberry.field
    def odd_maybe(self) -> Odd | None:
        return Odd(self.n)

    # Wrong types for leaves.
    @strawberry.field
    def wrong_int(self) -> int | None:
        return f"not {self.n}"  # type: ignore[return-value]

    @strawberry.field
    def huge_int(self) -> int | None:
        return 2**40 + self.n

    @strawberry.field
    def wrong_color(self) -> Color | None:
        return "PURPLE"  # type: ignore[return-value]

    # Lists: nullable and non-null items, holes, nesting.
    @strawberry.field
    def numbers(self) -> list[int]:
        return [self.n, self.n + 1, self.n + 2]

    @strawberry.field
    def holes(self) -> list[int | None]:
        return [self.n, None, self.n + 2]

    @strawberry.field
    def strict_holes(self) -> list[int] | None:
        """A None where items are non-null: the error nulls the whole list."""
        return [self.n, None, self.n + 2]  # type: ignore[list-item]

    @strawberry.field
    def strict_holes_nn(self) -> list[int]:
        """As strict_holes, but the list is non-null too: the item's parent is nulled."""
        return [self.n, None]  # type: ignore[list-item]

    @strawberry.field
    def matrix(self) -> list[list[int | None] | None]:
        return [[self.n, None], None, [self.n * 2]]

    @strawberry.field
    def odds(self) -> list[Odd | None]:
        return [Odd(self.n + i) for i in range(3)]

    @strawberry.field
    def not_a_list(self) -> list[int] | None:
        return self.n  # type: ignore[return-value]

    @strawberry.field
    def streamed(self) -> list[int]:
        """An async generator where a list is declared."""
        return _count_up(self.n, self.n + 3)  # type: ignore[return-value]

    @strawberry.field
    def streamed_broken(self) -> list[int] | None:
        """An async generator that raises after its first item."""
        return _count_up(self.n, self.n + 3, fail_at=self.n + 1)  # type: ignore[return-value]

    @strawberry.field
    def awaited_items(self) -> list[int | None]:
        """A list of awaitables, one of which raises."""

        async def item(i: int) -> int:
            await turns(i % 3)
            if i % 5 == 0:
                raise ValueError(f"item {i} failed")
            return i

        return [item(self.n + i) for i in range(3)]  # type: ignore[misc]

    # Objects, nested; nullable and non-null.
    @strawberry.field
    def child(self, fail: bool = False) -> Item | None:
        if fail:
            raise ValueError(f"no child for {self.n}")
        return Item(n=self.n + 1)

    @strawberry.field
    def child_nn(self) -> Item:
        return Item(n=self.n + 2)

    @strawberry.field
    def children(self, first: int = 2) -> list[Item]:
        if first < 0:
            raise GraphQLError(
                "first must not be negative", extensions={"code": "BAD_FIRST", "first": first}
            )
        return [Item(n=self.n * 2 + i) for i in range(min(first, 3))]

    @strawberry.field
    def children_maybe(self) -> list[Item | None] | None:
        return [Item(n=self.n + 3), None, Item(n=self.n + 4)]

    @strawberry.field
    async def async_child(self, sleeps: int = 1) -> Item | None:
        await turns(max(0, min(sleeps, 5)))
        return Item(n=self.n + 5)

    @strawberry.field
    def wrong_object(self) -> Item | None:
        return Rock(weight=1.5)  # type: ignore[return-value]

    # Abstract types.
    @strawberry.field
    def node(self) -> Node:
        return _node(self.n)

    @strawberry.field
    def nodes(self) -> list[Node | None]:
        return [_node(self.n + i) for i in range(3)]

    @strawberry.field
    def wrong_node(self) -> Node | None:
        return Rock(weight=2.5)  # type: ignore[return-value]

    @strawberry.field
    def pet(self) -> Pet | None:
        node = _node(self.n + 1)
        return node if not isinstance(node, Item) else None  # type: ignore[return-value]

    @strawberry.field
    def results(self) -> list[SearchResult]:
        return [_node(self.n + i) for i in range(3)]  # type: ignore[misc]

    @strawberry.field
    def wrong_pet(self) -> Pet | None:
        return Item(n=self.n)  # type: ignore[return-value]

    # Failures, sync and async.
    @strawberry.field
    def fragile(self) -> str | None:
        if self.n % 3 == 0:
            raise ValueError(f"fragile {self.n} broke")
        return f"fragile {self.n}"

    @strawberry.field
    def brittle(self) -> str:
        if self.n % 4 == 0:
            raise ValueError(f"brittle {self.n} broke")
        return f"brittle {self.n}"

    @strawberry.field
    def coded(self) -> str | None:
        raise GraphQLError("coded failure", extensions={"code": "TOY", "n": self.n})

    @strawberry.field
    def returned_error(self) -> str | None:
        return ValueError(f"returned, not raised, by {self.n}")  # type: ignore[return-value]

    @strawberry.field
    def missing(self) -> str:
        """Non-null, yet None."""
        return None  # type: ignore[return-value]

    @strawberry.field
    async def slow(self) -> int:
        await turns(self.n % 3)
        return self.n

    @strawberry.field
    async def slow_fragile(self) -> int | None:
        await turns(self.n % 3 + 1)
        if self.n % 2:
            raise ValueError(f"slow fragile {self.n} broke")
        return self.n

    @strawberry.field
    async def slow_brittle(self) -> int:
        await turns((self.n + 1) % 3)
        if self.n % 3 == 1:
            raise ValueError(f"slow brittle {self.n} broke")
        return self.n

    @strawberry.field
    async def slow_label(self) -> str | None:
        await turns(self.n % 4)
        if self.n % 5 == 2:
            raise GraphQLError(f"slow label {self.n} broke", extensions={"n": self.n})
        return f"slow {self.n}"

    @strawberry.field
    async def slow_node(self) -> Node | None:
        await turns((self.n * 7) % 4)
        return _node(self.n + 2)

    @strawberry.field
    async def slow_children(self) -> list[Item | None]:
        await turns(self.n % 2)
        return [Item(n=self.n * 3 + i) for i in range(3)]

    # Arguments and what the resolver sees.
    @strawberry.field
    def echo(
        self,
        i: int = 1,
        f: float | None = None,
        s: str = "x",
        b: bool = False,
        color: Color = Color.RED,
        key: strawberry.ID | None = None,
        filter: Filter | None = None,
        ints: list[int | None] | None = None,
        odd: Odd | None = None,
    ) -> str:
        return _dump(
            {
                "i": i,
                "f": f,
                "s": s,
                "b": b,
                "color": color,
                "key": key,
                "filter": filter,
                "ints": ints,
                "odd": odd,
            }
        )

    @strawberry.field
    def seen(self, info: strawberry.Info, tag: str = "") -> str:
        """What the resolver is told: path, field, variables, types, selection."""
        raw = info._raw_info
        return _dump(
            {
                "tag": tag,
                "path": info.path.as_list(),
                "field": info.field_name,
                "parent": str(raw.parent_type),
                "return": str(raw.return_type),
                "variables": info.variable_values,
                "operation": info.operation.name.value if info.operation.name else None,
                "selected": [
                    {"name": s.name, "alias": s.alias, "arguments": s.arguments}
                    for s in info.selected_fields
                    if isinstance(s, SelectedField)
                ],
                "nodes": len(raw.field_nodes),
            }
        )


Pet = Annotated[Cat | Dog, strawberry.union("Pet")]
SearchResult = Annotated[Cat | Dog | Item, strawberry.union("SearchResult")]


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def item(self, n: int = 1) -> Item | None:
        return Item(n=n)

    @strawberry.field
    def items(self, ns: list[int] | None = None) -> list[Item]:
        return [Item(n=n) for n in (ns if ns is not None else [1, 2])]

    @strawberry.field
    async def async_item(self, n: int = 4, sleeps: int = 2) -> Item:
        await turns(max(0, min(sleeps, 5)))
        return Item(n=n)

    @strawberry.field
    def node(self, id: strawberry.ID) -> Node | None:
        digits = "".join(c for c in str(id) if c.isdigit())
        return _node(int(digits)) if digits else None

    @strawberry.field
    def pets(self) -> list[Pet]:
        return [_node(1), _node(2), _node(4)]  # type: ignore[list-item]

    @strawberry.field
    def search(self, filter: Filter | None = None) -> list[SearchResult]:
        start = filter.minimum if filter else 0
        return [_node(start + i) for i in range(3)]  # type: ignore[misc]

    @strawberry.field
    def rock(self) -> Rock:
        return Rock(weight=3.25)

    @strawberry.field
    def root_brittle(self, fail: bool = False) -> str:
        """A non-null root field that fails when asked: the whole data is null."""
        if fail:
            raise ValueError("the root broke")
        return "unbroken"

    @strawberry.field
    async def root_slow_brittle(self, fail: bool = False) -> Item:
        await turns(2)
        if fail:
            raise ValueError("the slow root broke")
        return Item(n=6)


def _log(info: strawberry.Info) -> list[str]:
    log: list[str] = info.context["log"]
    return log


@strawberry.type
class Mutation:
    """Fields that must run one after the other: each appends to the request's log and
    returns it, so the answer shows the order they ran in."""

    @strawberry.mutation
    async def append(self, info: strawberry.Info, label: str, sleeps: int = 0) -> list[str]:
        await turns(max(0, min(sleeps, 5)))
        _log(info).append(label)
        return list(_log(info))

    @strawberry.mutation
    def append_sync(self, info: strawberry.Info, label: str) -> list[str]:
        _log(info).append(label)
        return list(_log(info))

    @strawberry.mutation
    async def append_failing(self, info: strawberry.Info, label: str) -> list[str] | None:
        await turns(1)
        _log(info).append(label)
        raise ValueError(f"failed after appending {label}")

    @strawberry.mutation
    async def append_failing_nn(self, info: strawberry.Info, label: str) -> list[str]:
        await turns(1)
        _log(info).append(label)
        raise ValueError(f"failed (non-null) after appending {label}")

    @strawberry.mutation
    async def append_item(self, info: strawberry.Info, label: str) -> Item:
        await turns(1)
        _log(info).append(label)
        return Item(n=len(_log(info)))


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self, to: int = 3, fail_at: int | None = None) -> AsyncGenerator[Item, None]:
        for n in range(1, max(0, min(to, 6)) + 1):
            await turns(n % 2)
            if n == fail_at:
                raise ValueError(f"the source broke at {n}")
            yield Item(n=n)

    @strawberry.subscription
    async def pals(self, to: int = 4) -> AsyncGenerator[Item | None, None]:
        """Events of an object type, each way one can be: an Item, none, a Rock."""
        for n in range(1, max(0, min(to, 6)) + 1):
            await turns(1)
            yield Item(n=n) if n % 3 == 1 else None if n % 3 == 2 else Rock(weight=n)  # type: ignore[misc]

    @strawberry.subscription
    async def strict_pals(self, to: int = 3) -> AsyncGenerator[Item, None]:
        """Events of a required object type, the second none."""
        for n in range(1, max(0, min(to, 6)) + 1):
            await turns(1)
            yield None if n == 2 else Item(n=n)  # type: ignore[misc]

    @strawberry.subscription
    async def ticks(self, to: int = 3) -> AsyncGenerator[int | None, None]:
        for n in range(max(0, min(to, 6))):
            await turns(1)
            yield None if n == 1 else n


class QuietSchema(strawberry.Schema):
    """Errors are the result under test, not something to log."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        pass


def toy_schema(executor: type[StrawberryGraphQLCoreExecutionContext]) -> QuietSchema:
    return QuietSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Item, Cat, Dog, Rock],
        execution_context_class=executor,
        config=StrawberryConfig(scalar_map={Odd: ODD}),
    )


# The schema under test and the reference it must agree with.
COMPILED = toy_schema(CompiledExecutor)
REFERENCE = toy_schema(StrawberryGraphQLCoreExecutionContext)
