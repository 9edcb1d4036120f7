"""The viewer's home feed and the trending list."""

from __future__ import annotations

from db.columns import FULL_ENTRY, EntryShape, UserShape
from db.executor import Row
from db.feed import fetch_feed
from db.trending import fetch_trending, fetch_trending_page
from db.windows import Window
from resolvers.context import Context
from resolvers.pagination import FEED_ORDER, TRENDING_ORDERS, Page, check_first, make_page


async def resolve_feed(
    ctx: Context,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    shape: EntryShape = FULL_ENTRY,
    amplifier: UserShape | None = None,
) -> Page:
    """The viewer's feed page: entries of `shape`, with their amplifiers of that shape."""
    ctx.require_viewer()
    size, window = FEED_ORDER.window(first, after, last, before)

    async def probe(behind: Window) -> bool:
        rows = await fetch_feed(
            ctx.db, ctx.audience, window=behind, limit=1, shape=shape, amplifier=amplifier
        )
        return bool(rows)

    rows = await fetch_feed(
        ctx.db, ctx.audience, window=window, limit=size + 1, shape=shape, amplifier=amplifier
    )
    return make_page(rows, size, window, FEED_ORDER, probe)


async def resolve_trending(ctx: Context, window: str, first: int | None) -> list[Row]:
    first = check_first(first)
    return await fetch_trending(ctx.db, ctx.audience, window=window, limit=first)


async def resolve_trending_page(
    ctx: Context,
    window: str,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    shape: EntryShape = FULL_ENTRY,
) -> Page:
    """A page of the trending list of `window` ('hour', 'day', 'week')."""
    order = TRENDING_ORDERS[window]
    size, part = order.window(first, after, last, before)

    async def read(part: Window, limit: int) -> list[Row]:
        return await fetch_trending_page(
            ctx.db, ctx.audience, window=window, part=part, limit=limit, shape=shape
        )

    async def probe(behind: Window) -> bool:
        return bool(await read(behind, 1))

    rows = await read(part, size + 1)
    return make_page(rows, size, part, order, probe)
