"""Static limits of a document (depth, aliases, validation work), each measured in linear time.

Strawberry's QueryDepthLimiter and MaxAliasesLimiter walk a fragment again on every path that
reaches it: a 1.5 KB document whose 30 fragments each spread the next one twice never
finishes (2^30 walks), and a spread of an unknown fragment raises KeyError in the depth
walk (an INTERNAL error). Here each fragment is measured once, after the fragments it
spreads, and its depth and alias count are reused wherever it is spread; unknown fragments
and cycles count nothing (graphql-core's own rules report them).

graphql-core bounds OverlappingFieldsCanBeMergedRule with a budget of field comparisons, 500k
by default: about 0.8 s of CPU for a 5,000-token document of same-named fields with
arguments. Our documents spend nothing of it (every GraphiQL example, the benchmark's
documents, the introspection query), so ours is 20k.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import OverlappingFieldsCanBeMergedRule
from graphql.validation.validate import ValidationAbortedError

from resolvers.errors import BadUserInput
from schema.errors import graphql_error

# Field comparisons (graphql-core's units) allowed while checking that same-named fields
# merge: about 30 ms of CPU at most.
OVERLAP_BUDGET = 20_000
# Counts in `extensions` stay exact numbers for JavaScript clients (and within orjson's
# 64 bits): a fan-out of fragments can count 2^100 aliases.
MAX_REPORTED = 2**53 - 1


def limit_error(
    message: str, limit: str, maximum: int, actual: int | None = None, nodes: Any = None
) -> GraphQLError:
    """A refusal the client can act on: BAD_USER_INPUT with `limit`, `max` and `actual`."""
    extensions: dict[str, object] = {"limit": limit, "max": maximum}
    if actual is not None:
        extensions["actual"] = min(actual, MAX_REPORTED)
    return graphql_error(BadUserInput(message, **extensions), nodes)


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def spreads_in(selection_set: SelectionSetNode | None) -> Iterator[str]:
    """The names of the fragments spread anywhere in `selection_set`, nested fields included."""
    stack = [selection_set] if selection_set else []
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                stack.append(selection.selection_set)


def dependency_order(
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[FragmentDefinitionNode]:
    """Every fragment after the fragments it spreads (a spread closing a cycle is ignored),
    without recursion: a chain of a thousand fragments is a few kilobytes."""
    order: list[FragmentDefinitionNode] = []
    done: set[str] = set()
    for root in fragments:
        if root in done:
            continue
        done.add(root)
        stack = [(root, spreads_in(fragments[root].selection_set))]
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                order.append(fragments[name])
            elif child in fragments and child not in done:
                done.add(child)
                stack.append((child, spreads_in(fragments[child].selection_set)))
    return order


@dataclass(frozen=True, slots=True)
class Measure:
    depth: int  # nested selection sets below the operation's own: `{ viewer { id } }` is 1
    aliases: int  # aliased fields, each fragment counted once per spread


def measure(document: DocumentNode) -> dict[OperationDefinitionNode, Measure]:
    """The depth and alias count of each operation, in time linear in the document."""
    fragments = fragments_of(document)
    measured: dict[str, Measure] = {}
    for fragment in dependency_order(fragments):
        # A spread of a fragment still unmeasured is one closing a cycle: it counts 0.
        measured[fragment.name.value] = _measure(fragment.selection_set, measured)
    return {
        definition: _measure(definition.selection_set, measured)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }


def _measure(selection_set: SelectionSetNode, fragments: Mapping[str, Measure]) -> Measure:
    depth = aliases = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            aliases += selection.alias is not None
            if selection.selection_set is not None:
                inner = _measure(selection.selection_set, fragments)
                depth, aliases = max(depth, inner.depth + 1), aliases + inner.aliases
        elif isinstance(selection, InlineFragmentNode):
            inner = _measure(selection.selection_set, fragments)
            depth, aliases = max(depth, inner.depth), aliases + inner.aliases
        elif isinstance(selection, FragmentSpreadNode):
            spread = fragments.get(selection.name.value)
            if spread is not None:
                depth, aliases = max(depth, spread.depth), aliases + spread.aliases
    return Measure(depth, aliases)


def depth_and_alias_rule(max_depth: int | None, max_aliases: int | None) -> type[ValidationRule]:
    """A validation rule refusing operations deeper than `max_depth` or with more than
    `max_aliases` aliases (None: no limit)."""

    class DepthAndAliasLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for operation, found in measure(context.document).items():
                name = operation.name.value if operation.name else "anonymous"
                if max_depth is not None and found.depth > max_depth:
                    message = (
                        f"'{name}' is {found.depth} levels deep, over the maximum depth of "
                        f"{max_depth}"
                    )
                    context.report_error(
                        limit_error(message, "depth", max_depth, found.depth, operation)
                    )
                if max_aliases is not None and found.aliases > max_aliases:
                    message = (
                        f"'{name}' has {found.aliases} aliases, over the maximum of {max_aliases}"
                    )
                    context.report_error(
                        limit_error(message, "aliases", max_aliases, found.aliases, operation)
                    )

    return DepthAndAliasLimits


class BoundedOverlappingFields(OverlappingFieldsCanBeMergedRule):
    """graphql-core's rule with our smaller budget, and a refusal that says why."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = OVERLAP_BUDGET

    def enter_selection_set(self, *args: Any) -> None:
        try:
            super().enter_selection_set(*args)
        except ValidationAbortedError:
            message = (
                "the document is too costly to validate: too many fields or fragments share "
                "a response name"
            )
            raise ValidationAbortedError(
                message,
                original_error=BadUserInput(message, limit="validation", max=OVERLAP_BUDGET),
            ) from None
