"""User reads: one user, the viewer, and the lists under a user (entries, followers, following)."""

from __future__ import annotations

from uuid import UUID

from db.executor import Row
from db.users import fetch_user_by_username, fetch_users_by_ids
from resolvers.context import Context
from resolvers.errors import BadUserInput, NotFound
from resolvers.ids import user_pk
from resolvers.pagination import ENTRY_ORDER, FOLLOW_ORDER, NestedList

# The lists under a user, for resolve_page.
USER_ENTRIES = NestedList(ENTRY_ORDER, lambda loaders: loaders.entries_by_author_id)
FOLLOWERS = NestedList(FOLLOW_ORDER, lambda loaders: loaders.followers_by_user_id)
FOLLOWING = NestedList(FOLLOW_ORDER, lambda loaders: loaders.following_by_user_id)


async def resolve_user(ctx: Context, global_id: str | None, username: str | None) -> Row | None:
    if (global_id is None) == (username is None):
        raise BadUserInput("give exactly one of id and username")
    if global_id is not None:
        return await ctx.loaders.user_by_id.load(user_pk(global_id))
    assert username is not None
    return await fetch_user_by_username(ctx.db, ctx.audience, username)


async def reread_user(ctx: Context, pk: UUID, missing: str = "no such user") -> Row:
    """The user as the viewer sees it now, past any loader's cache (after a write, or for a
    live event); NOT_FOUND saying `missing` when deleted."""
    rows = await fetch_users_by_ids(ctx.db, ctx.audience, [pk])
    if not rows:
        raise NotFound(missing)
    return rows[0]


async def resolve_user_by_pk(ctx: Context, user_id: UUID) -> Row | None:
    return await ctx.loaders.user_by_id.load(user_id)


async def resolve_viewer(ctx: Context) -> Row | None:
    if ctx.viewer is None:
        return None
    return await ctx.loaders.user_by_id.load(ctx.viewer.id)
