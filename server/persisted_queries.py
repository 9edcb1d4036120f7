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

Trusted documents (server/trusted_documents.py) come first: an id in the manifest, sent as
`documentId` (or Relay's `doc_id`, or `id`) or as the persisted query's hash, names its
document; with PERSISTED_ONLY nothing else runs (FORBIDDEN), and automatic persisted
queries keep nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from strawberry.http import GraphQLRequestData

from resolvers.errors import (
    BadUserInput,
    Forbidden,
    PersistedQueryNotFound,
    PersistedQueryNotSupported,
)
from server.trusted_documents import normal_id

VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")


ONLY_TRUSTED = "this server runs only its persisted documents: send the document's id as documentId"


@dataclass
class OperationRequest(GraphQLRequestData):
    """An operation as sent, with the id of a trusted document when it names one."""

    document_id: str | None = None


class PersistedQueries:
    """The queries kept by their SHA-256, at most `max_bytes` of text (0: none, and the
    protocol is refused as not supported); before them, the trusted documents by id, and
    with `trusted_only` nothing but those."""

    def __init__(
        self,
        max_bytes: int,
        trusted: Mapping[str, str] | None = None,
        *,
        trusted_only: bool = False,
    ) -> None:
        self.max_bytes = max_bytes
        self.trusted = dict(trusted or {})
        self._trusted_texts = frozenset(self.trusted.values())
        # Each document is known by its SHA-256 too (a Relay manifest's ids are MD5), so
        # Apollo's link, sending that hash, finds the documents of any manifest.
        for text in self._trusted_texts:
            self.trusted.setdefault(hashlib.sha256(text.encode()).hexdigest(), text)
        self.trusted_only = trusted_only
        # Each query with its size in bytes, the least recently used first.
        self._queries: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._bytes = 0

    def resolve(self, request: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its query: a trusted document's for its id; as sent when it
        names no persisted query; the kept query for a hash alone; as sent, and kept, when
        hash and query match."""
        document_id = getattr(request, "document_id", None)
        if document_id is not None:
            text = self.trusted.get(normal_id(document_id))
            if text is not None:
                return _with_document(request, text)
            if request.query is None:
                raise PersistedQueryNotFound("PersistedQueryNotFound")
            # Otherwise an id beside a query that names no document here: the query runs.
        wanted = _persisted_query(request.extensions)
        if wanted is None:
            query = request.query
            if self.trusted_only and query is not None and query not in self._trusted_texts:
                raise Forbidden(ONLY_TRUSTED)
            return request
        sha256 = _hash_of(wanted)
        text = self.trusted.get(sha256)
        if text is not None:
            return _with_document(request, text)
        if self.trusted_only:
            if request.query is None:
                raise PersistedQueryNotFound("PersistedQueryNotFound")
            raise Forbidden(ONLY_TRUSTED)
        if self.max_bytes <= 0:
            raise PersistedQueryNotSupported("PersistedQueryNotSupported")
        if request.query is None:
            kept = self._queries.get(sha256)
            if kept is None:
                raise PersistedQueryNotFound("PersistedQueryNotFound")
            self._queries.move_to_end(sha256)
            return replace(request, query=kept[0])
        text_bytes = request.query.encode()
        if hashlib.sha256(text_bytes).hexdigest() != sha256:
            raise BadUserInput("provided sha does not match query")
        self._keep(sha256, request.query, len(text_bytes))
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


def _with_document(request: GraphQLRequestData, text: str) -> GraphQLRequestData:
    if request.query is not None and request.query != text:
        raise BadUserInput("the query sent is not the document its id names")
    return replace(request, query=text)


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
