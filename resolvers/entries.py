"""Entry reads: one entry, lists of entries, threads, and who interacted with an entry."""

from __future__ import annotations

from db.entries import fetch_entries
from db.executor import Row
from resolvers.context import Context
from resolvers.ids import entry_pk, user_pk
from resolvers.pagination import (
    Page,
    check_first,
    decode_cursor,
    encode_cursor,
    load_page,
    make_page,
)
from resolvers.tags import normalise_tag


def entry_cursor(row: Row) -> str:
    return encode_cursor("entries", row["created_at"], row["id"])


def branch_cursor(row: Row) -> str:
    return encode_cursor("branches", row["branch_order"])


def interaction_cursor(row: Row) -> str:
    return encode_cursor("interactions", row["edge_created_at"], row["edge_id"])


async def resolve_entry(ctx: Context, global_id: str) -> Row | None:
    return await ctx.loaders.entry_by_id.load(entry_pk(global_id))


async def resolve_entries(
    ctx: Context,
    *,
    author_id: str | None,
    tag: str | None,
    type: str | None,
    first: int | None,
    after: str | None,
) -> Page:
    first = check_first(first)
    keyset = decode_cursor("entries", after)
    rows = await fetch_entries(
        ctx.db,
        ctx.audience,
        author_id=None if author_id is None else user_pk(author_id, "filter.authorId"),
        tag=None if tag is None else normalise_tag(tag, "filter.tag"),
        type=type,
        after=keyset,
        limit=first + 1,
    )
    return make_page(rows, first, keyset, entry_cursor)


async def resolve_parent(ctx: Context, parent_id: int | None) -> Row | None:
    if parent_id is None:
        return None
    return await ctx.loaders.entry_by_id.load(parent_id)


async def resolve_ancestors(ctx: Context, entry_id: int) -> list[Row]:
    return await ctx.loaders.ancestors_by_entry_id.load(entry_id)


async def resolve_branches(
    ctx: Context, entry_id: int, first: int | None, after: str | None
) -> Page:
    loader = ctx.loaders.branches_by_parent_id
    return await load_page(loader, "branches", entry_id, first, after, branch_cursor)


async def resolve_resonators(
    ctx: Context, entry_id: int, first: int | None, after: str | None
) -> Page:
    loader = ctx.loaders.resonators_by_entry_id
    return await load_page(loader, "interactions", entry_id, first, after, interaction_cursor)


async def resolve_amplifiers(
    ctx: Context, entry_id: int, first: int | None, after: str | None
) -> Page:
    loader = ctx.loaders.amplifiers_by_entry_id
    return await load_page(loader, "interactions", entry_id, first, after, interaction_cursor)
