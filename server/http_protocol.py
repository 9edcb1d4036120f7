"""uvicorn's httptools protocol with a bound on the request head (request line and headers).

Stock uvicorn takes a head of any size with httptools (a 10 MB header was served, holding
about twice its size while parsed); its h11 option stops at `h11_max_incomplete_event_size`
but answers a plain-text 400. Here the bytes of a head still being read are counted as they
arrive, and the exact size is checked once it is complete: past MAX_HEADER_BYTES the client
gets 414 (the URL alone is too long) or 431, as a GraphQL-shaped body with a code, and the
connection is closed. So is every request httptools cannot parse (400, the same shape).

The refusal is written, the sending side shut, and what the client still sends is read and
dropped for a moment: closing at once would reset the connection and lose the answer.

A response's status line and headers go out in one write with the start of its body
(uvicorn writes them apart): on loopback each write delivers a packet and wakes the client,
and the second write was a sixth of the server's CPU for a page of 20 entries.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from resolvers.errors import BadUserInput
from schema.errors import error_body

# How long a refused connection is drained before it is closed whatever the client does.
LINGER_SECONDS = 2.0


class HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = 32 * 1024  # with_head_limit() makes the configured one

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0  # of the head being read, or of the last one read
        self._reading_head = True
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # drained: the answer has gone
        if self._reading_head:
            self._head_bytes += len(data)  # may include a body after it: checked below
        super().data_received(data)
        if self._reading_head and self._head_bytes > self.max_head_bytes and not self._refused:
            self._refuse_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_bytes = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
        if self._head_bytes > self.max_head_bytes:
            raise HeadTooLarge  # httptools stops parsing; send_400_response answers
        existing = self.cycle
        super().on_headers_complete()
        cycle: RequestResponseCycle | None = self.cycle
        if cycle is not None and cycle is not existing:  # not for a WebSocket's upgrade
            cycle.transport = _HeadWithBody(cycle, self.transport)  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head, self._head_bytes = True, 0  # the next request's, on keep-alive

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request httptools refuses (or we stopped, above)."""
        if self._head_bytes > self.max_head_bytes:
            self._refuse_head()
        else:
            self._refuse(400, "the request is not valid HTTP/1.1")

    def _refuse_head(self) -> None:
        limit = self.max_head_bytes
        if len(self.url) > limit:
            self._refuse(414, f"the request's URL is over {limit} bytes")
        else:
            self._refuse(431, f"the request's line and headers are over {limit} bytes")

    def _refuse(self, status: int, message: str) -> None:
        self._refused = True
        body = orjson.dumps(error_body(BadUserInput(message)))
        head = [STATUS_LINE[status]]
        head += [
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        ]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)


def with_head_limit(max_head_bytes: int) -> type[BoundedHttpToolsProtocol]:
    """The protocol class for uvicorn's `http` option, bounding heads at `max_head_bytes`."""
    return type(
        "BoundedHttpToolsProtocol", (BoundedHttpToolsProtocol,), {"max_head_bytes": max_head_bytes}
    )


class _HeadWithBody:
    """The transport as one request's response cycle sees it: the head of the response is
    held until the body's first write, and goes out with it; a head with no body following
    in the same turn of the loop goes out on its own at the next."""

    __slots__ = ("_cycle", "_head_seen", "_held", "_transport")

    def __init__(self, cycle: RequestResponseCycle, transport: asyncio.Transport) -> None:
        self._cycle = cycle
        self._transport = transport
        self._held: bytes | None = None
        self._head_seen = False

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        elif not self._head_seen and self._cycle.response_started:
            # The head: `send` writes it first once the response starts.
            self._head_seen = True
            self._held = data
            asyncio.get_running_loop().call_soon(self._flush)
        else:
            self._transport.write(data)  # a body's next part, or 100 Continue before the head

    def _flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()
