"""The Entry type, its pages (EntryConnection of EntryEdges), and the entries filter."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from db.columns import FULL_ENTRY, EntryShape
from resolvers import entries as resolve
from resolvers.ids import encode_id
from resolvers.pagination import DEFAULT_FIRST, counted_page
from schema.common import Info, InteractionCounts, Node, built
from schema.connections import After, Before, Connection, Edge, First, Last, Noun, worded
from schema.enums import EntryType, Privacy, from_db
from schema.json_scalar import UNSENDABLE_RULE
from schema.row_shapes import entries_shape, page_shape, users_page_shape
from schema.users import User, UserConnection

ENTRIES = Noun("entry", "entries", "An")


@strawberry.type(
    description="A post: a logbook entry or a dream. A branch is an entry with a parent."
)
class Entry(Node):
    pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]
    author: User = strawberry.field(description="Who wrote it.")
    type: EntryType = strawberry.field(description="LOGBOOK or DREAM.")
    agent: str | None = strawberry.field(
        description="What wrote it on the author's behalf, if anything."
    )
    title: str | None = strawberry.field(description="An optional title, up to 300 characters.")
    content: str = strawberry.field(description="The text, 1 to 10,000 characters.")
    privacy: Privacy = strawberry.field(description="Who may see it.")
    tags: list[str] = strawberry.field(description="Lower-case tags, up to 20.")
    metadata: JSON | None = strawberry.field(
        description=f"Free-form JSON, up to 16 KiB. {UNSENDABLE_RULE}"
    )
    created_at: datetime = strawberry.field(description="When it was posted.")
    updated_at: datetime = strawberry.field(description="When it was last edited.")
    counts: InteractionCounts = strawberry.field(
        description="Its resonance, branch, amplification and share counts."
    )
    viewer_has_resonated: bool = strawberry.field(
        description="The viewer resonates with it. False when nobody is signed in."
    )
    viewer_has_amplified: bool = strawberry.field(
        description="The viewer amplified it. False when nobody is signed in."
    )

    @classmethod
    def from_row(cls, row: Any, shape: EntryShape = FULL_ENTRY) -> Entry:
        """An Entry from a row of db.columns.entry_columns of `shape` (the fields of the
        columns it leaves out are absent: see User.from_row)."""
        values = {
            "id": encode_id("Entry", row["id"]),
            "pk": row["id"],
            "parent_pk": row["parent_id"],
            "author": User.from_row(row, "author_", shape.author),
            "title": row["title"],
            "content": row["content"],
            "counts": InteractionCounts.from_row(row),
        }
        if shape.created:
            values["created_at"] = row["created_at"]
        if shape.details:
            values |= {
                "type": from_db(EntryType, row["type"]),
                "agent": row["agent"],
                "privacy": from_db(Privacy, row["privacy"]),
                "tags": row["tags"],
                "metadata": row["metadata"],
                "updated_at": row["updated_at"],
            }
        if shape.viewer_flags:
            values["viewer_has_resonated"] = row["viewer_has_resonated"]
            values["viewer_has_amplified"] = row["viewer_has_amplified"]
        return built(cls, values)

    @strawberry.field(
        description=(
            "The entry this one branches from; null for a root, or when the viewer may not see it."
        )
    )
    def parent(self, info: Info) -> Entry | None:
        if self.parent_pk is None:  # a root: answered at once (Connection.of says how)
            return None
        return cast(Entry | None, self._parent(info, self.parent_pk))

    async def _parent(self, info: Info, parent_pk: int) -> Entry | None:
        shape = entries_shape(info)
        row = await resolve.resolve_parent(info.context, parent_pk, shape)
        return None if row is None else Entry.from_row(row, shape)

    @strawberry.field(
        description="Ancestors from the root down to the parent, those the viewer may see."
    )
    def ancestors(self, info: Info) -> list[Entry]:
        if self.parent_pk is None:  # a root has none: no statement, nothing to await
            return []
        return cast(list[Entry], self._ancestors(info))

    async def _ancestors(self, info: Info) -> list[Entry]:
        shape = entries_shape(info)
        rows = await resolve.resolve_ancestors(info.context, self.pk, shape)
        return [Entry.from_row(row, shape) for row in rows]

    @strawberry.field(description="Branches (replies) the viewer may see, in branch order.")
    def branches(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> EntryConnection:
        shape = page_shape(info)
        count = self.counts.branch_count
        page = counted_page(
            info.context, resolve.BRANCHES, self.pk, first, after, last, before, shape, count
        )
        return EntryConnection.of(page, partial(Entry.from_row, shape=shape))

    @strawberry.field(description="Users who resonate with this entry, most recent first.")
    def resonators(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> UserConnection:
        shape = users_page_shape(info)
        count = self.counts.resonance_count
        page = counted_page(
            info.context, resolve.RESONATORS, self.pk, first, after, last, before, shape, count
        )
        return UserConnection.of(page, partial(User.from_row, shape=shape))

    @strawberry.field(description="Users who amplified this entry, most recent first.")
    def amplifiers(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> UserConnection:
        shape = users_page_shape(info)
        count = self.counts.amplification_count
        page = counted_page(
            info.context, resolve.AMPLIFIERS, self.pk, first, after, last, before, shape, count
        )
        return UserConnection.of(page, partial(User.from_row, shape=shape))


@worded(ENTRIES)
class EntryEdge(Edge[Entry]):
    pass


@worded(ENTRIES)
class EntryConnection(Connection[Entry, EntryEdge]):
    pass


@strawberry.input(description="Narrows `entries`; all given conditions must hold.")
class EntryFilter:
    author_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this user's entries (a User id)."
    )
    tag: str | None = strawberry.field(default=None, description="Only entries with this tag.")
    type: EntryType | None = strawberry.field(
        default=None, description="Only entries of this type."
    )
