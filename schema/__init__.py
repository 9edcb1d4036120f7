"""Strawberry types and the root Query, Mutation and Subscription, composed into one schema."""

from __future__ import annotations

from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.scalars import JSON

from schema.builtin_scalars import refuse_unusable_input
from schema.entries import Entry
from schema.errors import ErrorCodes, ResonanceSchema
from schema.json_scalar import JSON_SCALAR
from schema.mutations import Mutation
from schema.query import Query
from schema.shared_events import SharedEventExecutor
from schema.subscriptions import Subscription
from schema.users import User

# Parsed and validated documents are kept (bounded, so many distinct queries cannot grow
# memory without limit): a client sends the same few documents again and again.
DOCUMENT_CACHE_SIZE = 512


def build_schema(
    *, max_depth: int | None = None, max_aliases: int | None = None, max_tokens: int | None = None
) -> ResonanceSchema:
    """The schema, refusing documents over the given limits (BAD_USER_INPUT)."""
    refuse_unusable_input()
    extensions: list[object] = [ErrorCodes]
    if max_tokens is not None:
        extensions.append(lambda: MaxTokensLimiter(max_token_count=max_tokens))
    # The limit rules are made once: the validation cache keys on the rules, and a rule made
    # per request would never hit it.
    rules = []
    if max_depth is not None:
        rules += QueryDepthLimiter(max_depth=max_depth).validation_rules
    if max_aliases is not None:
        rules += MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules
    if rules:
        extensions.append(lambda: AddValidationRules(rules))
    extensions.append(lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE))
    extensions.append(lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE))
    return ResonanceSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Entry, User],
        extensions=extensions,  # type: ignore[arg-type]
        execution_context_class=SharedEventExecutor,
        scalar_overrides={JSON: JSON_SCALAR},
    )


# The schema as code defines it, for `make schema` and tests; the server builds its own with
# the configured limits.
schema = build_schema()
