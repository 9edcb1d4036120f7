"""How far a streaming replica is behind its primary, in time, from WAL positions alone.

`now() - pg_last_xact_replay_timestamp()` on the replica would be one statement, but it dates
the last transaction replayed, not what is missing: on a quiet primary, a replica that has
replayed everything reads as further behind with every second. So the probe notes when it
saw each of the primary's WAL positions (`pg_current_wal_lsn()`): a replica whose replay
position (`pg_last_wal_replay_lsn()`) has not reached a position the primary had at time t is
at least now - t behind; one that has reached the newest noted is not behind at all. The
figure is as fine as the probe's interval: every commit older than the lag plus one interval
is on the replica.
"""

from __future__ import annotations

from collections import deque

# WAL positions as numbers of bytes (pg_lsn - '0/0'), which compare and subtract as ints.
PRIMARY_POSITION = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint"
# NULL on a server that is not in recovery: not a replica (or one promoted meanwhile).
REPLAY_POSITION = "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"


class PrimaryPositions:
    """The primary's WAL positions noted in the last `keep_seconds`, oldest first."""

    def __init__(self, keep_seconds: float) -> None:
        self._keep_seconds = keep_seconds
        self._noted: deque[tuple[float, int]] = deque()

    def note(self, at: float, position: int) -> None:
        """The primary was at `position` at time `at` (read no earlier than `at`)."""
        self._noted.append((at, position))
        while self._noted and self._noted[0][0] < at - self._keep_seconds:
            self._noted.popleft()

    def lag_seconds(self, replayed: int, now: float) -> float:
        """How long the replica has been missing WAL the primary had: 0 when it has replayed
        every position noted. A replica behind every position kept is at least as far behind
        as the oldest of them (keep more than the bound, and that is past it)."""
        for at, position in self._noted:
            if position > replayed:
                return max(0.0, now - at)
        return 0.0
