"""The home feed's page, whose edges say why an entry is there (not a Connection: it has no
`nodes`, and its edges a `reason`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from db.columns import EntryShape, UserShape
from resolvers.pagination import Page
from schema.common import built
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
    amplified_at: datetime = strawberry.field(description="When it was amplified.")
    amplified_by: User = strawberry.field(description="The followed user who amplified the entry.")


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
    def from_row(
        cls, cursor: str, row: Any, shape: EntryShape, amplifier: UserShape | None
    ) -> FeedEdge:
        """An edge of a row of db.feed.fetch_feed of these shapes: its reason's amplifier is
        absent (see User.from_row) when the page was read without one."""
        reason = None
        if row["amplified_by"] is not None:
            values: dict[str, Any] = {"amplified_at": row["feed_at"]}
            if amplifier is not None:
                values["amplified_by"] = User.from_row(row, "amplifier_", amplifier)
            reason = built(FeedReason, values)
        return built(cls, {"cursor": cursor, "node": Entry.from_row(row, shape), "reason": reason})


@strawberry.type(description="A page of the viewer's feed.")
class FeedConnection:
    edges: list[FeedEdge] = strawberry.field(
        description="The entries of this page, with why and cursors."
    )
    page_info: PageInfo = strawberry.field(description="Where this page sits in the feed.")

    @classmethod
    def from_page(
        cls, page: Page, shape: EntryShape, amplifier: UserShape | None
    ) -> FeedConnection:
        """The page's rows, of these shapes (db/feed.py)."""
        return cls(
            edges=[
                FeedEdge.from_row(page.cursor(i), row, shape, amplifier)
                for i, row in enumerate(page.rows)
            ],
            page_info=PageInfo.from_page(page),
        )
