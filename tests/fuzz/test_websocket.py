"""Fuzzing over the WebSocket, in both protocols: whatever frames arrive, the server answers
with well-formed messages whose errors carry codes, or closes with a 44xx code; it never
drops the connection without a close frame or with an internal-error close."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from schema import schema as served_schema
from tests.fuzz.check import server_sound, sound_body
from tests.fuzz.server import FuzzServer
from tests.fuzz.strategies import Known, json_values, operations, text
from tests.fuzz.test_http import fuzz

SCHEMA = served_schema._schema
# Close codes a server may end a connection with: normal, going away, too big, and the
# protocols' own 44xx codes. 1006 (no close frame) and 1011 (internal error) are failures.
CLOSE_CODES = {1000, 1001, 1009, 4400, 4401, 4403, 4406, 4408, 4409, 4429}
# How long to listen after the last frame sent.
LISTEN_SECONDS = 0.3


def frames(known: Known) -> st.SearchStrategy[str | bytes]:
    """One frame: a protocol message (well-formed or not) or garbage."""
    ids = st.sampled_from(["1", "2", "", "x" * 300])
    operation = operations(SCHEMA, known).map(lambda op: {"query": op[0], "variables": op[1]})
    payloads = st.one_of(operation, json_values, st.builds(lambda q: {"query": q}, json_values))
    messages = st.one_of(
        st.builds(
            lambda t, p: {"type": t, "payload": p},
            st.just("connection_init"),
            st.one_of(
                st.just({}),
                st.just({"authToken": known.extra["token"]}),
                st.just({"Authorization": "Bearer not-a-token"}),
                json_values,
            ),
        ),
        st.builds(
            lambda t, i, p: {"type": t, "id": i, "payload": p},
            st.sampled_from(["subscribe", "start"]),
            ids,
            payloads,
        ),
        st.builds(
            lambda t, i: {"type": t, "id": i},
            st.sampled_from(["complete", "stop", "ping", "pong", "connection_terminate", "x"]),
            ids,
        ),
        st.dictionaries(st.sampled_from(["type", "id", "payload"]), json_values),
        json_values,
    )
    return st.one_of(
        messages.map(json.dumps),
        # A text frame is UTF-8 on the wire: lone surrogates reach the server only escaped.
        text.map(lambda s: s.encode(errors="replace").decode()),
        st.binary(max_size=50),
        st.sampled_from(["[" * 100_000, '{"type":' + "[" * 100_000, "[]", "null", "{}"]),
    )


async def converse(url: str, protocol: str | None, sent: list[str | bytes]) -> None:
    subprotocols = [Subprotocol(protocol)] if protocol else None
    try:
        ws = await connect(url, subprotocols=subprotocols, max_size=None)
    except InvalidStatus as refused:  # a refused handshake is an answer too
        assert refused.response.status_code < 500, refused
        return
    async with ws:
        try:
            for frame in sent:
                await ws.send(frame)
            while True:
                raw = await asyncio.wait_for(ws.recv(), LISTEN_SECONDS)
                check_message(raw, protocol)
        except TimeoutError:
            return
        except ConnectionClosed:
            pass
    code = ws.close_code
    assert code in CLOSE_CODES, f"closed with {code} {ws.close_reason!r} after {sent!r}"[:3000]


def check_message(raw: str | bytes, protocol: str | None) -> None:
    assert isinstance(raw, str), f"a binary frame: {raw!r}"
    message: Any = json.loads(raw)
    assert isinstance(message, dict) and isinstance(message.get("type"), str), message
    payload = message.get("payload")
    if message["type"] in ("next", "data"):
        sound_body(payload, raw[:1000])
    elif message["type"] == "error":
        errors = payload if isinstance(payload, list) else [payload]
        sound_body({"errors": errors}, raw[:1000])


def test_any_frames_get_well_formed_answers_or_a_coded_close(
    fuzz_server: FuzzServer, known: Known
) -> None:
    @fuzz(80)
    @given(
        protocol=st.sampled_from(["graphql-transport-ws", "graphql-ws", None, "x"]),
        sent=st.lists(frames(known), min_size=1, max_size=4),
        initialised=st.booleans(),
    )
    def run(protocol: str | None, sent: list[str | bytes], initialised: bool) -> None:
        if initialised:
            init = {"type": "connection_init", "payload": {"authToken": known.extra["token"]}}
            sent = [json.dumps(init), *sent]
        asyncio.run(converse(fuzz_server.ws_url, protocol, sent))

    run()
    server_sound(fuzz_server)
