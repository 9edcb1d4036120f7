"""Which columns a page of entries needs, from what its field selects (db/columns.py's shapes).

An entry row carries 33 columns; a list of cards reads a dozen. The costlier ones (the
entry's details, its two EXISTS about the viewer, the author's card (name and avatar), the
rest of its profile, and its two EXISTS) are read only when the selection can reach a field
that shows them. The walk takes every
fragment and inline fragment as applying and ignores `@include`/`@skip`: the shape is a
superset of what any set of variables selects, so it depends on the document alone and is
worked out once per field node (kept as long as the node: documents are cached). A field
that needs a column the shape left out would be an error, never a wrong answer
(schema/users.py's from_row).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from db.columns import EntryShape, UserShape

# The fields a User answers from its id and username alone (the lists under a user read by
# its id); `__typename` needs nothing.
USER_BRIEF = frozenset({"id", "username", "__typename", "entries", "followers", "following"})
USER_VIEWER_FLAGS = frozenset({"viewerIsFollowing", "followsViewer"})
USER_CARD = frozenset({"name", "avatar"})
ENTRY_VIEWER_FLAGS = frozenset({"viewerHasResonated", "viewerHasAmplified"})
ENTRY_DETAILS = frozenset({"type", "agent", "privacy", "tags", "metadata", "updatedAt"})

# How a connection reaches its items: through `nodes`, or `edges` then `node`.
CONNECTION = {"nodes": "item", "edges": "edge"}
EDGE = {"node": "item"}

Fragments = Mapping[str, FragmentDefinitionNode]

_shapes: dict[tuple[Any, ...], tuple[list[weakref.ref[FieldNode]], Any]] = {}


def page_shape(info: Any) -> EntryShape:
    """The shape of the entries of a connection field (`entries`, `feed`, `branches`): the
    strawberry Info of its resolver."""
    shape: EntryShape = _cached(info, "entry page", _entry_page)
    return shape


def entries_shape(info: Any) -> EntryShape:
    """The shape of a field whose value is an entry or a list of them (`ancestors`)."""
    shape: EntryShape = _cached(info, "entries", _entries)
    return shape


def amplifier_shape(info: Any) -> UserShape | None:
    """The shape of the users who amplified a feed page's entries (`feed`'s `edges { reason
    { amplifiedBy } }`); None when the selection never reaches them."""
    shape: UserShape | None = _cached(info, "amplifier", _amplifier)
    return shape


def users_page_shape(info: Any) -> UserShape:
    """The shape of the users of a connection field (`resonators`, `followers`)."""
    shape: UserShape = _cached(info, "user page", _user_page)
    return shape


def _cached(info: Any, kind: str, work_out: Callable[[list[FieldNode], Fragments], Any]) -> Any:
    """`work_out(field nodes, fragments)`, once per set of field nodes (a resolver of a list
    under a list asks for every item: this is the common way, kept short)."""
    raw = info._raw_info
    nodes: list[FieldNode] = raw.field_nodes
    key = (kind, id(nodes[0])) if len(nodes) == 1 else (kind, *map(id, nodes))
    known = _shapes.get(key)
    if known is not None:
        refs, shape = known
        if len(refs) == 1:
            if refs[0]() is nodes[0]:
                return shape
        elif all(ref() is node for ref, node in zip(refs, nodes, strict=True)):
            return shape
    shape = work_out(nodes, raw.fragments)
    _shapes[key] = ([weakref.ref(node) for node in nodes], shape)
    weakref.finalize(nodes[0], _shapes.pop, key, None)
    return shape


def _entry_page(nodes: list[FieldNode], fragments: Fragments) -> EntryShape:
    return _entry_shape(
        list(_through(_fields_of(nodes, fragments), CONNECTION, fragments)), fragments
    )


def _entries(nodes: list[FieldNode], fragments: Fragments) -> EntryShape:
    return _entry_shape(list(_fields_of(nodes, fragments)), fragments)


def _user_page(nodes: list[FieldNode], fragments: Fragments) -> UserShape:
    return _user_shape(list(_through(_fields_of(nodes, fragments), CONNECTION, fragments)))


def _amplifier(nodes: list[FieldNode], fragments: Fragments) -> UserShape | None:
    reasons = _named(_through(_fields_of(nodes, fragments), {"edges": "item"}, fragments), "reason")
    amplifiers = _named(_fields_of(reasons, fragments), "amplifiedBy")
    if not amplifiers:
        return None
    return _user_shape(list(_fields_of(amplifiers, fragments)))


def _named(fields: Iterable[FieldNode], name: str) -> list[FieldNode]:
    return [field for field in fields if field.name.value == name]


def _entry_shape(entry_fields: list[FieldNode], fragments: Fragments) -> EntryShape:
    names = {field.name.value for field in entry_fields}
    authors = _named(entry_fields, "author")
    return EntryShape(
        details=bool(names & ENTRY_DETAILS),
        viewer_flags=bool(names & ENTRY_VIEWER_FLAGS),
        author=_user_shape(list(_fields_of(authors, fragments))),
        created="createdAt" in names,
    )


def _user_shape(user_fields: list[FieldNode]) -> UserShape:
    names = {field.name.value for field in user_fields}
    return UserShape(
        profile=bool(names - USER_BRIEF - USER_VIEWER_FLAGS - USER_CARD),
        viewer_flags=bool(names & USER_VIEWER_FLAGS),
        card=bool(names & USER_CARD),
    )


def _through(
    fields: Iterable[FieldNode], route: Mapping[str, str], fragments: Fragments
) -> Iterator[FieldNode]:
    """The item-level fields reached from a connection's (or an edge's) fields."""
    for field in fields:
        step = route.get(field.name.value)
        if step == "item":
            yield from _fields_of([field], fragments)
        elif step == "edge":
            yield from _through(_fields_of([field], fragments), EDGE, fragments)


def _fields_of(nodes: Iterable[FieldNode], fragments: Fragments) -> Iterator[FieldNode]:
    """The fields selected under `nodes`, every fragment taken as applying."""
    for node in nodes:
        if node.selection_set is not None:
            yield from _selected(node.selection_set, fragments, set())


def _selected(
    selection_set: SelectionSetNode, fragments: Fragments, seen: set[str]
) -> Iterator[FieldNode]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _selected(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # validation forbids cycles
                yield from _selected(fragment.selection_set, fragments, seen | {name})
