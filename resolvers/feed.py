"""The viewer's home feed and the trending list."""

from __future__ import annotations

from db.columns import FULL_ENTRY, EntryShape, UserShape
from db.executor import Row
from db.feed import fetch_feed
from db.trending import fetch_trending
from resolvers.context import Context
from resolvers.pagination import FEED_ORDER, Page, check_first, make_page


async def resolve_feed(
    ctx: Context,
    first: int | None,
    after: str | None,
    shape: EntryShape = FULL_ENTRY,
    amplifier: UserShape | None = None,
) -> Page:
    """The viewer's feed page: entries of `shape`, with their amplifiers of that shape."""
    ctx.require_viewer()
    first, keyset = FEED_ORDER.bounds(first, after)
    rows = await fetch_feed(
        ctx.db, ctx.audience, after=keyset, limit=first + 1, shape=shape, amplifier=amplifier
    )
    return make_page(rows, first, keyset, FEED_ORDER)


async def resolve_trending(ctx: Context, window: str, first: int | None) -> list[Row]:
    first = check_first(first)
    return await fetch_trending(ctx.db, ctx.audience, window=window, limit=first)
