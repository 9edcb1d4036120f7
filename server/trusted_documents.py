"""Trusted documents: the operations a client build was made with, read from the manifest its
tooling writes, so production clients send an id instead of a document and, with
PERSISTED_ONLY, nobody can send any other.

The manifest (PERSISTED_DOCUMENTS, a JSON file) may be any of the three forms clients'
tooling writes:

- Relay's `persisted_queries.json` and GraphQL Code Generator's `persisted-documents.json`:
  an object of id to document text.
- Apollo's `persisted-query-manifest.json` (`@apollo/generate-persisted-query-manifest`):
  `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id",
  "body", ...}]}`.

Ids are taken as written (Relay's are MD5 unless told otherwise, the others SHA-256); an id
of 64 hexadecimal digits is also known in lower case, and `sha256:<hex>` (the GraphQL over
HTTP draft's document ids) names the same document as `<hex>`.
"""

from __future__ import annotations

import json
from pathlib import Path

APOLLO_FORMAT = "apollo-persisted-query-manifest"
SHA256_PREFIX = "sha256:"


class ManifestError(Exception):
    """The manifest cannot be read: the server refuses to start, saying why."""


def load_manifest(path: Path) -> dict[str, str]:
    """The documents of a manifest file, by id."""
    try:
        parsed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"PERSISTED_DOCUMENTS {path}: {error}") from None
    documents = _documents(parsed)
    if documents is None:
        raise ManifestError(
            f"PERSISTED_DOCUMENTS {path}: not a manifest (an object of id to document, or "
            f"Apollo's {APOLLO_FORMAT} version 1)"
        )
    return {normal_id(key): text for key, text in documents.items()}


def _documents(parsed: object) -> dict[str, str] | None:
    if not isinstance(parsed, dict):
        return None
    if parsed.get("format") == APOLLO_FORMAT:
        operations = parsed.get("operations")
        if parsed.get("version") != 1 or not isinstance(operations, list):
            return None
        pairs = [(op.get("id"), op.get("body")) for op in operations if isinstance(op, dict)]
        if len(pairs) != len(operations):
            return None
        parsed = dict(pairs)
    documents = {k: v for k, v in parsed.items() if isinstance(k, str) and isinstance(v, str)}
    return documents if len(documents) == len(parsed) else None


def normal_id(document_id: str) -> str:
    """An id as the manifest keeps it: without `sha256:`, a SHA-256 in lower case."""
    bare = document_id.removeprefix(SHA256_PREFIX)
    if len(bare) == 64 and all(c in "0123456789abcdefABCDEF" for c in bare):
        return bare.lower()
    return bare
