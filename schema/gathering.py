"""graphql-core's `gather_with_cancel`, without asyncio.gather's per-child Python.

An object with several fields still to await (a feed edge's node and its reason) has them
awaited together: graphql-core wraps each in a future (`ensure_future`), then asyncio.gather
wraps each again and watches it by a Python callback. A feed page of 20 edges does it 60
times. Here each child is a task made by the loop, watched by one callback, and the outcome
is graphql-core's: the values in order; or the first exception to happen (in the order they
happen), after every other child was cancelled and has ended; a cancelled child counts as
one raising CancelledError, as in asyncio.gather; and cancelling the waiting task cancels
the children. tests/differential holds the compiled executor, which uses it, to graphql-core.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any


async def gather_with_cancel(awaitables: Iterable[Awaitable[Any]]) -> list[Any]:
    loop = asyncio.get_running_loop()
    children = [
        loop.create_task(each) if asyncio.iscoroutine(each) else asyncio.ensure_future(each)
        for each in awaitables
    ]
    outcome: asyncio.Future[list[Any]] = loop.create_future()
    remaining = len(children)

    def settled(child: asyncio.Future[Any]) -> None:
        nonlocal remaining
        remaining -= 1
        cancelled = child.cancelled()
        error = None if cancelled else child.exception()  # retrieved, as asyncio.gather does
        if outcome.done():
            return
        if cancelled:
            outcome.set_exception(asyncio.CancelledError())
        elif error is not None:
            outcome.set_exception(error)
        elif not remaining:
            outcome.set_result([each.result() for each in children])

    for child in children:
        child.add_done_callback(settled)
    try:
        return await outcome
    except asyncio.CancelledError:
        for child in children:
            child.cancel()
        raise
    except Exception:
        for child in children:
            if not child.done():
                child.cancel()
        await asyncio.gather(*children, return_exceptions=True)
        raise
