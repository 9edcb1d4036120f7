"""One access-log line per HTTP request, on the `resonance.access` logger:

    POST /graphql op=MyFeed status=200 ms=4.1 sql=3

The operation name is the one the client sent or, failing that, the name in the document
(`-` for an anonymous operation or a request that is not GraphQL; names joined by commas for
a batch). `sql` counts the statements the request ran (db.pool.counting_statements), which
is how a slow request is told from a chatty one.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from functools import lru_cache

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http import GraphQLRequestData

from db.pool import counting_statements

logger = logging.getLogger("resonance.access")

# The operations of the request being served, as (name sent, document): read after the
# response has gone, so working out a name from the document never delays it.
_operations: ContextVar[list[tuple[str | None, str | None]] | None] = ContextVar(
    "access_log_operations", default=None
)


def record_operation(request_data: GraphQLRequestData) -> None:
    """Note an operation of the current request for its log line (a no-op outside one)."""
    operations = _operations.get()
    if operations is not None:
        operations.append((request_data.operation_name, request_data.query))


def operation_name(sent: str | None, document: str | None) -> str | None:
    if sent:
        return sent
    if not document:
        return None
    return _name_in(document)


@lru_cache(maxsize=512)
def _name_in(document: str) -> str | None:
    """Clients send the same few documents: each is parsed once (bounded, so many distinct
    documents cannot grow memory)."""
    try:
        parsed = parse(document, no_location=True)
    except GraphQLError:
        return None
    for definition in parsed.definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.name.value if definition.name else None
    return None


class AccessLog:
    """ASGI middleware, outermost, so refusals (CORS, 413, 404) get their line too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets when the app fails before it answers

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        operations: list[tuple[str | None, str | None]] = []
        token = _operations.set(operations)
        started = time.perf_counter()
        try:
            with counting_statements() as statements:
                await self.app(scope, receive, send_and_note_status)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            _operations.reset(token)
            names = [operation_name(sent, document) or "-" for sent, document in operations]
            logger.info(
                "%s %s op=%s status=%d ms=%.1f sql=%d",
                scope["method"],
                scope["path"],
                ",".join(names) or "-",
                status,
                elapsed_ms,
                statements[0],
            )
