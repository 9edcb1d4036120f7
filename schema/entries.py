"""The Entry type, its connection, and the entries filter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from resolvers import entries as resolve
from resolvers.context import Context
from resolvers.ids import encode_id
from resolvers.pagination import Page
from schema.common import After, First, InteractionCounts, Node, PageInfo
from schema.enums import EntryType, Privacy
from schema.json_scalar import UNSENDABLE_RULE
from schema.users import User, UserConnection

Info = strawberry.Info[Context, None]


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
    def from_row(cls, row: Any) -> Entry:
        """An Entry from a row of db.columns.ENTRY_COLUMNS."""
        return cls(
            id=strawberry.ID(encode_id("Entry", row["id"])),
            pk=row["id"],
            parent_pk=row["parent_id"],
            author=User.from_row(row, "author_"),
            type=EntryType(row["type"]),
            agent=row["agent"],
            title=row["title"],
            content=row["content"],
            privacy=Privacy(row["privacy"]),
            tags=row["tags"],
            metadata=row["metadata"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            counts=InteractionCounts(
                resonance_count=row["resonance_count"],
                branch_count=row["branch_count"],
                amplification_count=row["amplification_count"],
                share_count=row["share_count"],
            ),
            viewer_has_resonated=row["viewer_has_resonated"],
            viewer_has_amplified=row["viewer_has_amplified"],
        )

    @staticmethod
    def from_optional_row(row: Any | None) -> Entry | None:
        return None if row is None else Entry.from_row(row)

    @strawberry.field(
        description=(
            "The entry this one branches from; null for a root, or when the viewer may not see it."
        )
    )
    async def parent(self, info: Info) -> Entry | None:
        return Entry.from_optional_row(await resolve.resolve_parent(info.context, self.parent_pk))

    @strawberry.field(
        description="Ancestors from the root down to the parent, those the viewer may see."
    )
    async def ancestors(self, info: Info) -> list[Entry]:
        return [Entry.from_row(r) for r in await resolve.resolve_ancestors(info.context, self.pk)]

    @strawberry.field(description="Branches (replies) the viewer may see, in branch order.")
    async def branches(self, info: Info, first: First = 20, after: After = None) -> EntryConnection:
        page = await resolve.resolve_branches(info.context, self.pk, first, after)
        return EntryConnection.from_page(page)

    @strawberry.field(description="Users who resonate with this entry, most recent first.")
    async def resonators(
        self, info: Info, first: First = 20, after: After = None
    ) -> UserConnection:
        page = await resolve.resolve_resonators(info.context, self.pk, first, after)
        return UserConnection.from_page(page)

    @strawberry.field(description="Users who amplified this entry, most recent first.")
    async def amplifiers(
        self, info: Info, first: First = 20, after: After = None
    ) -> UserConnection:
        page = await resolve.resolve_amplifiers(info.context, self.pk, first, after)
        return UserConnection.from_page(page)


@strawberry.type(description="An entry in a list, with the cursor to read on after it.")
class EntryEdge:
    cursor: str = strawberry.field(
        description="Pass as `after` to read the entries after this one."
    )
    node: Entry = strawberry.field(description="The entry.")


@strawberry.type(description="A page of entries.")
class EntryConnection:
    edges: list[EntryEdge] = strawberry.field(description="The entries of this page, with cursors.")
    nodes: list[Entry] = strawberry.field(description="The entries of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")

    @classmethod
    def from_page(cls, page: Page) -> EntryConnection:
        nodes = [Entry.from_row(row) for row in page.rows]
        return cls(
            edges=[EntryEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo.from_page(page),
        )


@strawberry.input(description="Narrows `entries`; all given conditions must hold.")
class EntryFilter:
    author_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this user's entries (a User id)."
    )
    tag: str | None = strawberry.field(default=None, description="Only entries with this tag.")
    type: EntryType | None = strawberry.field(
        default=None, description="Only entries of this type."
    )
