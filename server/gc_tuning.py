"""The garbage collector, tuned for a long-running server.

The profile of 1,000 subscribers showed about a seventh of the server's time in collections:
every 700 new objects (a feed page makes thousands) CPython scans the young generation, and
every tenth of those scans the older ones, the schema and every open subscription included,
though none of them is garbage. Objects that live as long as the process (modules, the
schema and its types) are frozen out of every scan, and collections run after far more
allocations. Reference counting still frees everything that is not in a
cycle at once; only cyclic garbage waits for the next collection.
"""

from __future__ import annotations

import gc


def tune(gen0_threshold: int) -> None:
    """Freeze what exists now and collect after `gen0_threshold` allocations (0: as CPython)."""
    if gen0_threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)
