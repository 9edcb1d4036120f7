"""The root Subscription: live counts over graphql-transport-ws or graphql-ws at /graphql."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from functools import partial
from typing import Annotated, ClassVar, TypeVar, cast
from uuid import UUID

import strawberry
from graphql import GraphQLError, GraphQLObjectType, get_named_type

from db.counts import Counts
from db.listen import EXPRESS
from resolvers import subscriptions
from resolvers.entries import reread_entry
from resolvers.ids import encode_id
from resolvers.users import reread_user
from schema.common import Info, InteractionCounts, built
from schema.entries import Entry
from schema.errors import with_code
from schema.row_shapes import entries_shape
from schema.shared_events import (
    SharedEvent,
    event_of,
    fragment_definitions,
    reaches_only_plain_data,
)
from schema.users import User

Event = TypeVar("Event")


async def _events(
    stream: Callable[[], AsyncGenerator[Counts, None]], make: Callable[[Counts], Event]
) -> AsyncGenerator[Event, None]:
    """Each event as `make` builds it, and errors with their `extensions.code`.

    The schema codes each result's errors as it leaves (ResonanceSchema.stream); an
    exception raised here ends the stream, so it is coded here, an unexpected one masked (and
    logged by the schema, which sees the original error).
    """
    express = EXPRESS.get()
    if express is not None:  # the change a subscriber takes at once becomes its event here too
        express.event = partial(event_of, make=make)
    try:
        async with aclosing(stream()) as counts:
            async for each in counts:
                yield event_of(each, make)
    except GraphQLError:
        raise
    except Exception as error:
        coded = with_code(GraphQLError(str(error), original_error=error))
        raise GraphQLError(
            coded.message, extensions=coded.extensions, original_error=error
        ) from error


# What `entry` and `user` answer from the change alone (schema/shared_events.py): selecting
# no more, every subscriber of the row shares one execution; more is read for each.
_ENTRY_FROM_THE_CHANGE = frozenset({"id", "counts"})
_USER_FROM_THE_CHANGE = frozenset({"id", "followerCount", "followingCount"})


@strawberry.type(description="An entry's counts, as committed.")
class EntryCountsEvent(SharedEvent):
    plain_selections: ClassVar[Mapping[str, frozenset[str]]] = {"entry": _ENTRY_FROM_THE_CHANGE}

    entry_pk: strawberry.Private[int]
    entry_id: strawberry.ID = strawberry.field(description="The Entry the counts are of.")
    counts: InteractionCounts = strawberry.field(description="All of the entry's counts.")

    @classmethod
    def from_counts(cls, counts: Counts) -> EntryCountsEvent:
        return built(
            cls,
            {
                "entry_pk": counts["id"],
                "entry_id": strawberry.ID(encode_id("Entry", counts["id"])),
                "counts": InteractionCounts.from_row(counts),
            },
        )

    @strawberry.field(
        description=(
            "The entry itself with these counts, so a client's cache updates its Entry with "
            "no code. Its `id` and `counts` come from the change; any other field of it is "
            "read as the viewer sees it now, for each event."
        )
    )
    def entry(self, info: Info) -> Entry:
        if _selects_only(info, _ENTRY_FROM_THE_CHANGE):
            return built(Entry, {"id": self.entry_id, "pk": self.entry_pk, "counts": self.counts})
        return cast(Entry, self._read_entry(info))

    async def _read_entry(self, info: Info) -> Entry:
        shape = entries_shape(info)
        row = await reread_entry(info.context, self.entry_pk, "entryId", shape)
        entry = Entry.from_row(row, shape)
        entry.counts = self.counts  # the event's, in commit order, whatever was read since
        return entry


@strawberry.type(description="A user's follow counts, as committed.")
class UserCountsEvent(SharedEvent):
    plain_selections: ClassVar[Mapping[str, frozenset[str]]] = {"user": _USER_FROM_THE_CHANGE}

    user_pk: strawberry.Private[UUID]
    user_id: strawberry.ID = strawberry.field(description="The User the counts are of.")
    follower_count: int = strawberry.field(description="How many users follow this user.")
    following_count: int = strawberry.field(description="How many users this user follows.")

    @classmethod
    def from_counts(cls, counts: Counts) -> UserCountsEvent:
        return built(
            cls,
            {
                "user_pk": counts["id"],
                "user_id": strawberry.ID(encode_id("User", counts["id"])),
                "follower_count": counts["follower_count"],
                "following_count": counts["following_count"],
            },
        )

    @strawberry.field(
        description=(
            "The user itself with these counts, so a client's cache updates its User with no "
            "code. Its `id`, `followerCount` and `followingCount` come from the change; any "
            "other field of it is read as the viewer sees it now, for each event."
        )
    )
    def user(self, info: Info) -> User:
        if _selects_only(info, _USER_FROM_THE_CHANGE):
            values = {
                "id": self.user_id,
                "pk": self.user_pk,
                "follower_count": self.follower_count,
                "following_count": self.following_count,
            }
            return built(User, values)
        return cast(User, self._read_user(info))

    async def _read_user(self, info: Info) -> User:
        row = await reread_user(info.context, self.user_pk, "userId: no such user")
        user = User.from_row(row)
        user.follower_count = self.follower_count
        user.following_count = self.following_count
        return user


def _selects_only(info: Info, fields: frozenset[str]) -> bool:
    """Whether the field's selection reads only `fields` (and plain data under them)."""
    raw = info._raw_info
    parent = get_named_type(raw.return_type)
    fragments = fragment_definitions(raw.fragments)
    return isinstance(parent, GraphQLObjectType) and all(
        node.selection_set is not None
        and reaches_only_plain_data(parent, node.selection_set, fragments, allowed=fields)
        for node in raw.field_nodes
    )


@strawberry.type(
    description=(
        "Live counts. Each subscription sends the current value first, then the value after "
        "each committed change, whichever server instance made it; under a burst, changes may "
        "be merged, but the last event always carries the final counts. A subscription ends "
        "with NOT_FOUND when its entry or user is deleted, or the entry leaves the viewer's "
        "view (made private, or its author unfollowed)."
    )
)
class Subscription:
    @strawberry.subscription(
        description="The current counts first, then the counts after each committed change."
    )
    def entry_counts(
        self,
        info: Info,
        entry_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="An Entry id; NOT_FOUND unless the viewer may see it."),
        ],
    ) -> AsyncGenerator[EntryCountsEvent, None]:
        return _events(
            lambda: subscriptions.resolve_entry_counts(info.context, entry_id),
            EntryCountsEvent.from_counts,
        )

    @strawberry.subscription(
        description="The current counts first, then the counts after each committed change."
    )
    def user_counts(
        self,
        info: Info,
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="A User id; NOT_FOUND if none.")
        ],
    ) -> AsyncGenerator[UserCountsEvent, None]:
        return _events(
            lambda: subscriptions.resolve_user_counts(info.context, user_id),
            UserCountsEvent.from_counts,
        )
