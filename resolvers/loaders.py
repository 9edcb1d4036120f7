"""Per-request dataloaders: whatever a query nests, each kind of read is one statement.

Named `<Thing>By<Key>Loader` after what they return. Single rows are batched with
`= ANY($ids)`; per-parent pages (the first N branches of each of many entries, ...) with one
LATERAL statement per distinct (size, window) in the batch, which in practice is one.

A read is shared: every field that loads a key awaits the one future the loader keeps for
it. graphql-core cancels the other fields of an object when one fails (its error nulls
them all), and cancelling a task cancels the future it waits on, so the shared read would
be cancelled for every other field awaiting it, and CancelledError would escape the
execution. Each `load` therefore hands its caller a future of its own, settled as the
shared one is: cancelling a waiter cancels that one only (`asyncio.shield`, less its second
callback and two closures a call).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import cached_property, partial
from typing import Any, Generic, TypeVar
from uuid import UUID

from aiodataloader import DataLoader

from db.columns import EntryShape
from db.entries import (
    fetch_ancestors,
    fetch_branches,
    fetch_entries_by_authors,
    fetch_entries_by_ids,
)
from db.executor import Executor, Row
from db.interactions import fetch_amplifiers, fetch_resonators
from db.users import fetch_followers, fetch_following, fetch_users_by_ids
from db.visibility import Audience
from db.windows import Window

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
# (parent key, page size, the window read: db/windows.py, the rows' shape: db/columns.py)
PageKey = tuple[K, int, Window, Hashable]
PageFetch = Callable[
    [Executor, Audience, Sequence[Any], Window, int, Hashable], Awaitable[list[Row]]
]


class Loader(DataLoader[K, V]):
    """aiodataloader's DataLoader, each caller awaiting a future of its own (above)."""

    def load(self, key: K) -> asyncio.Future[V]:
        shared = super().load(key)
        if shared.done():  # nothing to cancel: awaiting it does not wait
            return shared
        own: asyncio.Future[V] = shared.get_loop().create_future()
        shared.add_done_callback(partial(_settle, own))
        return own


def _settle(own: asyncio.Future[V], shared: asyncio.Future[V]) -> None:
    if own.cancelled():  # its waiter was cancelled: the others still get the value
        return
    if shared.cancelled():
        own.cancel()
    elif (error := shared.exception()) is not None:
        own.set_exception(error)
    else:
        own.set_result(shared.result())


class RowByIdLoader(Loader[K, Row | None]):
    """Rows by primary key; None for a row that does not exist or may not be seen."""

    def __init__(
        self,
        fetch: Callable[[Executor, Audience, Sequence[K]], Awaitable[list[Row]]],
        db: Executor,
        audience: Audience,
    ) -> None:
        super().__init__()
        self._fetch, self._db, self._audience = fetch, db, audience

    async def batch_load_fn(self, keys: list[K]) -> list[Row | None]:
        rows = await self._fetch(self._db, self._audience, keys)
        by_id = {row["id"]: row for row in rows}
        return [by_id.get(key) for key in keys]


class EntryByIdLoader(Loader[tuple[int, EntryShape], Row | None]):
    """Entries by (id, the rows' shape); None for one that does not exist or may not be
    seen. A statement per shape in a batch."""

    def __init__(self, db: Executor, audience: Audience) -> None:
        super().__init__()
        self._db, self._audience = db, audience

    async def batch_load_fn(self, keys: list[tuple[int, EntryShape]]) -> list[Row | None]:
        found = {
            (row["id"], shape): row
            for shape, row in await _by_shape(keys, fetch_entries_by_ids, self._db, self._audience)
        }
        return [found.get(key) for key in keys]


async def _by_shape(
    keys: list[tuple[int, EntryShape]],
    fetch: Callable[[Executor, Audience, Sequence[int], EntryShape], Awaitable[list[Row]]],
    db: Executor,
    audience: Audience,
) -> list[tuple[EntryShape, Row]]:
    """The rows for (entry id, shape) keys, each with its shape: a statement per shape."""
    ids: dict[EntryShape, list[int]] = defaultdict(list)
    for entry_id, shape in keys:
        ids[shape].append(entry_id)
    return [
        (shape, row)
        for shape, entry_ids in ids.items()
        for row in await fetch(db, audience, entry_ids, shape)
    ]


class PageByParentLoader(Loader[PageKey[K], list[Row]], Generic[K]):
    """A page of child rows for each parent key; pages hold up to size + 1 rows. One
    statement per distinct (size, window, shape) in the batch: in practice one."""

    def __init__(self, fetch: PageFetch, db: Executor, audience: Audience) -> None:
        super().__init__()
        self._fetch, self._db, self._audience = fetch, db, audience

    async def batch_load_fn(self, keys: list[PageKey[K]]) -> list[list[Row]]:
        groups: dict[tuple[int, Window, Hashable], list[K]] = defaultdict(list)
        for parent, size, window, shape in keys:
            groups[(size, window, shape)].append(parent)

        async def load(size: int, window: Window, shape: Hashable, parents: list[K]) -> None:
            rows = await self._fetch(self._db, self._audience, parents, window, size + 1, shape)
            for row in rows:
                pages[(row["parent_key"], size, window, shape)].append(row)

        pages: dict[PageKey[K], list[Row]] = defaultdict(list)
        if len(groups) == 1:  # nearly always: one statement, run in this task
            [((size, window, shape), parents)] = groups.items()
            await load(size, window, shape, parents)
        else:
            await asyncio.gather(*(load(f, a, s, ps) for (f, a, s), ps in groups.items()))
        return [pages[key] for key in keys]


def _paged(fetch: Callable[..., Awaitable[list[Row]]]) -> PageFetch:
    async def call(
        db: Executor,
        audience: Audience,
        parents: Sequence[Any],
        window: Window,
        limit: int,
        shape: Hashable,
    ) -> list[Row]:
        return await fetch(db, audience, parents, window=window, limit=limit, shape=shape)

    return call


class AncestorsByEntryIdLoader(Loader[tuple[int, EntryShape], list[Row]]):
    """Each entry's ancestors, by (entry id, the rows' shape): a statement per shape."""

    def __init__(self, db: Executor, audience: Audience) -> None:
        super().__init__()
        self._db, self._audience = db, audience

    async def batch_load_fn(self, keys: list[tuple[int, EntryShape]]) -> list[list[Row]]:
        chains: dict[tuple[int, EntryShape], list[Row]] = defaultdict(list)
        for shape, row in await _by_shape(keys, fetch_ancestors, self._db, self._audience):
            chains[(row["parent_key"], shape)].append(row)
        return [chains[key] for key in keys]


class Loaders:
    """The request's loaders, each made on first use."""

    def __init__(self, db: Executor, audience: Audience) -> None:
        self._db, self._audience = db, audience

    @cached_property
    def entry_by_id(self) -> EntryByIdLoader:
        return EntryByIdLoader(self._db, self._audience)

    @cached_property
    def user_by_id(self) -> RowByIdLoader[UUID]:
        return RowByIdLoader(fetch_users_by_ids, self._db, self._audience)

    @cached_property
    def entries_by_author_id(self) -> PageByParentLoader[UUID]:
        return PageByParentLoader(_paged(fetch_entries_by_authors), self._db, self._audience)

    @cached_property
    def branches_by_parent_id(self) -> PageByParentLoader[int]:
        return PageByParentLoader(_paged(fetch_branches), self._db, self._audience)

    @cached_property
    def ancestors_by_entry_id(self) -> AncestorsByEntryIdLoader:
        return AncestorsByEntryIdLoader(self._db, self._audience)

    @cached_property
    def followers_by_user_id(self) -> PageByParentLoader[UUID]:
        return PageByParentLoader(_paged(fetch_followers), self._db, self._audience)

    @cached_property
    def following_by_user_id(self) -> PageByParentLoader[UUID]:
        return PageByParentLoader(_paged(fetch_following), self._db, self._audience)

    @cached_property
    def resonators_by_entry_id(self) -> PageByParentLoader[int]:
        return PageByParentLoader(_paged(fetch_resonators), self._db, self._audience)

    @cached_property
    def amplifiers_by_entry_id(self) -> PageByParentLoader[int]:
        return PageByParentLoader(_paged(fetch_amplifiers), self._db, self._audience)
