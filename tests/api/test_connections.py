"""Every list's page types come from one generic Connection/Edge, worded for their items."""

from __future__ import annotations

from schema import schema
from schema.connections import Connection, Edge
from schema.entries import EntryConnection, EntryEdge
from schema.users import UserConnection, UserEdge


def descriptions() -> dict[str, str]:
    """Every description of the served schema, by where it is."""
    found: dict[str, str] = {}
    for name, type_ in schema._schema.type_map.items():
        found[name] = type_.description or ""
        for field_name, field in getattr(type_, "fields", {}).items():
            found[f"{name}.{field_name}"] = field.description or ""
    return found


def test_no_description_keeps_a_placeholder_of_the_generic() -> None:
    assert {where: text for where, text in descriptions().items() if "{" in text} == {}


def test_each_list_names_its_own_items() -> None:
    found = descriptions()
    assert found["EntryConnection"] == "A page of entries."
    assert found["UserConnection"] == "A page of users."
    assert found["EntryEdge.node"] == "The entry."
    assert found["UserEdge.node"] == "The user."


def test_the_page_types_are_the_generic_ones() -> None:
    assert issubclass(EntryConnection, Connection) and issubclass(UserConnection, Connection)
    assert issubclass(EntryEdge, Edge) and issubclass(UserEdge, Edge)
    assert EntryConnection.edge_type is EntryEdge and UserConnection.edge_type is UserEdge
