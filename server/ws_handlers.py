"""Strawberry's two WebSocket protocol handlers, made to answer every abuse with a code.

- Each message is read by server/ws_messages.py first: one that is malformed, too deep, too
  large or of the wrong shape closes the socket with 4400 (1009 when too large) and the reason,
  instead of an exception that drops it without a close frame.
- An operation that does not parse (a syntax error, a document over MAX_TOKENS) or fails in a
  way Strawberry lets escape gets an `error` message with codes, not a bare `complete`.
- The operation over the per-connection limit gets an error with a code (and `max`).
- When the connection's token expires the socket is closed (4403) at that moment, its
  operations stopped first; a message that arrives after the expiry runs nothing.
- An operation's document follows the persisted-query rules as over HTTP
  (server/persisted_queries.py): with PERSISTED_ONLY, a document not in the manifest gets an
  `error` message (FORBIDDEN) and never runs; a persisted query's hash with its query is
  checked and kept.
- graphql-ws, which has no timeout of its own, closes a socket with no `connection_init`
  after WS_INIT_TIMEOUT_SECONDS (4408), as graphql-transport-ws does; and it runs queries and
  mutations too, as its protocol (subscriptions-transport-ws) always did.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import suppress
from typing import Any, cast

from graphql import GraphQLFormattedError
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.async_base_view import AsyncWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws import handlers as transport
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message as TransportMessage,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage,
    OperationMessage,
    StartMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from db.listen import EXPRESS, Express
from resolvers.context import Context
from resolvers.errors import ApiError, BadUserInput
from schema.errors import escaped, formatted
from server import ws_messages
from server.persisted_queries import PersistedQueries
from server.websocket import SocketContext
from server.ws_protocol import WRITE_TEXT_NOW

logger = logging.getLogger("resonance.websocket")

EXPIRED = REFUSED = 4403
INIT_TIMEOUT = 4408
UNEXPECTED = 4500  # an exception escaped the app: INTERNAL, as the reason says
# The most a close frame's reason may hold (RFC 6455: 125 bytes of payload, 2 for the code).
MAX_REASON_BYTES = 123


class MessageReader(ASGIWebSocketAdapter):
    """Strawberry's ASGI adapter, reading each text frame through server/ws_messages.py: what
    is malformed reaches the handler as a `Malformed`, for it to close the socket."""

    max_bytes = 100 * 1024  # reader_within() makes the configured one

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                frame = await self.ws.receive()
                if frame["type"] == "websocket.disconnect":
                    return
                text = frame.get("text")
                if text is None:  # a binary frame: 4400 in both protocols, like any malformed
                    yield ws_messages.Malformed(
                        ws_messages.INVALID_MESSAGE, "a message must be a text frame"
                    )
                    return
                yield ws_messages.decode(text, self.max_bytes)
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        """Strawberry's, straight to the socket's send (its went through two more calls)."""
        await self.send_encoded(self.view.encode_json(message))

    async def send_encoded(self, encoded: str | bytes) -> None:
        """A message already encoded: a subscriber's every event comes this way."""
        ws = self.ws
        if ws.application_state == WebSocketState.DISCONNECTED:
            raise WebSocketDisconnected  # we closed it: the handlers take it as gone
        frame = (
            {"type": "websocket.send", "bytes": encoded}
            if isinstance(encoded, bytes)
            else {"type": "websocket.send", "text": encoded}
        )
        try:
            await ws.send(frame)
        except WebSocketDisconnect as gone:
            raise WebSocketDisconnected from gone

    async def close(self, code: int, reason: str) -> None:
        """Close once (several reasons may race), the reason cut to what a frame holds."""
        if self.ws.application_state == WebSocketState.DISCONNECTED:
            return
        short = reason.encode()[:MAX_REASON_BYTES].decode(errors="ignore")
        with suppress(WebSocketDisconnect):
            await self.ws.close(code=code, reason=short)


def reader_within(max_bytes: int) -> type[MessageReader]:
    """The adapter for messages of at most `max_bytes` (MAX_BODY_BYTES)."""
    return type("MessageReader", (MessageReader,), {"max_bytes": max_bytes})


class DataPayloads:
    """The JSON of the last `next` payload of data alone, kept by the data's identity: the
    subscribers of one row who asked the same thing share one result of each change
    (schema/shared_events.py), and their thousand messages differ only by their ids."""

    __slots__ = ("data", "text")

    def __init__(self) -> None:
        self.data: object = None
        self.text = ""

    def encoded(self, data: object, encode: Callable[[object], str | bytes]) -> str:
        if data is not self.data or not self.text:
            # The data held, so its identity stays its own.
            self.data, self.text = data, _as_text(encode({"data": data}))
        return self.text


def _as_text(encoded: str | bytes) -> str:
    """What the view encoded, which a `next` message is made of by joining text."""
    if not isinstance(encoded, str):  # pragma: no cover - our view encodes text
        raise TypeError("the view must encode JSON as text")
    return encoded


DATA_PAYLOADS = DataPayloads()


def _next_message(head: str, payload_json: str) -> str:
    """A `next` message's text: its operation's head (`{"id":...,"type":"next","payload":`)
    and the payload's JSON. Both ways a result leaves (the operation's loop and the broker's
    turn) write it so, and a client sees the same text either way."""
    return f"{head}{payload_json}}}"


def _writer_at_once(
    websocket: MessageReader,
    operation: transport.Operation[Context, None],
    head: str,
    encode: Callable[[object], str | bytes],
) -> Callable[[Any], bool] | None:
    """How a result of data alone is written as the operation's `next` message in the
    broker's turn (db.listen.Express): exactly the text `_send_each` would send, written at
    once by the server's protocol (server/ws_protocol.py); None when the server offers no
    such write."""
    offered = websocket.ws.scope.get("extensions", {}).get(WRITE_TEXT_NOW)
    if not offered:
        return None
    write_text_now: Callable[[str], bool] = offered["write"]
    ws = websocket.ws

    def write(result: Any) -> bool:
        if operation.completed or ws.application_state != WebSocketState.CONNECTED:
            return False
        return write_text_now(_next_message(head, DATA_PAYLOADS.encoded(result.data, encode)))

    return write


class _ConnectionRules:
    """What both handlers add to Strawberry's, over the attributes both have."""

    view: Any  # the app's GraphQLApp (server/app.py)
    websocket: AsyncWebSocketAdapter
    context: Context
    max_subscriptions_per_connection: int | None
    _expiry: asyncio.Task[None] | None = None

    async def _refused(self, message: object, types: Mapping[str, str]) -> bool:
        """Close the socket when the message may not be handled; True when it was."""
        if isinstance(message, ws_messages.Malformed):
            await self.websocket.close(message.code, message.reason)
            return True
        if self._expired():
            await self._close_expired()
            return True
        problem = ws_messages.problem(cast(dict[str, Any], message), types)
        if problem is not None:
            await self.websocket.close(ws_messages.INVALID_MESSAGE, problem)
            return True
        return False

    def _over_the_limit(self, running: int) -> GraphQLFormattedError | None:
        limit = self.max_subscriptions_per_connection
        if limit is None or running < limit:
            return None
        message = f"at most {limit} operations run at once on a connection: complete one first"
        return formatted(BadUserInput(message, max=limit))

    def _document_refused(self, payload: dict[str, Any]) -> GraphQLFormattedError | None:
        """The error to answer when the persisted-query rules refuse the payload's document;
        otherwise None, the payload's query made the document to run (a trusted document's
        text for its hash)."""
        persisted: PersistedQueries = self.view.persisted_queries
        sent = GraphQLRequestData(
            query=payload["query"],
            variables=None,
            operation_name=payload.get("operationName"),
            extensions=payload.get("extensions"),
        )
        try:
            payload["query"] = persisted.resolve(sent).query
        except ApiError as error:
            return formatted(error)
        return None

    def _expires_at(self) -> float | None:
        return self.context.expires_at if isinstance(self.context, SocketContext) else None

    def _expired(self) -> bool:
        expires_at = self._expires_at()
        return expires_at is not None and time.time() >= expires_at

    def _watch_expiry(self) -> None:
        """Once the connection is acknowledged: close it when its token expires."""
        self._stop_watching()
        expires_at = self._expires_at()
        if expires_at is not None:
            self._expiry = asyncio.create_task(self._close_at(expires_at))

    def _stop_watching(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None

    async def _close_at(self, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        try:
            await self._close_expired()
        except Exception:
            logger.exception("closing a WebSocket whose token expired")

    async def _close_expired(self) -> None:
        await self._stop_operations()
        await self.websocket.close(EXPIRED, "the token has expired")

    async def _stop_operations(self) -> None:
        raise NotImplementedError


class TransportWSHandler(_ConnectionRules, transport.BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws (the graphql-ws library, Apollo, urql)."""

    async def handle_message(self, message: TransportMessage) -> None:
        if await self._refused(message, ws_messages.TRANSPORT_WS_TYPES):
            return
        if message["type"] == "connection_init" and message.get("payload") is None:
            message = {"type": "connection_init", "payload": {}}  # null is allowed: no params
        await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self._watch_expiry()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            payload = cast(dict[str, Any], message["payload"])
            error = self._over_the_limit(len(self.operations)) or self._document_refused(payload)
            if error is not None:
                await self.send_message({"id": message["id"], "type": "error", "payload": [error]})
                return
        await super().handle_subscribe(message)

    async def _send_result_stream(
        self, operation: transport.Operation[Context, None], result_source: StreamResult
    ) -> None:
        try:
            await self._send_results(operation, result_source)
        except transport._OperationStreamClosed:
            raise
        except WebSocketDisconnected:  # closed meanwhile (a malformed message, say)
            raise transport._OperationStreamClosed from None
        except Exception as error:  # a parse error raised by an extension's hook, say
            payload = [escaped(self.schema, error)]
            await operation.send_operation_message(
                {"id": operation.id, "type": "error", "payload": payload}
            )

    async def _send_results(
        self, operation: transport.Operation[Context, None], result_source: StreamResult
    ) -> None:
        """Strawberry's `_send_result_stream`, each result's `next` message handed to the
        socket here (Strawberry's passed it through three calls first); a result of data
        alone written from its payload encoded once for all who share it (DataPayloads).
        While the operation waits for its next change, the broker may write that change's
        message at once by the operation's Express (db/listen.py), as this would."""
        websocket = cast(MessageReader, self.websocket)
        encode = self.view.encode_json
        head = _as_text(encode({"id": operation.id}))[:-1] + ',"type":"next","payload":'
        express = Express()
        express.write = _writer_at_once(websocket, operation, head, encode)
        token = EXPRESS.set(express)
        try:
            await self._send_each(operation, result_source, websocket, encode, head)
        finally:
            EXPRESS.reset(token)

    async def _send_each(
        self,
        operation: transport.Operation[Context, None],
        result_source: StreamResult,
        websocket: MessageReader,
        encode: Callable[[object], str | bytes],
        head: str,
    ) -> None:
        first = True
        async for result in result_source:
            if first and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            if not isinstance(result, ExecutionResult):
                await self._reject_incremental_delivery(operation)
                return
            first = False
            if operation.completed:  # as Operation.send_operation_message: nothing after
                continue
            if result.errors or result.extensions:
                payload: dict[str, object] = {"data": result.data}
                if result.errors:
                    payload["errors"] = [error.formatted for error in result.errors]
                if result.extensions:
                    payload["extensions"] = result.extensions
                payload_json = _as_text(encode(payload))
            else:
                payload_json = DATA_PAYLOADS.encoded(result.data, encode)
            await websocket.send_encoded(_next_message(head, payload_json))

    async def shutdown(self) -> None:
        self._stop_watching()
        await super().shutdown()

    async def _stop_operations(self) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)


class LegacyWSHandler(_ConnectionRules, BaseGraphQLWSHandler[Context, None]):
    """graphql-ws (subscriptions-transport-ws, older Apollo clients)."""

    async def handle(self) -> None:
        timeout = asyncio.create_task(self._close_if_not_initialised())
        try:
            await super().handle()
        finally:
            timeout.cancel()
            self._stop_watching()

    async def _close_if_not_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            await self.websocket.close(INIT_TIMEOUT, "Connection initialisation timeout")

    async def handle_message(self, message: OperationMessage) -> None:
        if not await self._refused(message, ws_messages.LEGACY_WS_TYPES):
            await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """Strawberry's, but a refused token closes with 4403 after `connection_error`, as
        graphql-transport-ws does (Strawberry's 1011 says "internal error"). The payload is
        an object or null: server/ws_messages.py closed the socket for anything else."""
        payload = message.get("payload")
        if isinstance(self.context, SocketContext):
            self.context.connection_params = payload
        try:
            acknowledgement = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as rejection:
            await self.send_message({"type": "connection_error", "payload": rejection.payload})
            await self.websocket.close(REFUSED, "Forbidden")
            return
        if isinstance(acknowledgement, dict):
            await self.send_message({"type": "connection_ack", "payload": acknowledgement})
        else:
            await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        if self.keep_alive:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())
        self._watch_expiry()

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.tasks:
            payload = cast(dict[str, Any], message["payload"])
            error = self._over_the_limit(len(self.tasks)) or self._document_refused(payload)
            if error is not None:
                await self.send_message({"type": "error", "id": message["id"], "payload": error})
                return
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        """Strawberry's, over `stream` (queries and mutations too), with every failure sent as
        an `error` with codes."""
        try:
            result_source = await self.schema.stream(
                query=query,
                variable_values=variables,
                operation_name=operation_name,
                context_value=self.context,
                root_value=self.root_value,
            )
            self.subscriptions[operation_id] = result_source
            try:
                async for result in result_source:
                    if isinstance(result, PreExecutionError) and result.errors:
                        error = result.errors[0].formatted
                        await self.send_message(
                            {"type": "error", "id": operation_id, "payload": error}
                        )
                        return
                    # Incremental delivery (@defer) is off: every result is a whole one.
                    await self.send_data_message(cast(ExecutionResult, result), operation_id)
            except WebSocketDisconnected:  # closed meanwhile: nobody to tell
                return
            except Exception as failure:
                error = escaped(self.schema, failure)
                await self.send_message({"type": "error", "id": operation_id, "payload": error})
                return
            await self.send_message({"type": "complete", "id": operation_id})
        except asyncio.CancelledError:
            with suppress(WebSocketDisconnected):
                await self.send_message({"type": "complete", "id": operation_id})
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)

    async def _stop_operations(self) -> None:
        await self.cleanup()
