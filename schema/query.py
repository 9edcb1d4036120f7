"""The root Query: one-liners over resolvers/."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import strawberry

from resolvers import entries, feed, nodes, users
from resolvers.pagination import DEFAULT_FIRST
from schema.common import Info, Node
from schema.connections import After, Before, First, Last
from schema.entries import Entry, EntryConnection, EntryFilter
from schema.enums import TrendingWindow, db_value
from schema.feed import FeedConnection
from schema.row_shapes import amplifier_shape, entries_shape, page_shape
from schema.users import User

_NODE_TYPES: dict[str, type[Entry] | type[User]] = {"Entry": Entry, "User": User}


@strawberry.type(
    description=(
        "Everything a client can read.\n\n"
        "Every error carries `extensions.code`: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, "
        "BAD_USER_INPUT, CONFLICT, RATE_LIMITED, UNAVAILABLE, TIMEOUT or INTERNAL. "
        "RATE_LIMITED and UNAVAILABLE (the database cannot be reached: down or restarting) "
        "say when to try again in `extensions.retryAfter` (seconds; HTTP 429 or 503 with "
        "Retry-After when the operation got no data). TIMEOUT: the operation, or one of its "
        "database statements, ran past its time bound. A mutation answered UNAVAILABLE or "
        "TIMEOUT may or may not have been applied. Automatic persisted queries (a hash in "
        "`extensions.persistedQuery`) may answer PERSISTED_QUERY_NOT_FOUND (send the query "
        "with its hash) or PERSISTED_QUERY_NOT_SUPPORTED (send queries in full)."
    )
)
class Query:
    @strawberry.field(
        description="Any object by its global id; null when there is none the viewer may see."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        found = await nodes.resolve_node(info.context, id)
        return None if found is None else _NODE_TYPES[found[0]].from_row(found[1])

    @strawberry.field(
        description=(
            "The signed-in user; null when nobody is signed in or the profile is not created yet."
        )
    )
    async def viewer(self, info: Info) -> User | None:
        row = await users.resolve_viewer(info.context)
        return None if row is None else User.from_row(row)

    @strawberry.field(
        description="A user by id or by username (case-insensitive): give exactly one."
    )
    async def user(
        self,
        info: Info,
        id: Annotated[strawberry.ID | None, strawberry.argument(description="A User id.")] = None,
        username: Annotated[str | None, strawberry.argument(description="A username.")] = None,
    ) -> User | None:
        row = await users.resolve_user(info.context, id, username)
        return None if row is None else User.from_row(row)

    @strawberry.field(
        description="Null when the entry does not exist or the viewer may not see it."
    )
    async def entry(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="An Entry id.")],
    ) -> Entry | None:
        shape = entries_shape(info)
        row = await entries.resolve_entry(info.context, id, shape)
        return None if row is None else Entry.from_row(row, shape)

    @strawberry.field(description="Entries the viewer may see, newest first.")
    async def entries(
        self,
        info: Info,
        filter: Annotated[
            EntryFilter | None, strawberry.argument(description="Conditions the entries must meet.")
        ] = None,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> EntryConnection:
        shape = page_shape(info)
        page = await entries.resolve_entries(
            info.context,
            author_id=filter.author_id if filter else None,
            tag=filter.tag if filter else None,
            type=db_value(filter.type) if filter and filter.type else None,
            first=first,
            after=after,
            last=last,
            before=before,
            shape=shape,
        )
        return EntryConnection.from_page(page, partial(Entry.from_row, shape=shape))

    @strawberry.field(
        description=(
            "The viewer's home feed: entries by followed users and the viewer, and entries "
            "amplified by followed users, newest first."
        )
    )
    async def feed(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> FeedConnection:
        shape, amplifier = page_shape(info), amplifier_shape(info)
        page = await feed.resolve_feed(info.context, first, after, last, before, shape, amplifier)
        return FeedConnection.from_page(page, shape, amplifier)

    @strawberry.field(
        description="Public entries with the most interactions in the window, most first."
    )
    async def trending(
        self,
        info: Info,
        window: Annotated[
            TrendingWindow | None,
            strawberry.argument(description="How far back to count interactions."),
        ] = TrendingWindow.DAY,
        first: Annotated[
            int | None, strawberry.argument(description="How many entries, 0 to 100.")
        ] = DEFAULT_FIRST,
    ) -> list[Entry]:
        rows = await feed.resolve_trending(
            info.context, db_value(window or TrendingWindow.DAY), first
        )
        return [Entry.from_row(row) for row in rows]

    @strawberry.field(
        description=(
            "`trending` as a connection, to page through with cursors both ways. The ranking "
            "is refreshed every TRENDING_REFRESH_SECONDS (a minute by default): a cursor keeps its "
            "place by score, so a page read after a refresh goes on from that score in the new "
            "ranking, where an entry whose score moved past the cursor may come again or not "
            "at all."
        )
    )
    async def trending_connection(
        self,
        info: Info,
        window: Annotated[
            TrendingWindow | None,
            strawberry.argument(description="How far back to count interactions."),
        ] = TrendingWindow.DAY,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> EntryConnection:
        shape = page_shape(info)
        page = await feed.resolve_trending_page(
            info.context,
            db_value(window or TrendingWindow.DAY),
            first,
            after,
            last,
            before,
            shape,
        )
        return EntryConnection.from_page(page, partial(Entry.from_row, shape=shape))
