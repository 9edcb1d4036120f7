"""Types shared by every domain: the Node interface, counts, page info."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.pagination import Page

FIRST_DESCRIPTION = "How many items to return, 0 to 100."
AFTER_DESCRIPTION = "Return the items after this cursor (an `endCursor` of this list)."

First = Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]


@strawberry.interface(description="An object with a global id: `node(id:)` fetches any of them.")
class Node:
    id: strawberry.ID = strawberry.field(description="The object's opaque global id.")


@strawberry.type(description="Where a page sits in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="This page was read after a cursor.")
    start_cursor: str | None = strawberry.field(description="The cursor of the first item.")
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last item: pass it as `after` for the next page."
    )

    @classmethod
    def from_page(cls, page: Page) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        )


@strawberry.type(description="An entry's counters, kept exact by the database.")
class InteractionCounts:
    resonance_count: int = strawberry.field(description="How many users resonate with it.")
    branch_count: int = strawberry.field(description="How many branches (replies) it has.")
    amplification_count: int = strawberry.field(description="How many users amplified it.")
    share_count: int = strawberry.field(description="How many times it was shared.")
