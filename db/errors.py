"""Database outcomes callers act on, without importing asyncpg."""

from __future__ import annotations


class RowGone(Exception):
    """A row the statement relied on was deleted by another transaction meanwhile."""


class AlreadyTaken(Exception):
    """A unique rule refused the write; `what` names it ('id' or 'username')."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what
