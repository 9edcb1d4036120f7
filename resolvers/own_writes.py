"""Read-your-writes: a viewer who has just written reads from the primary for a while.

A replica in use may lack a commit for at most `window_seconds` (db/replicas.py's
`read_your_writes_seconds`), so for that long after a viewer's mutation, that viewer's
requests read the primary; everyone else's keep reading replicas, where the write shows up
within the same bound. Time, not the commit's WAL position: no statement more per mutation,
and no replica is waited for.

Kept in this process's memory, by viewer: with several workers (WORKERS) or instances, a
viewer's next request may reach a process that did not see the write, and read a replica
that does not have it yet (for at most the window). Sharing it would take a key in Redis
per write, a round trip per signed-in request, or a cookie the client sends back.
"""

from __future__ import annotations

import time
from uuid import UUID

# Past this many viewers remembered, the expired are dropped (a sweep costs one pass).
SWEEP_AT = 10_000


class OwnWrites:
    """Viewers who wrote in the last `window_seconds`, with when their window ends."""

    def __init__(self, window_seconds: float) -> None:
        self.window_seconds = window_seconds
        self._until: dict[UUID, float] = {}

    def wrote(self, viewer_id: UUID) -> None:
        """The viewer's write has committed (or failed: reading the primary is harmless)."""
        if not self.window_seconds:  # no replicas: every read is on the primary
            return
        now = time.monotonic()
        if len(self._until) >= SWEEP_AT:
            self._until = {who: end for who, end in self._until.items() if end > now}
        self._until[viewer_id] = now + self.window_seconds

    def recent(self, viewer_id: UUID) -> bool:
        """The viewer wrote within the window: its reads must see that write."""
        until = self._until.get(viewer_id)
        if until is None:
            return False
        if until > time.monotonic():
            return True
        del self._until[viewer_id]
        return False
