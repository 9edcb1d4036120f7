"""The User type and its pages (UserConnection of UserEdges)."""

from __future__ import annotations

from datetime import datetime
from functools import cache, partial
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from db.columns import FULL_USER, UserShape
from resolvers import users as resolve
from resolvers.ids import encode_id
from resolvers.pagination import DEFAULT_FIRST, resolve_page
from schema.common import Info, Node, built
from schema.connections import After, Before, Connection, Edge, First, Last, Noun, worded
from schema.enums import Role, from_db
from schema.json_scalar import UNSENDABLE_RULE
from schema.row_shapes import page_shape, users_page_shape

if TYPE_CHECKING:
    from schema.entries import EntryConnection

USERS = Noun("user", "users", "A")


@strawberry.type(description="A member of Resonance, with a profile and follow counts.")
class User(Node):
    pk: strawberry.Private[UUID]
    username: str = strawberry.field(
        description="Unique, case-insensitively; 3-30 of [A-Za-z0-9_]."
    )
    email: str | None = strawberry.field(
        description="Null unless the viewer is this user or an admin."
    )
    name: str | None = strawberry.field(description="The display name.")
    bio: str | None = strawberry.field(description="A few words about the user, up to 500.")
    location: str | None = strawberry.field(description="Where the user is, in their words.")
    avatar: str | None = strawberry.field(description="The address of the user's picture.")
    role: Role = strawberry.field(description="USER, or ADMIN for an administrator.")
    stats: JSON | None = strawberry.field(
        description=f"Free-form profile statistics. {UNSENDABLE_RULE}"
    )
    follower_count: int = strawberry.field(description="How many users follow this user.")
    following_count: int = strawberry.field(description="How many users this user follows.")
    created_at: datetime = strawberry.field(description="When the profile was created.")
    updated_at: datetime = strawberry.field(description="When the profile was last changed.")
    viewer_is_following: bool = strawberry.field(
        description="The viewer follows this user. False when nobody is signed in."
    )
    follows_viewer: bool = strawberry.field(
        description="This user follows the viewer. False when nobody is signed in."
    )

    @classmethod
    def from_row(cls, row: Any, prefix: str = "", shape: UserShape = FULL_USER) -> User:
        """A User from a row of db.columns.user_columns (with that column prefix and
        shape). The fields of columns the shape leaves out are absent, not null: reading
        one is an error, never a wrong answer."""
        k = _columns(prefix)
        values = {
            "id": encode_id("User", row[k.id]),
            "pk": row[k.id],
            "username": row[k.username],
        }
        if shape.card:
            values["name"] = row[k.name]
            values["avatar"] = row[k.avatar]
        if shape.profile:
            values |= {
                "email": row[k.email],
                "bio": row[k.bio],
                "location": row[k.location],
                "role": from_db(Role, row[k.role]),
                "stats": row[k.stats],
                "follower_count": row[k.follower_count],
                "following_count": row[k.following_count],
                "created_at": row[k.created_at],
                "updated_at": row[k.updated_at],
            }
        if shape.viewer_flags:
            values["viewer_is_following"] = row[k.viewer_is_following]
            values["follows_viewer"] = row[k.follows_viewer]
        return built(cls, values)

    @strawberry.field(description="This user's entries that the viewer may see, newest first.")
    async def entries(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Annotated[EntryConnection, strawberry.lazy("schema.entries")]:
        from schema.entries import Entry, EntryConnection

        shape = page_shape(info)
        page = await resolve_page(
            info.context, resolve.USER_ENTRIES, self.pk, first, after, last, before, shape
        )
        return EntryConnection.from_page(page, partial(Entry.from_row, shape=shape))

    @strawberry.field(description="Users who follow this user, most recent follow first.")
    async def followers(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> UserConnection:
        shape = users_page_shape(info)
        page = await resolve_page(
            info.context, resolve.FOLLOWERS, self.pk, first, after, last, before, shape
        )
        return UserConnection.from_page(page, partial(User.from_row, shape=shape))

    @strawberry.field(description="Users this user follows, most recent follow first.")
    async def following(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> UserConnection:
        shape = users_page_shape(info)
        page = await resolve_page(
            info.context, resolve.FOLLOWING, self.pk, first, after, last, before, shape
        )
        return UserConnection.from_page(page, partial(User.from_row, shape=shape))


@worded(USERS)
class UserEdge(Edge[User]):
    pass


@worded(USERS)
class UserConnection(Connection[User, UserEdge]):
    pass


class _Columns(NamedTuple):
    """A User's columns in a row, under the row's prefix."""

    id: str
    username: str
    email: str
    name: str
    bio: str
    location: str
    avatar: str
    role: str
    stats: str
    follower_count: str
    following_count: str
    created_at: str
    updated_at: str
    viewer_is_following: str
    follows_viewer: str


@cache
def _columns(prefix: str) -> _Columns:
    """The column names under a prefix (the code's own: "", "author_", ...), made once each
    rather than fifteen f-strings a row."""
    return _Columns(*(prefix + name for name in _Columns._fields))
