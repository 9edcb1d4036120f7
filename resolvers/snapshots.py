"""The process's snapshot readers: subscriptions that read at once share one statement.

A recheck or a lost LISTEN connection wakes every subscriber of a row in the same turn of
the event loop, and each must read its snapshot again, for its own viewer: 10,000 subscribers
of an entry made private would be 10,000 queries at once. These loaders live as long as the
process (unlike the per-request ones of resolvers/loaders.py) and never cache: what is
asked in one turn is read in one statement per kind, up to MAX_BATCH requests each.
"""

from __future__ import annotations

from uuid import UUID

from aiodataloader import DataLoader

from db.counts import Counts, fetch_entry_counts, fetch_user_counts
from db.executor import Executor
from db.visibility import Audience

MAX_BATCH = 1000


class EntrySnapshotLoader(DataLoader[tuple[int, Audience], Counts | None]):
    """An entry's counts as an audience may see them; None when it may not."""

    def __init__(self, db: Executor) -> None:
        super().__init__(cache=False, max_batch_size=MAX_BATCH)
        self._db = db

    async def batch_load_fn(self, keys: list[tuple[int, Audience]]) -> list[Counts | None]:
        return await fetch_entry_counts(self._db, keys)


class UserSnapshotLoader(DataLoader[UUID, Counts | None]):
    """A user's follow counts; None when there is no such user."""

    def __init__(self, db: Executor) -> None:
        super().__init__(cache=False, max_batch_size=MAX_BATCH)
        self._db = db

    async def batch_load_fn(self, keys: list[UUID]) -> list[Counts | None]:
        return await fetch_user_counts(self._db, keys)


class Snapshots:
    """The process's two snapshot loaders, over its pool (made by the app's lifespan)."""

    def __init__(self, db: Executor) -> None:
        self.entries = EntrySnapshotLoader(db)
        self.users = UserSnapshotLoader(db)
