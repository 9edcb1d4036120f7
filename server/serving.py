"""uvicorn's options, the same for `python -m server` and the tests' server processes.

- Request heads are bounded (server/http_protocol.py, MAX_HEADER_BYTES): 414 or 431 above.
- A WebSocket message is bounded like an HTTP body (MAX_BODY_BYTES): uvicorn refuses a larger
  frame from its header, before buffering it, and closes with 1009 (message too big).
- No per-message deflate: counts events are a few hundred bytes, and it would only cost each
  WebSocket its zlib buffers (most of a subscriber's memory), or a decompression bomb's.
- uvicorn's sans-io WebSocket protocol, a text message written as its frame in place
  (server/ws_protocol.py): each subscriber's event is one.
"""

from __future__ import annotations

from typing import Any

from server.http_protocol import with_head_limit
from server.settings import Settings
from server.ws_protocol import WebSocketProtocol


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "http": with_head_limit(settings.max_header_bytes),
        "ws": WebSocketProtocol,
        "ws_max_size": settings.max_body_bytes,
        "ws_per_message_deflate": False,
    }
