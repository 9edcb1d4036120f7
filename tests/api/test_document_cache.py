"""Parsed documents are kept by their text, within a memory bound that holds."""

from __future__ import annotations

import gc
import tracemalloc

import httpx
from graphql import parse

from bench.scenarios import FEED
from schema.document_cache import DocumentCache, weight_of
from tests.graphql import post

NEAR_THE_TOKEN_LIMIT = "{ viewer { " + " ".join(f"a{i}: id" for i in range(1600)) + " } }"


def kept_by(query: str) -> int:
    """The bytes a parsed document keeps alive, measured."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        document = parse(query)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert document.loc is not None
    return kept


def test_the_weight_of_a_document_is_not_below_what_it_keeps() -> None:
    for query in (FEED, NEAR_THE_TOKEN_LIMIT):
        assert weight_of(query, parse(query)) >= kept_by(query)


def test_the_same_text_is_the_same_document() -> None:
    cache = DocumentCache()
    first = cache.add(FEED, parse(FEED))
    assert cache.get(FEED) is first
    assert cache.get(FEED + " ") is None


def test_the_documents_kept_weigh_at_most_the_bound() -> None:
    cache = DocumentCache(max_bytes=64 * 1024 * 16)
    queries = [f"{{ entries(first: {n}) {{ nodes {{ id title }} }} }}" for n in range(200)]
    for query in queries:
        cache.add(query, parse(query))
        assert cache.bytes <= cache.max_bytes
    assert 0 < len(cache) < len(queries)
    assert cache.get(queries[-1]) is not None
    assert cache.get(queries[0]) is None  # the least recently used went first


def test_a_document_heavier_than_a_sixteenth_of_the_bound_is_not_kept() -> None:
    cache = DocumentCache(max_bytes=32 * 1024 * 1024)
    prepared = cache.add(NEAR_THE_TOKEN_LIMIT, parse(NEAR_THE_TOKEN_LIMIT))
    assert prepared.weight > cache.max_entry_bytes
    assert cache.get(NEAR_THE_TOKEN_LIMIT) is None
    assert cache.bytes == 0


async def test_a_document_too_heavy_to_keep_is_still_answered(client: httpx.AsyncClient) -> None:
    query = "{ viewer { id } }" + "\n# a comment" * 2500  # 2,500 tokens: not kept
    for _ in range(2):
        assert await post(client, query) == {"data": {"viewer": None}}
