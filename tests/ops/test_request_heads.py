"""The request line and headers are bounded by the server process itself (MAX_HEADER_BYTES):
a 10 MB header is refused (431) before it is held, with a GraphQL-shaped body, and so is what
is not HTTP at all (400). Only a real server process shows it: these go through sockets."""

from __future__ import annotations

import socket
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from server.serving import uvicorn_options
from server.settings import load_settings
from tests.ops.conftest import Served

QUERY = b'{"query": "{ viewer { id } }"}'
MB = 1024 * 1024


def exchange(served: Served, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes (as much as the server takes) and read the answer to the end."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as conn:
        with suppress(OSError):  # the server may answer before the request is all sent
            conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def post_with(extra_headers: bytes) -> bytes:
    return (
        b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        + b"Content-Length: %d\r\n" % len(QUERY)
        + extra_headers
        + b"Connection: close\r\n\r\n"
        + QUERY
    )


def peak_memory(served: Served) -> int:
    """The server process's peak resident memory, in bytes."""
    status = Path(f"/proc/{served.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def assert_coded(body: bytes, words: str) -> None:
    error = httpx.Response(200, content=body).json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert words in error["message"]


def test_a_10_mb_header_is_431_and_never_held(served: Served) -> None:
    before = peak_memory(served)
    status, headers, body = exchange(served, post_with(b"X-Big: " + b"a" * (10 * MB) + b"\r\n"))
    assert status == 431
    assert headers["content-type"] == "application/json"
    assert_coded(body, "over 32768 bytes")
    # Served whole, it cost about 20 MB of peak memory.
    assert peak_memory(served) - before < 2 * MB


def test_100_000_small_headers_are_431(served: Served) -> None:
    many = b"".join(b"X-H%d: %s\r\n" % (n, b"a" * 100) for n in range(100_000))
    status, _, body = exchange(served, post_with(many))
    assert status == 431
    assert_coded(body, "headers")


def test_a_10_mb_url_is_414(served: Served) -> None:
    request = b"GET /graphql?query=" + b"a" * (10 * MB) + b" HTTP/1.1\r\nHost: test\r\n\r\n"
    status, _, body = exchange(served, request)
    assert status == 414
    assert_coded(body, "URL")


def test_a_head_just_over_the_bound_in_one_packet_is_431(served: Served) -> None:
    status, _, _ = exchange(served, post_with(b"X-Pad: " + b"a" * (33 * 1024) + b"\r\n"))
    assert status == 431


def test_a_head_within_the_bound_is_served(served: Served) -> None:
    status, _, body = exchange(served, post_with(b"X-Pad: " + b"a" * (30 * 1024) + b"\r\n"))
    assert status == 200
    assert body == b'{"data":{"viewer":null}}'


def test_a_websocket_handshake_with_a_10_mb_header_is_431_and_never_held(served: Served) -> None:
    before = peak_memory(served)
    handshake = (
        b"GET /graphql HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Protocol: graphql-transport-ws\r\n"
        b"X-Big: " + b"a" * (10 * MB) + b"\r\n\r\n"
    )
    status, _, _ = exchange(served, handshake)
    assert status == 431
    assert peak_memory(served) - before < 2 * MB


@pytest.mark.parametrize(
    "request_bytes",
    [b"GARBAGE\r\n\r\n", b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Length: ten\r\n\r\n"],
    ids=["not HTTP", "a length that is not a number"],
)
def test_what_is_not_http_is_400_with_a_graphql_body(served: Served, request_bytes: bytes) -> None:
    status, headers, body = exchange(served, request_bytes)
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert_coded(body, "not valid HTTP")


def test_keep_alive_requests_each_get_their_own_bound(served: Served) -> None:
    headers = {"X-Pad": "a" * (20 * 1024), "Content-Type": "application/json"}
    with httpx.Client(base_url=served.url) as client:
        for _ in range(5):  # 100 KB of heads over one connection, each within the bound
            response = client.post("/graphql", content=QUERY, headers=headers)
            assert response.json() == {"data": {"viewer": None}}
            assert response.headers.get("connection") != "close"


def test_the_bounds_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_HEADER_BYTES", "8192")
    monkeypatch.setenv("MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("WS_INIT_TIMEOUT_SECONDS", "2.5")
    settings = load_settings()
    assert settings.ws_init_timeout_seconds == 2.5
    options = uvicorn_options(settings)
    assert options["http"].max_head_bytes == 8192
    assert options["ws_max_size"] == 4096
