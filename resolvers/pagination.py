"""Keyset pagination: `first` bounds, opaque cursors, and pages of rows.

A cursor is the sort key of the last row seen, so a page never repeats or skips a row that
existed when the first page was read, however many rows are inserted meanwhile. Cursors are
tagged with the list they belong to: one list's cursor is refused by another. Their parts are
parsed strictly (resolvers/keys.py): a forged cursor is BAD_USER_INPUT, never a value the
database refuses.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from resolvers import keys
from resolvers.errors import BadUserInput

if TYPE_CHECKING:
    from resolvers.loaders import PageByParentLoader

    PageLoader = PageByParentLoader[Any]

MAX_FIRST = 100
DEFAULT_FIRST = 20

# What each list sorts by, as the types of its cursor's parts.
CURSOR_KINDS: dict[str, tuple[Callable[[str], Any], ...]] = {
    "entries": (keys.timestamp, keys.bigint),  # created_at, id (newest first)
    "feed": (keys.timestamp, keys.bigint),  # placed at, entry id (newest first)
    "branches": (keys.int4,),  # branch_order (ascending)
    "follows": (keys.timestamp, keys.uuid),  # follow created_at, follow id
    "interactions": (keys.timestamp, keys.bigint),  # resonance/amplification created_at, id
}


def check_first(first: int | None, field: str = "first") -> int:
    """`first` as given (null means the default), or BAD_USER_INPUT outside 0..100."""
    if first is None:
        return DEFAULT_FIRST
    if not 0 <= first <= MAX_FIRST:
        raise BadUserInput(f"{field} must be between 0 and {MAX_FIRST}, got {first}")
    return first


def encode_cursor(kind: str, *parts: object) -> str:
    text = "|".join([kind, *(p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)])
    return base64.urlsafe_b64encode(text.encode()).decode("ascii")


def decode_cursor(kind: str, cursor: str | None) -> tuple[Any, ...] | None:
    """The sort key in `cursor`; BAD_USER_INPUT when it is not a cursor of this list."""
    if cursor is None:
        return None
    parsers = CURSOR_KINDS[kind]
    try:
        # Not base64, not UTF-8 or a part out of range: all ValueErrors.
        text = base64.b64decode(cursor, altchars=b"-_", validate=True).decode()
        tag, *parts = text.split("|")
        if tag != kind or len(parts) != len(parsers):
            raise ValueError(tag)
        return tuple(parse(part) for parse, part in zip(parsers, parts, strict=True))
    except ValueError:
        raise BadUserInput("after is not a cursor of this list") from None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows with their cursors, ready for a Connection type."""

    rows: Sequence[Any]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool


def make_page(
    rows: Sequence[Any], first: int, after: object, cursor_of: Callable[[Any], str]
) -> Page:
    """`rows` were fetched with LIMIT first + 1: the extra row only says there is more."""
    shown = rows[:first]
    return Page(
        rows=shown,
        cursors=[cursor_of(r) for r in shown],
        has_next_page=len(rows) > first,
        has_previous_page=after is not None,
    )


async def load_page(
    loader: PageLoader,
    kind: str,
    parent: object,
    first: int | None,
    after: str | None,
    cursor_of: Callable[[Any], str],
) -> Page:
    """A page of the children of `parent` through a per-parent page loader."""
    first = check_first(first)
    keyset = decode_cursor(kind, after)
    rows = await loader.load((parent, first, keyset))
    return make_page(rows, first, keyset, cursor_of)
