"""User reads: one user, the viewer, and a user's entries, followers and following."""

from __future__ import annotations

from uuid import UUID

from db.executor import Row
from db.users import fetch_user_by_username
from resolvers.context import Context
from resolvers.entries import entry_cursor
from resolvers.errors import BadUserInput
from resolvers.ids import user_pk
from resolvers.pagination import Page, encode_cursor, load_page


def follow_cursor(row: Row) -> str:
    return encode_cursor("follows", row["edge_created_at"], row["edge_id"])


async def resolve_user(ctx: Context, global_id: str | None, username: str | None) -> Row | None:
    if (global_id is None) == (username is None):
        raise BadUserInput("give exactly one of id and username")
    if global_id is not None:
        return await ctx.loaders.user_by_id.load(user_pk(global_id))
    assert username is not None
    return await fetch_user_by_username(ctx.db, ctx.audience, username)


async def resolve_user_by_pk(ctx: Context, user_id: UUID) -> Row | None:
    return await ctx.loaders.user_by_id.load(user_id)


async def resolve_viewer(ctx: Context) -> Row | None:
    if ctx.viewer is None:
        return None
    return await ctx.loaders.user_by_id.load(ctx.viewer.id)


async def resolve_user_entries(
    ctx: Context, user_id: UUID, first: int | None, after: str | None
) -> Page:
    loader = ctx.loaders.entries_by_author_id
    return await load_page(loader, "entries", user_id, first, after, entry_cursor)


async def resolve_followers(
    ctx: Context, user_id: UUID, first: int | None, after: str | None
) -> Page:
    loader = ctx.loaders.followers_by_user_id
    return await load_page(loader, "follows", user_id, first, after, follow_cursor)


async def resolve_following(
    ctx: Context, user_id: UUID, first: int | None, after: str | None
) -> Page:
    loader = ctx.loaders.following_by_user_id
    return await load_page(loader, "follows", user_id, first, after, follow_cursor)
