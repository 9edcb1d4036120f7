"""Entry reads: one entry, lists of entries, threads, and who interacted with an entry."""

from __future__ import annotations

from db.columns import FULL_ENTRY, EntryShape
from db.entries import fetch_entries, fetch_entries_by_ids
from db.executor import Row
from db.windows import Window
from resolvers.context import Context
from resolvers.errors import NotFound
from resolvers.ids import entry_pk, user_pk
from resolvers.pagination import (
    BRANCH_ORDER,
    ENTRY_ORDER,
    INTERACTION_ORDER,
    NestedList,
    Page,
    make_page,
)
from resolvers.tags import normalise_tag

# The lists under an entry, for resolve_page.
BRANCHES = NestedList(BRANCH_ORDER, lambda loaders: loaders.branches_by_parent_id)
RESONATORS = NestedList(INTERACTION_ORDER, lambda loaders: loaders.resonators_by_entry_id)
AMPLIFIERS = NestedList(INTERACTION_ORDER, lambda loaders: loaders.amplifiers_by_entry_id)


def entry_missing(field: str) -> NotFound:
    return NotFound(f"{field}: no such entry")


async def reread_entry(ctx: Context, pk: int, field: str, shape: EntryShape = FULL_ENTRY) -> Row:
    """The entry as the viewer sees it now, past any loader's cache (after a write, or for a
    live event); NOT_FOUND naming `field` when it is deleted or out of view."""
    rows = await fetch_entries_by_ids(ctx.db, ctx.audience, [pk], shape)
    if not rows:
        raise entry_missing(field)
    return rows[0]


async def resolve_entry(ctx: Context, global_id: str, shape: EntryShape = FULL_ENTRY) -> Row | None:
    return await ctx.loaders.entry_by_id.load((entry_pk(global_id), shape))


async def resolve_entries(
    ctx: Context,
    *,
    author_id: str | None,
    tag: str | None,
    type: str | None,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    shape: EntryShape = FULL_ENTRY,
) -> Page:
    size, window = ENTRY_ORDER.window(first, after, last, before)
    author = None if author_id is None else user_pk(author_id, "filter.authorId")
    tag = None if tag is None else normalise_tag(tag, "filter.tag")

    async def probe(behind: Window) -> bool:
        rows = await fetch_entries(
            ctx.db, ctx.audience, author_id=author, tag=tag, type=type, window=behind, limit=1
        )
        return bool(rows)

    rows = await fetch_entries(
        ctx.db,
        ctx.audience,
        author_id=author,
        tag=tag,
        type=type,
        window=window,
        limit=size + 1,
        shape=shape,
    )
    return make_page(rows, size, window, ENTRY_ORDER, probe)


async def resolve_parent(
    ctx: Context, parent_id: int, shape: EntryShape = FULL_ENTRY
) -> Row | None:
    """The parent of a branch (a root's is answered by schema/entries.py with no read)."""
    return await ctx.loaders.entry_by_id.load((parent_id, shape))


async def resolve_ancestors(
    ctx: Context, entry_id: int, shape: EntryShape = FULL_ENTRY
) -> list[Row]:
    return await ctx.loaders.ancestors_by_entry_id.load((entry_id, shape))
