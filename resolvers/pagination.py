"""Keyset pagination both ways: `first`/`last` bounds, opaque cursors, pages of rows, and
the page resolver.

A cursor is the sort key of a row, so a page never repeats or skips a row that existed
when the first page was read, however many rows are inserted meanwhile. `first` reads the
rows after `after` from the start, `last` the rows before `before` from the end (Relay's
cursor connections; with `last`, `first` is not used: it has a default). Cursors are
tagged with the list they belong to: one list's cursor is refused by another. Their parts
are parsed strictly (resolvers/keys.py): a forged cursor is BAD_USER_INPUT, never a value
the database refuses.

A page knows whether more rows lie past its far end from the one extra row it reads. Whether
any lie behind the cursor it was read from is a second read (a probe: db/windows.py), made
only when a query asks for that side's `hasPreviousPage` or `hasNextPage`.
"""

from __future__ import annotations

import asyncio
import base64
from binascii import b2a_base64
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from db.executor import Row
from db.windows import WHOLE, Window
from resolvers import keys
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.loaders import Loaders, PageByParentLoader

# "+/" to "-_", as base64.urlsafe_b64encode does.
_URLSAFE = bytes.maketrans(b"+/", b"-_")

MAX_FIRST = 100
DEFAULT_FIRST = 20

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Keyset:
    """What a list sorts by: the columns of a row its cursors hold, and how each part of a
    cursor parses back into the column's type."""

    tag: str
    columns: tuple[str, ...]
    parsers: tuple[Callable[[str], Any], ...]

    def cursor(self, row: Row) -> str:
        return encode_cursor(self.tag, *[row[column] for column in self.columns])

    def window(
        self, first: int | None, after: str | None, last: int | None, before: str | None
    ) -> tuple[int, Window]:
        """A page's size and the part of the list it reads: the counts checked, then the
        cursors decoded; BAD_USER_INPUT when any is bad."""
        if last is not None:
            size = check_first(last, "last")
            return size, Window(self.decode(after), self.decode(before, "before"), backward=True)
        if after is None and before is None:  # the first page: most pages
            return check_first(first), WHOLE
        return check_first(first), Window(self.decode(after), self.decode(before, "before"))

    def decode(self, cursor: str | None, name: str = "after") -> tuple[Any, ...] | None:
        """The sort key in `cursor`; BAD_USER_INPUT when it is not a cursor of this list."""
        if cursor is None:
            return None
        try:
            # Not base64, not UTF-8 or a part out of range: all ValueErrors.
            text = base64.b64decode(cursor, altchars=b"-_", validate=True).decode()
            tag, *parts = text.split("|")
            if tag != self.tag or len(parts) != len(self.parsers):
                raise ValueError(tag)
            return tuple(parse(part) for parse, part in zip(self.parsers, parts, strict=True))
        except ValueError:
            raise BadUserInput(f"{name} is not a cursor of this list") from None


# Newest first, by created_at and id.
ENTRY_ORDER = Keyset("entries", ("created_at", "id"), (keys.timestamp, keys.bigint))
# Newest first, by when the entry was placed in the feed and its id.
FEED_ORDER = Keyset("feed", ("feed_at", "id"), (keys.timestamp, keys.bigint))
# Ascending branch_order under the parent.
BRANCH_ORDER = Keyset("branches", ("branch_order",), (keys.int4,))
# Most recent follow first, by the follow's created_at and id.
FOLLOW_ORDER = Keyset("follows", ("edge_created_at", "edge_id"), (keys.timestamp, keys.uuid))
# Most recent resonance or amplification first, by its created_at and id.
INTERACTION_ORDER = Keyset(
    "interactions", ("edge_created_at", "edge_id"), (keys.timestamp, keys.bigint)
)

# Most interactions first, by the score in the view and the entry's id; one list per window
# (a day's cursor is refused by the week). A cursor keeps its place by score: after the
# view's refresh, a page goes on from that score in the new ranking.
TRENDING_ORDERS = {
    window: Keyset(f"trending-{window}", ("score", "id"), (keys.int4, keys.bigint))
    for window in ("hour", "day", "week")
}


def check_first(first: int | None, field: str = "first") -> int:
    """`first` (or `last`) as given (null means the default), or BAD_USER_INPUT outside
    0..100."""
    if first is None:
        return DEFAULT_FIRST
    if not 0 <= first <= MAX_FIRST:
        raise BadUserInput(f"{field} must be between 0 and {MAX_FIRST}, got {first}")
    return first


def encode_cursor(tag: str, *parts: object) -> str:
    text = "|".join([tag, *(p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)])
    # base64.urlsafe_b64encode, without its two wrappers: a cursor per row of every page.
    return b2a_base64(text.encode(), newline=False).translate(_URLSAFE).decode("ascii")


# Whether rows lie behind a cursor, read when a query asks (a probe: db/windows.py).
Probe = Callable[[Window], Coroutine[Any, Any, bool]]
# A page's flag: known, or the probe's window to read it in.
Flag = bool | Window


class Page(NamedTuple):
    """One page of rows, ready for a Connection type. A row's cursor is made when asked for:
    most pages are read for their nodes alone, and a cursor costs microseconds. A tuple, so
    immutable (empty pages are shared) and made in C."""

    rows: Sequence[Any]
    order: Keyset
    next: Flag
    previous: Flag
    probe: Probe | None = None

    def cursor(self, index: int) -> str:
        """The cursor of the row at `index` (negative counts from the end)."""
        return self.order.cursor(self.rows[index])

    @property
    def has_next_page(self) -> bool | Awaitable[bool]:
        return self._flag(self.next)

    @property
    def has_previous_page(self) -> bool | Awaitable[bool]:
        return self._flag(self.previous)

    def _flag(self, flag: Flag) -> bool | Awaitable[bool]:
        if isinstance(flag, bool):
            return flag
        assert self.probe is not None, "a page with a window to probe has its probe"
        # A task, not the coroutine: a query may read the flag twice (under two aliases).
        return asyncio.ensure_future(self.probe(flag))


def make_page(rows: Sequence[Any], size: int, window: Window, order: Keyset, probe: Probe) -> Page:
    """`rows` were read in `window`'s direction with LIMIT size + 1: the extra row only says
    there is more at the far end. Behind the cursor the page was read from, the probe
    looks, when asked, from that cursor's row on."""
    more = len(rows) > size
    if window.backward:
        behind = Window(after=window.before, inclusive=True) if window.before else False
        return Page(rows[:size][::-1], order, behind, more, probe)
    behind = Window(before=window.after, inclusive=True, backward=True) if window.after else False
    return Page(rows[:size], order, more, behind, probe)


@dataclass(frozen=True, slots=True)
class NestedList(Generic[K]):
    """A list under each parent (an entry's branches, a user's followers, ...): its order, and
    the request's loader that reads the pages of all the parents asked for at once."""

    order: Keyset
    loader: Callable[[Loaders], PageByParentLoader[K]]


async def resolve_page(
    ctx: Context,
    nested: NestedList[K],
    parent: K,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    shape: Hashable,
) -> Page:
    """A page of the list `nested` under `parent`, its rows of `shape` (db/columns.py)."""
    size, window = nested.order.window(first, after, last, before)
    loader = nested.loader(ctx.loaders)
    rows = await loader.load((parent, size, window, shape))

    async def probe(behind: Window) -> bool:
        return bool(await loader.load((parent, 0, behind, shape)))

    return make_page(rows, size, window, nested.order, probe)


# Distinct empty pages kept: a (first, after, last, before) each, most pages asking the same.
EMPTY_PAGES = 256


@lru_cache(maxsize=EMPTY_PAGES)
def empty_page(
    order: Keyset,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    """The page of a list with no rows at all, its arguments checked as for any page (a bad
    one raises each time: errors are not kept): nothing before it, nothing after. One Page
    per (order, arguments), shared: a Page is immutable, and the entries of a feed page
    without branches all ask for the same `branches(first: 3)` (made anew for each, the
    benchmark's feed page spent 3.7% of its instructions on them)."""
    order.window(first, after, last, before)
    return Page((), order, False, False)


def counted_page(
    ctx: Context,
    nested: NestedList[K],
    parent: K,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    shape: Hashable,
    count: int,
) -> Page | Awaitable[Page]:
    """resolve_page for a list its parent counts (an entry's branches, resonators and
    amplifiers: branch_count, ...), `count` read with the parent's row. The triggers keep a
    counter equal to the rows that exist, visible or not, so at 0 the page is empty: it is
    returned at once, with no statement and nothing to await (most entries of a feed page
    have no branches). Otherwise, the page to await."""
    if count == 0:
        return empty_page(nested.order, first, after, last, before)
    return resolve_page(ctx, nested, parent, first, after, last, before, shape)
