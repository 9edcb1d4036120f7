"""Which part of a list a statement reads: its keyset bounds and its direction, in SQL.

A list has one order (newest first; an entry's branches in branch order). A page reads the
rows after one cursor's row and before another's (either bound may be absent), from the
start of that span (`first`) or from its end (`last`: the statement reads the list
backward, and the resolver turns the rows round). A probe reads on the far side of one
cursor, that cursor's own row included: a row there is what makes a page before (or after)
the one read from that cursor.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Window(NamedTuple):
    """The bounds (sort keys, as cursors decode them) and the direction of a read. A tuple:
    it is part of every page loader's key, hashed and compared in C."""

    after: tuple[Any, ...] | None = None
    before: tuple[Any, ...] | None = None
    backward: bool = False
    # The bounds take the cursors' own rows too (a probe).
    inclusive: bool = False

    def sql(self, descending: bool = True) -> WindowSql:
        """The operators and the order of this window, for a list sorted `descending`."""
        return _SQL[descending, self.backward, self.inclusive]

    def bounds(self, width: int) -> tuple[Any, ...]:
        """The after bound's `width` columns, then the before bound's: None for an absent
        bound, which the statements' COALESCE puts past every row."""
        absent = (None,) * width
        return (*(self.after or absent), *(self.before or absent))


# The whole list, read from its start.
WHOLE = Window()


class WindowSql(NamedTuple):
    """`(key) {after} (bound)` keeps the rows after a cursor, `(key) {before} (bound)` those
    before one; `ORDER BY key {order}` reads them in the window's direction."""

    after: str
    before: str
    order: str


def _window_sql(descending: bool, backward: bool, inclusive: bool) -> WindowSql:
    after, before = ("<", ">") if descending else (">", "<")
    if inclusive:
        after, before = after + "=", before + "="
    forward = "DESC" if descending else "ASC"
    reverse = "ASC" if descending else "DESC"
    return WindowSql(after, before, reverse if backward else forward)


_SQL = {
    (descending, backward, inclusive): _window_sql(descending, backward, inclusive)
    for descending in (True, False)
    for backward in (True, False)
    for inclusive in (True, False)
}
