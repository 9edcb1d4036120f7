"""What a document must pass before it runs: tokens, validation (depth and aliases
included), its cost, and the client's rate budget. Refusals are BAD_USER_INPUT with `limit`,
`max` and `actual` in `extensions`, or RATE_LIMITED with `retryAfter`; no SQL runs for them.

Parsing, validation and the cost plan are cached by the document's text
(schema/document_cache.py), so a document seen before costs a dictionary look-up, the
evaluation of its cost for this request's variables, and the charge to the client's bucket.
A document not seen before is charged its parsing first (PARSE_BYTES_PER_UNIT), so a client
sending ever new documents, valid or not, spends its budget on the CPU they take.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from math import ceil

from graphql import (
    ASTValidationRule,
    GraphQLError,
    OverlappingFieldsCanBeMergedRule,
    ValuesOfCorrectTypeRule,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from resolvers.errors import BadUserInput, RateLimited
from schema.builtin_scalars import ValuesNamingTheirArgument
from schema.cost import CostModel
from schema.document_cache import DocumentCache, Prepared
from schema.document_limits import BoundedOverlappingFields, depth_and_alias_rule, limit_error
from schema.errors import graphql_error
from schema.rate_budget import RateBudget, client_of

# graphql-core's rules that ours replace: the overlap check within a budget, and literal values
# whose errors name their argument.
REPLACED: dict[type[ASTValidationRule], type[ASTValidationRule]] = {
    OverlappingFieldsCanBeMergedRule: BoundedOverlappingFields,
    ValuesOfCorrectTypeRule: ValuesNamingTheirArgument,
}
# Validation errors reported for one document at most: each error's location is found by
# scanning the text, so a hundred of them on a 100 KB document cost 0.1 s.
MAX_VALIDATION_ERRORS = 20
# A document the process has not seen is charged its parsing and validation before they
# start: a unit per this many bytes. The worst documents within the limits take about 5 us of
# CPU per byte (15 KB: 80 ms), so a minute's default budget buys at most about 3 s of it;
# a client's usual documents are charged once, as they are cached afterwards.
PARSE_BYTES_PER_UNIT = 10


@dataclass
class Limits:
    """The limits of one schema, and its document cache (None: no such limit)."""

    max_depth: int | None = None
    max_aliases: int | None = None
    max_tokens: int | None = None
    max_cost: int | None = None
    rate_budget: RateBudget | None = None

    def __post_init__(self) -> None:
        self.cache = DocumentCache()
        self.rule = depth_and_alias_rule(self.max_depth, self.max_aliases)
        self.cost_model: CostModel | None = None

    @property
    def cost_limit(self) -> int | None:
        """The most an operation may cost: no more than a minute's budget, or it could
        never run."""
        budget = self.rate_budget
        limits = [self.max_cost, None if budget is None else budget.per_minute]
        given = [limit for limit in limits if limit is not None]
        return min(given) if given else None

    def refusal(self, cost: int) -> GraphQLError | None:
        limit = self.cost_limit
        if limit is None or cost <= limit:
            return None
        message = (
            f"the operation costs {cost}, over the maximum of {limit}: ask for fewer items "
            "(first) or nest fewer lists"
        )
        return limit_error(message, "cost", limit, cost)

    async def charge(
        self, context: object, cost: int, what: str = "this operation"
    ) -> GraphQLError | None:
        budget = self.rate_budget
        if budget is None:
            return None
        wait = await budget.charge(client_of(context), cost)
        if wait <= 0:
            return None
        seconds = max(1, ceil(wait))
        message = (
            f"over the rate budget of {budget.per_minute} per minute: {what} costs "
            f"{cost}; retry in {seconds} s"
        )
        return graphql_error(
            RateLimited(message, seconds, limit="rate", max=budget.per_minute, cost=cost)
        )

    async def admit(
        self,
        prepared: Prepared,
        operation_name: str | None,
        variables: dict[str, object] | None,
        context: object,
    ) -> GraphQLError | None:
        """Why a validated document's operation may not run now (its cost over the limit, or
        the client's budget spent); None when it may, its cost charged."""
        cost = 1
        operation = prepared.costs.get(operation_name)
        if operation is None and operation_name is None and len(prepared.costs) == 1:
            operation = next(iter(prepared.costs.values()))
        if operation is not None:  # else graphql-core refuses: which operation to run?
            cost = operation.evaluate(variables)
        return self.refusal(cost) or await self.charge(context, cost)

    async def charge_parsing(self, context: object, query: str) -> None:
        """Charge a document not seen before for its parsing and validation, before they
        run: RATE_LIMITED when the client's budget cannot pay."""
        units = ceil(len(query) / PARSE_BYTES_PER_UNIT)
        refused = await self.charge(context, units, "parsing this new document")
        if refused is not None:
            raise refused


class DocumentLimits(SchemaExtension):
    """Parses through the cache, validates with our rules, refuses what costs too much or
    what the client's budget cannot pay for."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.prepared: Prepared | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        limits = self.limits
        if limits.max_tokens is not None:
            context.parse_options["max_tokens"] = limits.max_tokens
        query = context.query
        prepared = limits.cache.get(query) if query else None
        if prepared is not None:
            context.graphql_document = prepared.document
        elif query:
            await limits.charge_parsing(context.context, query)
        yield  # strawberry parses what the cache did not have
        if prepared is None and query and context.graphql_document is not None:
            prepared = limits.cache.add(query, context.graphql_document)
        elif prepared is None and context.pre_execution_errors:
            self._explain_tokens(context.pre_execution_errors[0])
        self.prepared = prepared

    async def on_validate(self) -> AsyncIterator[None]:
        prepared = self.prepared
        context = self.execution_context
        if prepared is None:  # no query text (strawberry validates as usual)
            yield
            return
        if prepared.errors is None:
            self._validate(prepared, context.validation_rules)
        if prepared.errors:
            context.pre_execution_errors = list(prepared.errors)
            yield
            return
        refused = await self.limits.admit(
            prepared, context.operation_name, context.variables, context.context
        )
        context.pre_execution_errors = [refused] if refused else []
        yield

    def _validate(self, prepared: Prepared, rules: tuple[type, ...]) -> None:
        limits = self.limits
        schema = self.execution_context.schema._schema
        prepared.errors = validate(
            schema,
            prepared.document,
            (
                *(REPLACED.get(rule, rule) for rule in rules),
                limits.rule,
                MaybeNullValidationRule,
                OneOfInputValidationRule,
            ),
            max_errors=MAX_VALIDATION_ERRORS,
        )
        if not prepared.errors:
            if limits.cost_model is None:
                limits.cost_model = CostModel(schema)
            prepared.costs = limits.cost_model.plan(prepared.document)

    def _explain_tokens(self, error: GraphQLError) -> None:
        """graphql-core's refusal of a document over the token limit, with the limit's
        extensions (the error is the one strawberry returns: it is completed in place)."""
        maximum = self.limits.max_tokens
        if maximum is None or f"more than {maximum} tokens" not in error.message:
            return
        error.message = f"the document has more than the maximum of {maximum} tokens"
        error.original_error = BadUserInput(error.message, limit="tokens", max=maximum)
