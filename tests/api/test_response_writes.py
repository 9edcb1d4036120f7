"""A response's head goes out in one write with its body (server/http_protocol.py): on
loopback every write is a packet and a wake-up of the client, so two cost the server twice.
The real protocol and a real ASGI app, over a transport that records what is written."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from uvicorn.config import Config
from uvicorn.server import ServerState

from server.http_protocol import with_head_limit


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def json_page(request: Request) -> Response:
    return JSONResponse({"data": {"ok": True}})


async def streamed(request: Request) -> Response:
    async def parts() -> Any:
        yield b"one"
        await asyncio.sleep(0.01)
        yield b"two"

    return StreamingResponse(parts())


async def echo(request: Request) -> Response:
    return Response(await request.body())


APP = Starlette(
    routes=[
        Route("/json", json_page),
        Route("/stream", streamed),
        Route("/echo", echo, methods=["POST"]),
    ]
)


async def served(request: bytes) -> list[bytes]:
    config = Config(APP, http=with_head_limit(32 * 1024), lifespan="off", log_level="error")
    protocol = with_head_limit(32 * 1024)(config=config, server_state=ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(50):
        await asyncio.sleep(0.005)
        if transport.writes and transport.writes[-1].endswith((b"}", b"0\r\n\r\n")):
            break
    protocol.connection_lost(None)
    return transport.writes


GET = b"GET %s HTTP/1.1\r\nHost: test\r\n\r\n"


async def test_a_response_head_and_body_go_out_in_one_write() -> None:
    writes = await served(GET % b"/json")
    assert len(writes) == 1
    head, _, body = writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert body == b'{"data":{"ok":true}}'


async def test_a_streamed_body_goes_out_as_it_comes_with_the_head_on_its_first_part() -> None:
    writes = await served(GET % b"/stream")
    assert writes[0].startswith(b"HTTP/1.1 200 OK")
    assert writes[0].endswith(b"3\r\none\r\n")
    assert b"two" in b"".join(writes[1:])


async def test_100_continue_is_written_at_once_and_the_response_after_it() -> None:
    head = b"POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    config = Config(APP, http=with_head_limit(32 * 1024), lifespan="off", log_level="error")
    protocol = with_head_limit(32 * 1024)(config=config, server_state=ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(head)
    await asyncio.sleep(0.02)
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    protocol.data_received(b"hi")
    await asyncio.sleep(0.02)
    protocol.connection_lost(None)
    assert len(transport.writes) == 2
    assert transport.writes[1].startswith(b"HTTP/1.1 200 OK")
    assert transport.writes[1].endswith(b"\r\n\r\nhi")
