"""Live counts: a snapshot first, then each committed change the broker hands over.

The mailbox is registered before the snapshot is read, so no change committed after the
snapshot can be missed; changes the snapshot already includes have a version no newer than
it and are dropped, so a subscriber never sees counts go back in time. When the row is
deleted, or the viewer may no longer see it, the subscription ends with NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import AbstractContextManager

from db.counts import Counts
from db.listen import ENTRY_COUNTS, USER_COUNTS, Mailbox, MailboxRegistry
from resolvers.context import Context
from resolvers.errors import NotFound
from resolvers.ids import entry_pk, user_pk
from resolvers.snapshots import Snapshots


def _live(ctx: Context) -> tuple[MailboxRegistry, Snapshots]:
    """The process's broker and snapshot loaders, which the app puts in every context."""
    if ctx.broker is None or ctx.snapshots is None:
        raise RuntimeError("a subscription needs the context's broker and snapshots")
    return ctx.broker, ctx.snapshots


def resolve_entry_counts(ctx: Context, entry_id: str) -> AsyncGenerator[Counts, None]:
    """The entry's counts now and after each change; NOT_FOUND if the viewer may not see it."""
    if ctx.auth_error is not None:
        raise ctx.auth_error
    pk = entry_pk(entry_id, "entryId")
    broker, snapshots = _live(ctx)
    return _follow(
        broker.subscribe(ENTRY_COUNTS, str(pk)),
        lambda: snapshots.entries.load((pk, ctx.audience)),
        "entryId: no such entry",
    )


def resolve_user_counts(ctx: Context, user_id: str) -> AsyncGenerator[Counts, None]:
    """The user's follower and following counts now and after each change."""
    if ctx.auth_error is not None:
        raise ctx.auth_error
    pk = user_pk(user_id, "userId")
    broker, snapshots = _live(ctx)
    return _follow(
        broker.subscribe(USER_COUNTS, str(pk)),
        lambda: snapshots.users.load(pk),
        "userId: no such user",
    )


async def _follow(
    subscription: AbstractContextManager[Mailbox],
    snapshot: Callable[[], Awaitable[Counts | None]],
    missing: str,
) -> AsyncGenerator[Counts, None]:
    with subscription as mailbox:
        if mailbox.ready is not None:  # changes reach it only once its broker says so
            await mailbox.ready
        current = await snapshot()
        if current is None:
            raise NotFound(missing)
        mailbox.version = current["version"]
        yield current
        while True:
            # A change may have reached the subscriber at once meanwhile (db.listen.Express),
            # moving the mailbox's version: the version kept is the mailbox's.
            change = await mailbox.get()
            if change is None:
                # The row was deleted, its privacy changed or its author unfollowed, or the
                # broker lost notifications: a row gone, or no longer visible to this viewer,
                # ends the subscription.
                change = await snapshot()
                if change is None:
                    raise NotFound(missing)
            if change["version"] > mailbox.version:
                mailbox.version = change["version"]
                yield change
