"""The process's snapshot readers: subscriptions that read at once share one statement.

A recheck or a lost LISTEN connection wakes every subscriber of a row in the same turn of
the event loop, and each must read its snapshot again, for its own viewer: 10,000 subscribers
of an entry made private would be 10,000 queries at once. These loaders live as long as the
process (unlike the per-request ones of resolvers/loaders.py) and never cache: what is
asked in one turn is read in one statement per kind, up to MAX_BATCH requests each.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar
from uuid import UUID

from aiodataloader import DataLoader

from db.counts import Counts, fetch_entry_counts, fetch_user_counts
from db.executor import Executor
from db.visibility import Audience

MAX_BATCH = 1000

K = TypeVar("K", bound=Hashable)
SnapshotFetch = Callable[[Executor, Sequence[K]], Awaitable[list[Counts | None]]]


class SnapshotLoader(DataLoader[K, Counts | None]):
    """Snapshots by key, many in one statement of `fetch`; None where there is none to see."""

    def __init__(self, fetch: SnapshotFetch[K], db: Executor) -> None:
        super().__init__(cache=False, max_batch_size=MAX_BATCH)
        self._fetch, self._db = fetch, db

    async def batch_load_fn(self, keys: list[K]) -> list[Counts | None]:
        return await self._fetch(self._db, keys)


class Snapshots:
    """The process's two snapshot loaders, over its pool: made by the app's lifespan and
    named in every Context (`snapshots`)."""

    def __init__(self, db: Executor) -> None:
        # An entry's counts as an audience may see them; a user's follow counts.
        self.entries: SnapshotLoader[tuple[int, Audience]] = SnapshotLoader(fetch_entry_counts, db)
        self.users: SnapshotLoader[UUID] = SnapshotLoader(fetch_user_counts, db)
