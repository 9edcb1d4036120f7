"""Automatic persisted queries, Apollo's protocol (`createPersistedQueryLink`): a client sends
the SHA-256 of its query in `extensions.persistedQuery` instead of the query; the first time,
the server answers PERSISTED_QUERY_NOT_FOUND and the client sends both, hash and query; the
server checks that they match and keeps the query, so later requests (a GET among them, which
caches can keep) carry the hash alone.

The store is this process's (each worker its own: a client that reaches another worker is
told NOT_FOUND once there too), bounded by the text it holds (PERSISTED_QUERY_BYTES), the
least recently used dropped first. A query is kept only once its hash is checked, so a
client can fill the store with nothing but its own queries, each of which it could send in
full anyway; at worst others' hashes are dropped and those clients send their query again.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from strawberry.http import GraphQLRequestData

from resolvers.errors import BadUserInput, PersistedQueryNotFound, PersistedQueryNotSupported

VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")


class PersistedQueries:
    """The queries kept by their SHA-256, at most `max_bytes` of text (0: none, and the
    protocol is refused as not supported)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # Each query with its size in bytes, the least recently used first.
        self._queries: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._bytes = 0

    def resolve(self, request: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its query: as sent when it names no persisted query; the kept
        query for a hash alone; as sent, and kept, when hash and query match."""
        wanted = _persisted_query(request.extensions)
        if wanted is None:
            return request
        if self.max_bytes <= 0:
            raise PersistedQueryNotSupported("PersistedQueryNotSupported")
        sha256 = _hash_of(wanted)
        if request.query is None:
            kept = self._queries.get(sha256)
            if kept is None:
                raise PersistedQueryNotFound("PersistedQueryNotFound")
            self._queries.move_to_end(sha256)
            return replace(request, query=kept[0])
        text = request.query.encode()
        if hashlib.sha256(text).hexdigest() != sha256:
            raise BadUserInput("provided sha does not match query")
        self._keep(sha256, request.query, len(text))
        return request

    def _keep(self, sha256: str, query: str, size: int) -> None:
        if sha256 in self._queries:
            self._queries.move_to_end(sha256)
            return
        if size > self.max_bytes:
            return
        self._queries[sha256] = (query, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, (_, dropped) = self._queries.popitem(last=False)
            self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._queries)


def _persisted_query(extensions: dict[str, Any] | None) -> dict[str, Any] | None:
    if not extensions or "persistedQuery" not in extensions:
        return None
    wanted = extensions["persistedQuery"]
    if not isinstance(wanted, dict):
        raise BadUserInput("extensions.persistedQuery must be an object")
    return wanted


def _hash_of(wanted: dict[str, Any]) -> str:
    version = wanted.get("version")
    if version != VERSION or isinstance(version, bool):
        raise BadUserInput(f"extensions.persistedQuery.version must be {VERSION}")
    sha256 = wanted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256.lower()):
        raise BadUserInput("extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits")
    return sha256.lower()
