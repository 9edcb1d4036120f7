"""Keyset pagination: `first` bounds, opaque cursors, pages of rows, and the page resolver.

A cursor is the sort key of the last row seen, so a page never repeats or skips a row that
existed when the first page was read, however many rows are inserted meanwhile. Cursors are
tagged with the list they belong to: one list's cursor is refused by another. Their parts are
parsed strictly (resolvers/keys.py): a forged cursor is BAD_USER_INPUT, never a value the
database refuses.
"""

from __future__ import annotations

import base64
from binascii import b2a_base64
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

from db.executor import Row
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

    def bounds(self, first: int | None, after: str | None) -> tuple[int, tuple[Any, ...] | None]:
        """A page's size and the sort key it reads after: `first` checked, then `after`
        decoded; BAD_USER_INPUT when either is bad."""
        return check_first(first), self.decode(after)

    def decode(self, cursor: str | None) -> tuple[Any, ...] | None:
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
            raise BadUserInput("after is not a cursor of this list") from None


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


def check_first(first: int | None, field: str = "first") -> int:
    """`first` as given (null means the default), or BAD_USER_INPUT outside 0..100."""
    if first is None:
        return DEFAULT_FIRST
    if not 0 <= first <= MAX_FIRST:
        raise BadUserInput(f"{field} must be between 0 and {MAX_FIRST}, got {first}")
    return first


def encode_cursor(tag: str, *parts: object) -> str:
    text = "|".join([tag, *(p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)])
    # base64.urlsafe_b64encode, without its two wrappers: a cursor per row of every page.
    return b2a_base64(text.encode(), newline=False).translate(_URLSAFE).decode("ascii")


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows, ready for a Connection type. A row's cursor is made when asked for:
    most pages are read for their nodes alone, and a cursor costs microseconds."""

    rows: Sequence[Any]
    order: Keyset
    has_next_page: bool
    has_previous_page: bool

    def cursor(self, index: int) -> str:
        """The cursor of the row at `index` (negative counts from the end)."""
        return self.order.cursor(self.rows[index])


def make_page(rows: Sequence[Any], first: int, after: object, order: Keyset) -> Page:
    """`rows` were fetched with LIMIT first + 1: the extra row only says there is more."""
    return Page(
        rows=rows[:first],
        order=order,
        has_next_page=len(rows) > first,
        has_previous_page=after is not None,
    )


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
    shape: Hashable,
) -> Page:
    """A page of the list `nested` under `parent`, its rows of `shape` (db/columns.py)."""
    first, keyset = nested.order.bounds(first, after)
    rows = await nested.loader(ctx.loaders).load((parent, first, keyset, shape))
    return make_page(rows, first, keyset, nested.order)


# Distinct empty pages kept: a (first, after) pair each, most pages asking the same.
EMPTY_PAGES = 256


@lru_cache(maxsize=EMPTY_PAGES)
def empty_page(order: Keyset, first: int | None, after: str | None) -> Page:
    """The page of a list with no rows, `first` and `after` checked as for any page (a bad
    one raises each time: errors are not kept). One Page per (order, first, after), shared:
    a Page is immutable, and the entries of a feed page without branches all ask for the
    same `branches(first: 3)` (made anew for each, the benchmark's feed page spent 3.7% of
    its instructions on them)."""
    return make_page((), *order.bounds(first, after), order)


def counted_page(
    ctx: Context,
    nested: NestedList[K],
    parent: K,
    first: int | None,
    after: str | None,
    shape: Hashable,
    count: int,
) -> Page | Awaitable[Page]:
    """resolve_page for a list its parent counts (an entry's branches, resonators and
    amplifiers: branch_count, ...), `count` read with the parent's row. The triggers keep a
    counter equal to the rows that exist, visible or not, so at 0 the page is empty: it is
    returned at once, with no statement and nothing to await (most entries of a feed page
    have no branches). Otherwise, the page to await."""
    if count == 0:
        return empty_page(nested.order, first, after)
    return resolve_page(ctx, nested, parent, first, after, shape)
