"""Execution by plans compiled once per document (issue 13): under construction.

`CompiledExecutor` is the seam: graphql-core builds it for every operation (Strawberry passes
it as `executor_class`), and what it cannot run by a plan runs through graphql-core's generic
execution, so nothing is refused for being uncompiled.
"""

from __future__ import annotations

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.shared_events import SharedEvents


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """Runs an operation by its plan; for now every operation runs generically."""


class CompiledSharedEventExecutor(SharedEvents, CompiledExecutor):
    """The compiled executor, sharing events' results."""
