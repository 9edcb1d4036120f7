"""A query or mutation ends with TIMEOUT once it has run for REQUEST_TIMEOUT_MS.

The second line of defence, behind the documents' static limits: whatever a request waits
for (statements, a free connection, the next statement of a long chain), it ends in time.
Cancelling the execution cancels its statements: asyncpg asks PostgreSQL to stop each one and
the pool takes the connection back only once PostgreSQL has (see tests/api/test_time_bounds).
A subscription lives as long as its client wants: it has no deadline, and its snapshot reads
are bounded by the pool's statement timeout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from resolvers.errors import TimedOut

logger = logging.getLogger("resonance.deadline")


class Deadline(SchemaExtension):
    def __init__(self, *, seconds: float) -> None:
        self.seconds = seconds

    async def on_execute(self) -> AsyncIterator[None]:
        """Execution runs inside the deadline (parsing and validation are bounded by the
        documents' limits); its end makes strawberry answer with the TimedOut raised."""
        if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
            yield
            return
        async with within(self.seconds, self.execution_context.operation_name):
            yield


@asynccontextmanager
async def within(seconds: float, operation_name: str | None) -> AsyncIterator[None]:
    """Run the body for `seconds` at most; past them it is cancelled and TimedOut raised."""
    try:
        async with asyncio.timeout(seconds) as bound:
            yield
    except TimeoutError:
        if not bound.expired():
            raise
        logger.warning(
            "op=%s ran past its %g s deadline: cancelled", operation_name or "-", seconds
        )
        raise TimedOut(f"the request ran past its time bound of {seconds:g} s") from None
