"""Strawberry types and the root Query, Mutation and Subscription, composed into one schema."""

from __future__ import annotations

from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from schema.entries import Entry
from schema.errors import ErrorCodes, ResonanceSchema
from schema.mutations import Mutation
from schema.query import Query
from schema.users import User


def build_schema(
    *, max_depth: int | None = None, max_aliases: int | None = None, max_tokens: int | None = None
) -> ResonanceSchema:
    """The schema, refusing documents over the given limits (BAD_USER_INPUT)."""
    extensions: list[object] = [ErrorCodes]
    if max_tokens is not None:
        extensions.append(lambda: MaxTokensLimiter(max_token_count=max_tokens))
    if max_depth is not None:
        extensions.append(lambda: QueryDepthLimiter(max_depth=max_depth))
    if max_aliases is not None:
        extensions.append(lambda: MaxAliasesLimiter(max_alias_count=max_aliases))
    return ResonanceSchema(
        query=Query,
        mutation=Mutation,
        types=[Entry, User],
        extensions=extensions,  # type: ignore[arg-type]
    )


# The schema as code defines it, for `make schema` and tests; the server builds its own with
# the configured limits.
schema = build_schema()
