"""What each mutation does: validate, write (checks in the same statement), re-read.

Every mutation needs a signed-in viewer (UNAUTHENTICATED) with a profile (FORBIDDEN, except
createProfile). An entry the viewer may not see is NOT_FOUND, exactly like one that does not
exist. Each returns the node as committed, re-read after the write with its counts and the
viewer's flags. The write, and everything the mutation reads after it, run on the primary
(`Context.writing`), never on a replica that may not have the write yet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from db import mutations as db
from db.errors import AlreadyTaken, RowGone
from db.executor import Executor, Row
from db.visibility import Audience
from resolvers import validation as valid
from resolvers.context import Context, Viewer
from resolvers.entries import entry_missing, reread_entry
from resolvers.errors import BadUserInput, Conflict, Forbidden, NotFound
from resolvers.ids import entry_pk, user_pk
from resolvers.users import reread_user

NO_PROFILE = "create your profile first (createProfile)"


def _check(outcome: db.Outcome, missing: NotFound) -> None:
    if not outcome.has_profile:
        raise Forbidden(NO_PROFILE)
    if not outcome.found:
        raise missing


# Profiles


async def resolve_create_profile(ctx: Context, fields: dict[str, Any]) -> Row:
    viewer = ctx.require_viewer()
    try:
        with ctx.writing() as primary:
            await db.create_profile(
                primary,
                viewer.id,
                username=valid.username(fields["username"], "input.username"),
                email=valid.email(fields.get("email"), "input.email"),
                name=valid.text(fields.get("name"), "input.name", max_length=valid.MAX_NAME),
                bio=valid.text(fields.get("bio"), "input.bio", max_length=valid.MAX_BIO),
                location=valid.text(
                    fields.get("location"), "input.location", max_length=valid.MAX_LOCATION
                ),
                avatar=valid.url(fields.get("avatar"), "input.avatar"),
            )
    except AlreadyTaken as taken:
        if taken.what == "username":
            raise Conflict(f"input.username {fields['username']!r} is taken") from None
        raise Conflict("you already have a profile (updateProfile changes it)") from None
    return await reread_user(ctx, viewer.id)


_PROFILE_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "name": lambda v, f: valid.text(v, f, max_length=valid.MAX_NAME),
    "bio": lambda v, f: valid.text(v, f, max_length=valid.MAX_BIO),
    "location": lambda v, f: valid.text(v, f, max_length=valid.MAX_LOCATION),
    "avatar": valid.url,
    "email": valid.email,
}


async def resolve_update_profile(ctx: Context, changes: dict[str, Any]) -> Row:
    """`changes` holds the fields given; a null clears that field."""
    viewer = ctx.require_viewer()
    checked = {k: _PROFILE_CHECKS[k](v, f"input.{k}") for k, v in changes.items()}
    with ctx.writing() as primary:
        updated = await db.update_profile(primary, viewer.id, checked)
    if not updated:
        raise Forbidden(NO_PROFILE)
    return await reread_user(ctx, viewer.id)


# Entries


async def resolve_create_entry(ctx: Context, fields: dict[str, Any]) -> Row:
    ctx.require_viewer()
    parent_gid = fields.get("parent_id")
    parent_id = None if parent_gid is None else entry_pk(parent_gid, "input.parentId")
    try:
        with ctx.writing() as primary:
            created = await db.create_entry(
                primary,
                ctx.audience,
                parent_id=parent_id,
                type=valid.required(fields["type"], "input.type"),
                content=valid.content(fields["content"], "input.content"),
                title=valid.text(fields.get("title"), "input.title", max_length=valid.MAX_TITLE),
                agent=valid.text(fields.get("agent"), "input.agent", max_length=valid.MAX_AGENT),
                privacy=valid.required(fields["privacy"], "input.privacy"),
                tags=valid.tags(fields.get("tags"), "input.tags"),
                metadata=valid.metadata(fields.get("metadata"), "input.metadata"),
            )
    except RowGone:
        raise entry_missing("input.parentId") from None
    if not created.has_profile:
        raise Forbidden(NO_PROFILE)
    if not created.parent_found or created.id is None:
        raise entry_missing("input.parentId")
    return await reread_entry(ctx, created.id, "id")


_ENTRY_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "content": valid.content,
    "title": lambda v, f: valid.text(v, f, max_length=valid.MAX_TITLE),
    "privacy": valid.required,
    "tags": valid.tags,
    "metadata": valid.metadata,
}


async def resolve_update_entry(ctx: Context, global_id: str, changes: dict[str, Any]) -> Row:
    """Only the author edits an entry; `changes` holds the fields given."""
    viewer = ctx.require_viewer()
    entry_id = entry_pk(global_id)
    checked = {k: _ENTRY_CHECKS[k](v, f"input.{k}") for k, v in changes.items()}
    with ctx.writing() as primary:
        result = await db.update_entry(primary, ctx.audience, entry_id, checked)
    _check_authorship(result, viewer, admin_may=False)
    return await reread_entry(ctx, entry_id, "id")


async def resolve_delete_entry(ctx: Context, global_id: str) -> int:
    """The author or an admin deletes; branches stay, as roots."""
    viewer = ctx.require_viewer()
    entry_id = entry_pk(global_id)
    with ctx.writing() as primary:
        result = await db.delete_entry(primary, ctx.audience, entry_id)
    _check_authorship(result, viewer, admin_may=True)
    return entry_id


def _check_authorship(result: db.Authored, viewer: Viewer, *, admin_may: bool) -> None:
    if result.author_id is None:
        raise entry_missing("id")
    allowed = result.author_id == viewer.id or (admin_may and viewer.is_admin)
    if not allowed:
        raise Forbidden("only the author may change this entry")
    if not result.changed:  # allowed, yet nothing changed: deleted meanwhile
        raise entry_missing("id")


# Interactions: each writes (checked in the statement), then re-reads what it acted on.

EntryWrite = Callable[[Executor, Audience, int], Awaitable[db.Outcome]]
UserWrite = Callable[[Executor, UUID, UUID], Awaitable[db.Outcome]]


async def resolve_resonate(ctx: Context, entry_gid: str) -> Row:
    """Idempotent: resonating twice leaves one resonance."""
    return await _act_on_entry(ctx, db.resonate, entry_gid)


async def resolve_unresonate(ctx: Context, entry_gid: str) -> Row:
    """A no-op when the viewer has not resonated."""
    return await _act_on_entry(ctx, db.unresonate, entry_gid)


async def resolve_amplify(ctx: Context, entry_gid: str) -> Row:
    """Idempotent: amplifying twice leaves one amplification."""
    return await _act_on_entry(ctx, db.amplify, entry_gid)


async def resolve_unamplify(ctx: Context, entry_gid: str) -> Row:
    """A no-op when the viewer has not amplified."""
    return await _act_on_entry(ctx, db.unamplify, entry_gid)


async def resolve_share(ctx: Context, entry_gid: str) -> Row:
    """Every call counts one share."""
    return await _act_on_entry(ctx, db.share, entry_gid)


async def resolve_follow(ctx: Context, user_gid: str) -> Row:
    """Idempotent; following yourself is refused."""
    return await _act_on_user(ctx, db.follow, user_gid)


async def resolve_unfollow(ctx: Context, user_gid: str) -> Row:
    """A no-op when not following; yourself is refused, as for follow."""
    return await _act_on_user(ctx, db.unfollow, user_gid)


async def _act_on_entry(ctx: Context, write: EntryWrite, entry_gid: str) -> Row:
    ctx.require_viewer()
    entry_id = entry_pk(entry_gid, "entryId")
    try:
        with ctx.writing() as primary:
            outcome = await write(primary, ctx.audience, entry_id)
    except RowGone:
        raise entry_missing("entryId") from None
    _check(outcome, entry_missing("entryId"))
    return await reread_entry(ctx, entry_id, "entryId")


async def _act_on_user(ctx: Context, write: UserWrite, user_gid: str) -> Row:
    viewer = ctx.require_viewer()
    user_id = user_pk(user_gid, "userId")
    if user_id == viewer.id:
        raise BadUserInput("userId: you cannot follow yourself")
    try:
        with ctx.writing() as primary:
            outcome = await write(primary, viewer.id, user_id)
    except RowGone:
        raise NotFound("userId: no such user") from None
    _check(outcome, NotFound("userId: no such user"))
    return await reread_user(ctx, user_id)
