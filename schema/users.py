"""The User type and its connection."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from resolvers import users as resolve
from resolvers.context import Context
from resolvers.ids import encode_id
from resolvers.pagination import Page
from schema.common import After, First, Node, PageInfo
from schema.enums import Role
from schema.json_scalar import UNSENDABLE_RULE

if TYPE_CHECKING:
    from schema.entries import EntryConnection

Info = strawberry.Info[Context, None]


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
    def from_row(cls, row: Any, prefix: str = "") -> User:
        """A User from a row of db.columns.user_columns (with that column prefix)."""
        p = prefix
        return cls(
            id=strawberry.ID(encode_id("User", row[f"{p}id"])),
            pk=row[f"{p}id"],
            username=row[f"{p}username"],
            email=row[f"{p}email"],
            name=row[f"{p}name"],
            bio=row[f"{p}bio"],
            location=row[f"{p}location"],
            avatar=row[f"{p}avatar"],
            role=Role(row[f"{p}role"]),
            stats=row[f"{p}stats"],
            follower_count=row[f"{p}follower_count"],
            following_count=row[f"{p}following_count"],
            created_at=row[f"{p}created_at"],
            updated_at=row[f"{p}updated_at"],
            viewer_is_following=row[f"{p}viewer_is_following"],
            follows_viewer=row[f"{p}follows_viewer"],
        )

    @strawberry.field(description="This user's entries that the viewer may see, newest first.")
    async def entries(
        self, info: Info, first: First = 20, after: After = None
    ) -> Annotated[EntryConnection, strawberry.lazy("schema.entries")]:
        from schema.entries import EntryConnection

        page = await resolve.resolve_user_entries(info.context, self.pk, first, after)
        return EntryConnection.from_page(page)

    @strawberry.field(description="Users who follow this user, most recent follow first.")
    async def followers(self, info: Info, first: First = 20, after: After = None) -> UserConnection:
        page = await resolve.resolve_followers(info.context, self.pk, first, after)
        return UserConnection.from_page(page)

    @strawberry.field(description="Users this user follows, most recent follow first.")
    async def following(self, info: Info, first: First = 20, after: After = None) -> UserConnection:
        page = await resolve.resolve_following(info.context, self.pk, first, after)
        return UserConnection.from_page(page)


@strawberry.type(description="A user in a list, with the cursor to read on after it.")
class UserEdge:
    cursor: str = strawberry.field(description="Pass as `after` to read the users after this one.")
    node: User = strawberry.field(description="The user.")


@strawberry.type(description="A page of users.")
class UserConnection:
    edges: list[UserEdge] = strawberry.field(description="The users of this page, with cursors.")
    nodes: list[User] = strawberry.field(description="The users of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")

    @classmethod
    def from_page(cls, page: Page) -> UserConnection:
        nodes = [User.from_row(row) for row in page.rows]
        return cls(
            edges=[UserEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo.from_page(page),
        )
