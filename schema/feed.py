"""The home feed's page, whose edges say why an entry is there (not a Connection: it has no
`nodes`, and its edges a `reason`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry

from db.columns import FULL_ENTRY, EntryShape
from resolvers.pagination import Page
from resolvers.users import resolve_user_by_pk
from schema.common import Info
from schema.connections import PageInfo
from schema.entries import Entry
from schema.users import User


@strawberry.type(
    description=(
        "Why an entry is in the viewer's feed: null when its author is followed, "
        "else who amplified it."
    )
)
class FeedReason:
    amplifier_pk: strawberry.Private[UUID]
    amplified_at: datetime = strawberry.field(description="When it was amplified.")

    @strawberry.field(description="The followed user who amplified the entry.")
    async def amplified_by(self, info: Info) -> User:
        row = await resolve_user_by_pk(info.context, self.amplifier_pk)
        assert row is not None, "an amplification's user exists (foreign key)"
        return User.from_row(row)


@strawberry.type(description="An entry in the feed, why it is there, and its cursor.")
class FeedEdge:
    cursor: str = strawberry.field(description="Pass as `after` to read the feed after this entry.")
    node: Entry = strawberry.field(description="The entry.")
    reason: FeedReason | None = strawberry.field(
        description=(
            "Null when the entry is by the viewer or a followed user; else who amplified it."
        )
    )

    @classmethod
    def from_row(cls, cursor: str, row: Any, shape: EntryShape = FULL_ENTRY) -> FeedEdge:
        amplifier = row["amplified_by"]
        reason = (
            None
            if amplifier is None
            else FeedReason(amplifier_pk=amplifier, amplified_at=row["feed_at"])
        )
        return cls(cursor=cursor, node=Entry.from_row(row, shape), reason=reason)


@strawberry.type(description="A page of the viewer's feed.")
class FeedConnection:
    edges: list[FeedEdge] = strawberry.field(
        description="The entries of this page, with why and cursors."
    )
    page_info: PageInfo = strawberry.field(description="Where this page sits in the feed.")

    @classmethod
    def from_page(cls, page: Page, shape: EntryShape = FULL_ENTRY) -> FeedConnection:
        """The page's rows, of `shape` (db/columns.py)."""
        return cls(
            edges=[FeedEdge.from_row(page.cursor(i), r, shape) for i, r in enumerate(page.rows)],
            page_info=PageInfo.from_page(page),
        )
