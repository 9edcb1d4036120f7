"""Database outcomes callers act on, without importing asyncpg.

Besides the outcomes of a statement (a row gone, a unique rule), this is where it is decided
which failures mean that the database is not there (`unavailable`: down, restarting, refusing
connections, or the connection lost) and which that a statement ran past its time bound
(`timed_out`). How those reach a client is schema/errors.py's business.
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg


class RowGone(Exception):
    """A row the statement relied on was deleted by another transaction meanwhile."""


class AlreadyTaken(Exception):
    """A unique rule refused the write; `what` names it ('id' or 'username')."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


# Sessions PostgreSQL ends or refuses: shutting down (57P01), crashed (57P02), starting up or
# shutting down (57P03), database dropped (57P04), idle too long (57P05), too many clients.
_NOT_THERE = (
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.DatabaseDroppedError,
    asyncpg.exceptions.IdleSessionTimeoutError,
    asyncpg.TooManyConnectionsError,
    # SQLSTATE class 08: the connection could not be made, or was lost mid-statement.
    asyncpg.PostgresConnectionError,
    # Refused, reset, no route, no socket file, or no answer in time (TimeoutError is one).
    OSError,
)


def stale_connection(error: BaseException) -> bool:
    """The connection was found ended before the statement was sent, so it never ran.

    PostgreSQL ending a session (a shutdown or restart, pg_terminate_backend) sends the idle
    connection an error, then closes it. asyncpg reads the error at once but notices the
    close a turn of the event loop or more later: a connection handed out in between fails
    its first statement in asyncpg's state machine, before writing a byte, with this error
    (and asyncpg drops it).
    """
    return isinstance(error, asyncpg.InternalClientError) and str(error).startswith(
        "cannot switch to state"
    )


def unavailable(error: BaseException) -> bool:
    """The database is not there (down, restarting, unreachable) or the connection to it was
    lost: trying again later may well succeed. An error raised while handling such a failure
    (a rollback on the lost connection, say) counts as one too."""
    return any(isinstance(each, _NOT_THERE) or stale_connection(each) for each in _chain(error))


def timed_out(error: BaseException) -> bool:
    """PostgreSQL cancelled the statement: past `statement_timeout` (or cancelled by hand)."""
    return isinstance(error, asyncpg.QueryCanceledError)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and those it was raised from or while handling, as a traceback shows them."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None or current.__suppress_context__:
            current = current.__cause__
        else:
            current = current.__context__
