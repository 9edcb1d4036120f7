"""The root Mutation and its inputs: one-liners over resolvers/mutations.py."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from resolvers import mutations as resolve
from resolvers.ids import encode_id
from schema.common import Info
from schema.entries import Entry
from schema.enums import EntryType, Privacy, db_value
from schema.json_scalar import INPUT_RULES
from schema.users import User

METADATA_INPUT = f"Free-form JSON, up to 16 KiB: {INPUT_RULES}."


def given(input_: object) -> dict[str, Any]:
    """The fields the client gave (null included); enums as stored."""
    values = {f.name: getattr(input_, f.name) for f in fields(input_)}  # type: ignore[arg-type]
    present = {k: v for k, v in values.items() if v is not strawberry.UNSET}
    return {
        k: db_value(v) if isinstance(v, (EntryType, Privacy)) else v for k, v in present.items()
    }


@strawberry.input(description="A new profile for the signed-in user.")
class CreateProfileInput:
    username: str = strawberry.field(description="3-30 of [A-Za-z0-9_], unique case-insensitively.")
    email: str | None = strawberry.field(default=None, description="Shown only to you and admins.")
    name: str | None = strawberry.field(default=None, description="Display name, up to 100.")
    bio: str | None = strawberry.field(default=None, description="Up to 500 characters.")
    location: str | None = strawberry.field(default=None, description="Up to 100 characters.")
    avatar: str | None = strawberry.field(default=None, description="An http(s) picture address.")


@strawberry.input(description="Profile fields to change; a field left out stays, null clears it.")
class UpdateProfileInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Display name, up to 100."
    )
    bio: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 500 characters."
    )
    location: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 100 characters."
    )
    avatar: str | None = strawberry.field(
        default=strawberry.UNSET, description="An http(s) picture address."
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="Shown only to you and admins."
    )


@strawberry.input(description="A new entry; with parentId, a branch (reply) of that entry.")
class CreateEntryInput:
    content: str = strawberry.field(description="The text, 1 to 10,000 characters.")
    type: EntryType = strawberry.field(default=EntryType.LOGBOOK, description="LOGBOOK or DREAM.")
    title: str | None = strawberry.field(default=None, description="Up to 300 characters.")
    agent: str | None = strawberry.field(
        default=None, description="What wrote it for you, up to 100."
    )
    privacy: Privacy = strawberry.field(default=Privacy.PUBLIC, description="Who may see it.")
    tags: list[str] | None = strawberry.field(
        default=None, description="Up to 20 tags of 1-50 [a-z0-9_-]; stored lower-case."
    )
    metadata: JSON | None = strawberry.field(default=None, description=METADATA_INPUT)
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="Branch from this entry (a reply)."
    )


@strawberry.input(description="Entry fields to change; a field left out stays as it is.")
class UpdateEntryInput:
    content: str | None = strawberry.field(
        default=strawberry.UNSET, description="1 to 10,000 characters."
    )
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 300; null clears it."
    )
    privacy: Privacy | None = strawberry.field(
        default=strawberry.UNSET, description="Who may see it."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the tags; null clears them."
    )
    metadata: JSON | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"Replaces the metadata; null clears it. {METADATA_INPUT}",
    )


EntryId = Annotated[strawberry.ID, strawberry.argument(description="An Entry id.")]
UserId = Annotated[strawberry.ID, strawberry.argument(description="A User id.")]


@strawberry.type(description="Everything a signed-in client can change.")
class Mutation:
    @strawberry.mutation(
        description="Creates the viewer's profile; the id is the token's sub claim."
    )
    async def create_profile(
        self,
        info: Info,
        input: Annotated[CreateProfileInput, strawberry.argument(description="The new profile.")],
    ) -> User:
        return User.from_row(await resolve.resolve_create_profile(info.context, given(input)))

    @strawberry.mutation(description="Changes the viewer's profile.")
    async def update_profile(
        self,
        info: Info,
        input: Annotated[
            UpdateProfileInput, strawberry.argument(description="The fields to change.")
        ],
    ) -> User:
        return User.from_row(await resolve.resolve_update_profile(info.context, given(input)))

    @strawberry.mutation(description="Posts an entry, or with parentId a branch of one.")
    async def create_entry(
        self,
        info: Info,
        input: Annotated[CreateEntryInput, strawberry.argument(description="The new entry.")],
    ) -> Entry:
        return Entry.from_row(await resolve.resolve_create_entry(info.context, given(input)))

    @strawberry.mutation(description="Changes an entry of the viewer's.")
    async def update_entry(
        self,
        info: Info,
        id: EntryId,
        input: Annotated[
            UpdateEntryInput, strawberry.argument(description="The fields to change.")
        ],
    ) -> Entry:
        return Entry.from_row(await resolve.resolve_update_entry(info.context, id, given(input)))

    @strawberry.mutation(
        description="Deletes an entry of the viewer's (or any, for an admin) and returns its id."
    )
    async def delete_entry(self, info: Info, id: EntryId) -> strawberry.ID:
        return strawberry.ID(
            encode_id("Entry", await resolve.resolve_delete_entry(info.context, id))
        )

    @strawberry.mutation(description="Idempotent: resonating twice leaves one resonance.")
    async def resonate(self, info: Info, entry_id: EntryId) -> Entry:
        return Entry.from_row(await resolve.resolve_resonate(info.context, entry_id))

    @strawberry.mutation(
        description="Takes the viewer's resonance back; a no-op when there is none."
    )
    async def unresonate(self, info: Info, entry_id: EntryId) -> Entry:
        return Entry.from_row(await resolve.resolve_unresonate(info.context, entry_id))

    @strawberry.mutation(description="Idempotent: amplifying twice leaves one amplification.")
    async def amplify(self, info: Info, entry_id: EntryId) -> Entry:
        return Entry.from_row(await resolve.resolve_amplify(info.context, entry_id))

    @strawberry.mutation(
        description="Takes the viewer's amplification back; a no-op when there is none."
    )
    async def unamplify(self, info: Info, entry_id: EntryId) -> Entry:
        return Entry.from_row(await resolve.resolve_unamplify(info.context, entry_id))

    @strawberry.mutation(description="Counts one share; every call counts.")
    async def share(self, info: Info, entry_id: EntryId) -> Entry:
        return Entry.from_row(await resolve.resolve_share(info.context, entry_id))

    @strawberry.mutation(
        description="Follows a user; a no-op when already following. Not yourself."
    )
    async def follow(self, info: Info, user_id: UserId) -> User:
        return User.from_row(await resolve.resolve_follow(info.context, user_id))

    @strawberry.mutation(description="Stops following a user; a no-op when not following.")
    async def unfollow(self, info: Info, user_id: UserId) -> User:
        return User.from_row(await resolve.resolve_unfollow(info.context, user_id))
