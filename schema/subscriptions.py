"""The root Subscription: live counts over graphql-transport-ws or graphql-ws at /graphql."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from functools import partial
from typing import Annotated, TypeVar

import strawberry
from graphql import GraphQLError

from db.counts import Counts
from db.listen import EXPRESS
from resolvers import subscriptions
from resolvers.ids import encode_id
from schema.common import Info, InteractionCounts, built
from schema.errors import with_code
from schema.shared_events import SharedEvent, event_of

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


@strawberry.type(description="An entry's counts, as committed.")
class EntryCountsEvent(SharedEvent):
    entry_id: strawberry.ID = strawberry.field(description="The Entry the counts are of.")
    counts: InteractionCounts = strawberry.field(description="All of the entry's counts.")

    @classmethod
    def from_counts(cls, counts: Counts) -> EntryCountsEvent:
        return built(
            cls,
            {
                "entry_id": strawberry.ID(encode_id("Entry", counts["id"])),
                "counts": InteractionCounts.from_row(counts),
            },
        )


@strawberry.type(description="A user's follow counts, as committed.")
class UserCountsEvent(SharedEvent):
    user_id: strawberry.ID = strawberry.field(description="The User the counts are of.")
    follower_count: int = strawberry.field(description="How many users follow this user.")
    following_count: int = strawberry.field(description="How many users this user follows.")

    @classmethod
    def from_counts(cls, counts: Counts) -> UserCountsEvent:
        return built(
            cls,
            {
                "user_id": strawberry.ID(encode_id("User", counts["id"])),
                "follower_count": counts["follower_count"],
                "following_count": counts["following_count"],
            },
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
