"""Fields of a Strawberry type whose values are made only when a query reads them.

A page's edges and their cursors, say, cost microseconds a row, and most queries ask for
`nodes` alone. `defer(Type, "edges", make)` keeps the field as Strawberry declared it (its
GraphQL type, its description) and makes its value from the object on first read, kept
for later reads. An object built with the field given (its `__init__`) holds that value
instead: the instance's own attribute wins over a non-data descriptor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Deferred(Generic[T]):
    """A non-data descriptor: `make(obj)` on the first read, then the instance's own value."""

    def __init__(self, name: str, make: Callable[[Any], T]) -> None:
        self.name, self.make = name, make

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.make(obj)
        return value


def defer(cls: type, name: str, make: Callable[[Any], Any]) -> None:
    """Make the field `name` of the Strawberry type `cls` (and its subclasses) on first read."""
    if name not in {field.name for field in fields(cls)}:
        raise ValueError(f"{cls.__name__} has no field {name}")
    if name in cls.__dict__:  # a default would be replaced, silently
        raise ValueError(f"{cls.__name__}.{name} has a default: it cannot be deferred")
    setattr(cls, name, Deferred(name, make))
