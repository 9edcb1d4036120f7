"""The benchmark's scenarios: what the clients send, and what the floor replays."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from bench.dataset import Size, showcase_entry
from db import unchecked
from db.executor import Pool
from db.pool import capturing_statements
from resolvers.context import Context, Viewer
from resolvers.ids import encode_id
from schema import build_schema

FEED = """
query Feed($first: Int) {
  feed(first: $first) {
    edges {
      cursor
      reason { amplifiedBy { id username } amplifiedAt }
      node {
        id title content createdAt
        author { id username name avatar viewerIsFollowing }
        counts { resonanceCount branchCount amplificationCount shareCount }
        viewerHasResonated viewerHasAmplified
        branches(first: 3) { nodes { id content author { id username } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# The plain list, anonymous: the query of issue 13's comparison with PostGraphile.
LIST = """
query List {
  entries(first: 20) {
    nodes {
      id title content createdAt
      author { id username }
      counts { resonanceCount branchCount amplificationCount shareCount }
    }
  }
}
"""

ENTRY_PAGE = """
query EntryPage($id: ID!) {
  entry(id: $id) {
    id title content createdAt
    author { id username name }
    counts { resonanceCount branchCount amplificationCount shareCount }
    viewerHasResonated viewerHasAmplified
    ancestors { id title author { username } }
    branches(first: 20) {
      nodes { id content author { username } counts { resonanceCount branchCount } }
    }
    resonators(first: 20) { nodes { id username } }
  }
}
"""

_WRITE = (
    "mutation ($id: ID!) { %s(entryId: $id) { id counts { resonanceCount } viewerHasResonated } }"
)
RESONATE = _WRITE % "resonate"
UNRESONATE = _WRITE % "unresonate"

Statement = tuple[str, tuple[Any, ...]]
Stage = list[Statement]


def user_id(n: int) -> UUID:
    """The bench generator's user n (md5('bench-user-n') as a UUID)."""
    return UUID(hashlib.md5(f"bench-user-{n}".encode()).hexdigest())


FEED_READER = 1


def body(query: str, **variables: Any) -> dict[str, Any]:
    return {"query": query, "variables": variables}


async def capture(
    pool: Pool, query: str, viewer: UUID | None, **variables: Any
) -> tuple[list[Stage], Any]:
    """Run `query` as the server would (`viewer` None: anonymous) and return its statements
    as floor stages: the first statement alone, then the rest at once (the dataloaders' next
    level), and the result."""
    schema = build_schema()
    context = Context(db=pool, viewer=None if viewer is None else Viewer(viewer))
    with capturing_statements() as statements:
        result = await schema.execute(query, variable_values=variables, context_value=context)
    if result.errors:
        raise RuntimeError(f"{query[:40]}...: {result.errors}")
    return [statements[:1], statements[1:]] if len(statements) > 1 else [statements], result.data


def spread_entries(size: Size, worker: int, per_worker: int = 50) -> list[int]:
    """Public entries for one writer, none shared with another writer."""
    picked: list[int] = []
    candidate = size.entries - worker * per_worker * 2
    while len(picked) < per_worker and candidate > 1:
        if candidate % 20 < 16:  # public, as the generator decides
            picked.append(candidate)
        candidate -= 1
    return picked


def reads(size: Size, reader_token: str) -> dict[str, dict[str, Any]]:
    """The read scenarios' requests: the plain list (anonymous), the reader's feed, and the
    showcase entry's page as the reader sees it."""
    entry = encode_id("Entry", showcase_entry(size))
    return {
        "list": {"body": body(LIST)},
        "feed": {"body": body(FEED, first=20), "token": reader_token},
        "entry": {"body": body(ENTRY_PAGE, id=entry), "token": reader_token},
    }


def subscribed_entries(size: Size, kind: str, subscribers: int) -> list[int]:
    """Each subscriber's entry: all on the showcase entry (`one_entry`), or each its own
    (`spread`)."""
    if kind == "one_entry":
        return [showcase_entry(size)] * subscribers
    return [e for w in range(subscribers // 50 + 1) for e in spread_entries(size, w)][:subscribers]


def write_plan(size: Size, tokens: list[str], *, hot: bool) -> list[list[dict[str, Any]]]:
    """Per worker: resonate then unresonate, over its own entries or all on the hot one."""
    plans = []
    for worker, token in enumerate(tokens):
        entries = [showcase_entry(size)] if hot else spread_entries(size, worker)
        requests = []
        for entry in entries:
            gid = encode_id("Entry", entry)
            requests.append({"body": body(RESONATE, id=gid), "token": token})
            requests.append({"body": body(UNRESONATE, id=gid), "token": token})
        plans.append(requests)
    return plans


async def write_floor(
    pool: Pool, size: Size, writers: int, *, hot: bool
) -> list[list[list[Stage]]]:
    """The same inserts and deletes as plain SQL: captured from db/unchecked.py, which
    writes the rows with no checks and no re-read, then undone."""
    plans = []
    for worker in range(writers):
        entries = [showcase_entry(size)] if hot else spread_entries(size, worker)
        requests: list[list[Stage]] = []
        for entry in entries:
            for op in (unchecked.insert_resonance, unchecked.delete_resonance):
                with capturing_statements() as statements:
                    await op(pool, user_id=user_id(worker + 1), entry_id=entry)
                requests.append([statements])
        plans.append(requests)
    return plans
