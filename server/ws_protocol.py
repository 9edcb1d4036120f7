"""uvicorn's sans-io WebSocket protocol, a text message written as its frame in place.

Every event a subscriber gets is one text message. uvicorn hands each to websockets'
protocol, which makes a Frame, checks it, serialises it through a BytesIO and queues it, and
uvicorn then joins the queue to write it: a tenth of the server's CPU per event with 1,000
subscribers of one entry. No library offers the frame alone, and it is short: a server's
frames are never masked and we take no extension (no per-message deflate,
server/serving.py), so a text message is one frame, its 2 to 10 bytes of header and the
UTF-8 payload (RFC 6455, 5.2). Anything else (the handshake, close, binary messages,
pings, a connection no longer open, an extension) goes through uvicorn and websockets as
before; tests/ops/test_ws_frames.py holds the frames to websockets' own.
"""

from __future__ import annotations

import struct

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

_FIN_TEXT = 0x81  # FIN, no RSV bit, opcode 1 (text)
_SHORT = struct.Struct("!BB")
_MEDIUM = struct.Struct("!BBH")
_LONG = struct.Struct("!BBQ")


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final text frame holding `payload` (RFC 6455, 5.2)."""
    length = len(payload)
    if length < 126:
        head = _SHORT.pack(_FIN_TEXT, length)
    elif length < 65536:
        head = _MEDIUM.pack(_FIN_TEXT, 126, length)
    else:
        head = _LONG.pack(_FIN_TEXT, 127, length)
    return head + payload


# The scope's extension whose "write" is `WebSocketProtocol.write_text_now` (ASGI lets a
# server offer what it can do beyond the specification in `scope["extensions"]`).
WRITE_TEXT_NOW = "resonance.websocket.write_text_now"


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's protocol (`ws` in server/serving.py), a text message on an open connection
    written as its frame in place; and written at once, with no await, by whoever holds
    `write_text_now` (offered in the scope's extensions)."""

    async def run_asgi(self) -> None:
        self.scope.setdefault("extensions", {})[WRITE_TEXT_NOW] = {"write": self.write_text_now}
        await super().run_asgi()

    async def send(self, message: ASGISendEvent) -> None:
        text = message.get("text") if message["type"] == "websocket.send" else None
        if not isinstance(text, str) or message.get("bytes") is not None:
            await super().send(message)
            return
        await self.writable.wait()  # as uvicorn's: the socket's buffer drained below its mark
        if self.disconnected:
            raise ClientDisconnected()
        if not self._open_for_text():
            await super().send(message)  # uvicorn says what is wrong, as it always did
            return
        self.transport.write(text_frame(text.encode()))

    def write_text_now(self, text: str) -> bool:
        """The text message written as its frame now, when `send` would write it with no
        wait; False, and nothing written, otherwise (the socket's buffer over its mark, the
        connection not open): the caller sends it the awaited way, or not at all."""
        if not self.writable.is_set() or self.disconnected or not self._open_for_text():
            return False
        self.transport.write(text_frame(text.encode()))
        return True

    def _open_for_text(self) -> bool:
        conn = self.conn
        return (
            self.handshake_complete
            and not self.close_sent
            and self.initial_response is None
            and conn.state is State.OPEN
            and not conn.expect_continuation_frame
            and not conn.extensions
        )
