"""Parsed and validated documents by their text, bounded by the memory they keep.

A client sends the same few documents again and again: each is parsed, validated and its
cost planned once. A parsed document keeps about 600 B to 1 KB per token (its nodes, their
locations and the token list they link to): a 5,000-token document keeps 3 MB, so a cache
of 512 such documents (strawberry's ParserCache and ValidationCache) could keep 1.6 GB. Here
the documents kept weigh at most CACHE_BYTES together, and one heavier than a sixteenth of
that is not kept at all (it is parsed again when it comes again).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from graphql import DocumentNode, GraphQLError

from schema.cost import OperationCost

CACHE_BYTES = 32 * 1024 * 1024
# What a parsed document keeps per token, rounded up from measures (600 B to 1 KB).
BYTES_PER_TOKEN = 1024


@dataclass(eq=False)
class Prepared:
    """A parsed document, then its validation errors and the cost of its operations."""

    document: DocumentNode
    weight: int
    errors: list[GraphQLError] | None = None  # None: not validated yet
    costs: dict[str | None, OperationCost] = field(default_factory=dict)


def weight_of(query: str, document: DocumentNode) -> int:
    """The memory a parsed document keeps, estimated from its tokens (comments included)."""
    tokens = 0
    token = document.loc.start_token if document.loc else None
    while token is not None:
        tokens += 1
        token = token.next
    return tokens * BYTES_PER_TOKEN + len(query)


class DocumentCache:
    """Least recently used documents go first."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 16
        self.bytes = 0
        self._entries: OrderedDict[str, Prepared] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> Prepared | None:
        prepared = self._entries.get(query)
        if prepared is not None:
            self._entries.move_to_end(query)
        return prepared

    def add(self, query: str, document: DocumentNode) -> Prepared:
        """The document prepared, and kept when it is light enough."""
        prepared = Prepared(document, weight_of(query, document))
        if prepared.weight > self.max_entry_bytes:
            return prepared
        previous = self._entries.pop(query, None)
        if previous is not None:
            self.bytes -= previous.weight
        while self._entries and self.bytes + prepared.weight > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.weight
        self._entries[query] = prepared
        self.bytes += prepared.weight
        return prepared
