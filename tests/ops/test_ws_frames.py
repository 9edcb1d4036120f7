"""Text messages written as their frames in place (server/ws_protocol.py): the frames are
websockets' own, byte for byte, and through a real uvicorn everything else is as before."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode

from server import ws_protocol
from server.ws_protocol import WebSocketProtocol, text_frame
from tests.conftest import free_port

# Around each of the header's three length encodings (RFC 6455, 5.2).
BOUNDARY_LENGTHS = [0, 1, 125, 126, 127, 65535, 65536, 200_000]


def websockets_frame(payload: bytes) -> bytes:
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


@pytest.mark.parametrize("length", BOUNDARY_LENGTHS)
def test_a_text_frame_at_each_length_boundary_is_websockets_own(length: int) -> None:
    payload = b"x" * length
    assert text_frame(payload) == websockets_frame(payload)


def test_text_frames_of_random_text_are_websockets_own() -> None:
    rng = random.Random(13)
    alphabet = 'aé€𝄞\x00\n"{}'
    for _ in range(500):
        length = rng.choice([rng.randrange(0, 130), rng.randrange(0, 70_000)])
        payload = "".join(rng.choice(alphabet) for _ in range(length)).encode()
        assert text_frame(payload) == websockets_frame(payload)


Script = Callable[[Any, Any], Any]


async def serve_ws(
    script: Script, protocol: type = WebSocketProtocol, deflate: bool = False
) -> AsyncIterator[str]:
    """A real uvicorn with `protocol` (ours, and no per-message deflate, as
    server/serving.py has it), its one WebSocket app running `script`."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await script(receive, send)

    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ws=protocol,
        ws_per_message_deflate=deflate,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 (uvicorn's flag, set by its task)
            await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def framed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each payload written in place."""
    lengths: list[int] = []

    def counted(payload: bytes) -> bytes:
        lengths.append(len(payload))
        return text_frame(payload)

    monkeypatch.setattr(ws_protocol, "text_frame", counted)
    return lengths


async def test_text_messages_of_every_length_arrive_whole_written_in_place(
    framed: list[int],
) -> None:
    messages = ["é" * (n // 2) + "x" * (n % 2) for n in BOUNDARY_LENGTHS] + ['𝄞{}"\n']

    async def script(receive: Any, send: Any) -> None:
        for text in messages:
            await send({"type": "websocket.send", "text": text})
        await receive()

    async for url in serve_ws(script):
        async with connect(url, max_size=None) as ws:
            got = [await ws.recv() for _ in messages]
    assert got == messages
    assert framed == [len(text.encode()) for text in messages]


async def test_binary_messages_and_the_close_go_through_uvicorn(framed: list[int]) -> None:
    async def script(receive: Any, send: Any) -> None:
        await send({"type": "websocket.send", "bytes": b"\x00\xff"})
        await send({"type": "websocket.send", "text": "after"})
        await send({"type": "websocket.close", "code": 4403, "reason": "the token has expired"})

    async for url in serve_ws(script):
        async with connect(url) as ws:
            assert await ws.recv() == b"\x00\xff"
            assert await ws.recv() == "after"
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "the token has expired")
    assert framed == [5]


async def test_with_per_message_deflate_text_goes_through_websockets(framed: list[int]) -> None:
    async def script(receive: Any, send: Any) -> None:
        await send({"type": "websocket.send", "text": "compressed " * 100})
        await receive()

    async for url in serve_ws(script, deflate=True):
        async with connect(url) as ws:
            assert await ws.recv() == "compressed " * 100
    assert framed == []


async def refusal_after_the_close(protocol: type) -> BaseException | None:
    """What the app's send of a text message raises once it has closed the socket."""
    outcome: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()

    async def script(receive: Any, send: Any) -> None:
        await send({"type": "websocket.close", "code": 1000})
        try:
            await send({"type": "websocket.send", "text": "too late"})
        except Exception as error:
            outcome.set_result(error)
            return
        outcome.set_result(None)

    async for url in serve_ws(script, protocol):
        async with connect(url) as ws:
            with pytest.raises(ConnectionClosed):
                await ws.recv()
        return await asyncio.wait_for(outcome, 5)
    raise AssertionError("unreachable")


async def test_a_text_message_after_the_close_is_refused_as_uvicorn_refuses_it(
    framed: list[int],
) -> None:
    ours = await refusal_after_the_close(WebSocketProtocol)
    uvicorns = await refusal_after_the_close(WebSocketsSansIOProtocol)
    assert ours is not None and uvicorns is not None
    assert (type(ours), str(ours)) == (type(uvicorns), str(uvicorns))
    assert framed == []
