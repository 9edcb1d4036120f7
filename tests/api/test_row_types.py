"""Types built from a row (schema.common.built, which skips the dataclass `__init__`) hold
every field of their type, with the value its row gives."""

from __future__ import annotations

from dataclasses import fields
from typing import cast

import asyncpg
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import get_object_definition

from db.columns import EntryShape, UserShape
from db.entries import fetch_entries_by_ids
from db.visibility import ANONYMOUS
from resolvers.ids import encode_id
from schema import row_shapes
from schema.common import InteractionCounts
from schema.entries import Entry
from schema.enums import EntryType, Privacy
from schema.subscriptions import EntryCountsEvent, UserCountsEvent
from schema.users import User
from tests.factories import make_entry, make_user


def field_names(cls: type) -> set[str]:
    """The fields its `__init__` would take (a resolver's field is the class's method)."""
    return {field.name for field in fields(cls) if field.init}


async def test_an_entry_from_its_row_holds_every_field(conn: asyncpg.Connection) -> None:
    author = await make_user(conn)
    stored = await make_entry(conn, author, title="A title", metadata={"mood": 2}, tags=["x"])
    [row] = await fetch_entries_by_ids(conn, ANONYMOUS, [stored["id"]])

    entry = Entry.from_row(row)

    assert set(vars(entry)) == field_names(Entry)
    assert entry.id == encode_id("Entry", stored["id"])
    assert (entry.pk, entry.title, entry.tags) == (stored["id"], "A title", ["x"])
    assert cast(object, entry.metadata) == {"mood": 2}
    assert (entry.type, entry.privacy) == (EntryType.LOGBOOK, Privacy.PUBLIC)
    assert entry == Entry.from_row(row)  # the dataclass's own methods read them all


async def test_an_entrys_author_and_counts_hold_every_field(conn: asyncpg.Connection) -> None:
    author = await make_user(conn, name="Ada")
    stored = await make_entry(conn, author)
    [row] = await fetch_entries_by_ids(conn, ANONYMOUS, [stored["id"]])

    entry = Entry.from_row(row)

    assert set(vars(entry.author)) == field_names(User)
    assert (entry.author.pk, entry.author.name) == (author["id"], "Ada")
    assert set(vars(entry.counts)) == field_names(InteractionCounts)
    assert entry.counts.id() == encode_id("InteractionCounts", stored["id"])
    assert entry.counts.resonance_count == 0


async def test_a_card_row_holds_every_field_no_costly_column_serves(
    conn: asyncpg.Connection,
) -> None:
    """The row shapes' field lists (schema/row_shapes.py) name every field a card row
    leaves out: a new field of a costly column, forgotten there, fails here, not in a
    client's query."""
    author = await make_user(conn)
    stored = await make_entry(conn, author)
    cards = EntryShape(details=False, viewer_flags=False, author=UserShape(False, False, False))
    [row] = await fetch_entries_by_ids(conn, ANONYMOUS, [stored["id"]], cards)
    converter = NameConverter()
    costly = row_shapes.ENTRY_DETAILS | row_shapes.ENTRY_VIEWER_FLAGS
    served = {
        f.python_name
        for f in get_object_definition(Entry, strict=True).fields
        if f.base_resolver is None and converter.get_graphql_name(f) not in costly
    }

    entry = Entry.from_row(row, cards)

    assert served - {"author"} <= set(vars(entry))
    brief = {"id", "username"}
    assert {"pk", *brief} <= set(vars(entry.author)) and "bio" not in vars(entry.author)


def test_counts_events_from_a_change_hold_every_field() -> None:
    entry_change = {
        "id": 7,
        "version": 3,
        "resonance_count": 1,
        "branch_count": 2,
        "amplification_count": 3,
        "share_count": 4,
    }
    entry_event = EntryCountsEvent.from_counts(entry_change)
    assert vars(entry_event).keys() == field_names(EntryCountsEvent)
    assert entry_event.entry_id == encode_id("Entry", 7)
    assert entry_event.counts.share_count == 4
    user_change = {"id": "u", "version": 1, "follower_count": 5, "following_count": 6}
    user_event = UserCountsEvent.from_counts(user_change)
    assert vars(user_event).keys() == field_names(UserCountsEvent)
    assert (user_event.follower_count, user_event.following_count) == (5, 6)
