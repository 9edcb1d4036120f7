"""The contract's enums; their Python values are what the database stores."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry


@strawberry.enum(description="Who may see an entry.")
class Privacy(Enum):
    PUBLIC = strawberry.enum_value("public", description="Visible to everyone, signed in or not.")
    FOLLOWERS = strawberry.enum_value(
        "followers", description="Visible to the author and the author's followers."
    )
    PRIVATE = strawberry.enum_value("private", description="Visible to the author alone.")


@strawberry.enum(description="What kind of entry it is.")
class EntryType(Enum):
    LOGBOOK = strawberry.enum_value(
        "logbook", description="A logbook entry: something that happened."
    )
    DREAM = strawberry.enum_value("dream", description="A dream, as remembered.")


@strawberry.enum(description="A user's role.")
class Role(Enum):
    USER = strawberry.enum_value("user", description="A member.")
    ADMIN = strawberry.enum_value(
        "admin", description="An administrator, who may see and delete any entry."
    )


@strawberry.enum(description="How far back trending looks.")
class TrendingWindow(Enum):
    HOUR = strawberry.enum_value("hour", description="The last hour.")
    DAY = strawberry.enum_value("day", description="The last 24 hours.")
    WEEK = strawberry.enum_value("week", description="The last 7 days.")


E = TypeVar("E", bound=Enum)


def from_db(enum: type[E], value: str) -> E:
    """The member the database's value stands for: a dictionary look-up, where `enum(value)`
    costs a microsecond, three times a row on every page."""
    member: E = enum._value2member_map_[value]  # type: ignore[assignment]
    return member


def db_value(member: Enum) -> str:
    """What the database stores for an enum member."""
    return str(member.value)
