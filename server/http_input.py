"""What an HTTP request to /graphql must be before GraphQL reads it, each refusal in words.

A POST body is JSON in UTF-8 (`Content-Type: application/json`, no other charset), sent
uncompressed, at most MAX_BODY_BYTES whether or not it declares its length. Whatever fails
here is BAD_USER_INPUT with an HTTP status (server/errors.py's `http_error` answers it, as a
GraphQL-shaped body).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.types import Message, Receive

from resolvers.errors import BadUserInput
from server import json_input


class Refused(BadUserInput):
    """A request refused before GraphQL runs, with its HTTP status (and headers)."""

    def __init__(self, message: str, status: int, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def check_declared_length(headers: Mapping[str, str], limit: int) -> None:
    """Refuse a body that says it is too large before a byte of it is read."""
    declared = headers.get("content-length")
    if declared is None:
        return
    if not declared.strip().isascii() or not declared.strip().isdigit():  # "²" is a digit
        raise Refused("the Content-Length header is not a number", 400)
    if int(declared) > limit:
        raise Refused(f"the request body is over {limit} bytes", 413)


def limited(receive: Receive, limit: int) -> Receive:
    """`receive`, refusing (413) once the body grows past `limit`: a body without a
    Content-Length (chunked) is never read whole first."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise Refused(f"the request body is over {limit} bytes", 413)
        return message

    return receive_within_limit


def check_post_headers(headers: Mapping[str, str]) -> None:
    """A POST body must be UTF-8 JSON, uncompressed (415 otherwise, naming what to send)."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise Refused(
            f"Content-Encoding {encoding[:40]} is not accepted: send the body uncompressed",
            415,
            {"Accept-Encoding": "identity"},
        )
    media_type, *params = headers.get("content-type", "").split(";")
    if media_type.strip().lower() != "application/json":
        raise Refused("the request body must be JSON: send Content-Type: application/json", 415)
    for param in params:
        name, _, value = param.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise Refused(f"the request body must be UTF-8 JSON, not charset={charset[:40]}", 415)


def parse(data: bytes | str, what: str) -> object:
    """JSON from the client (server/json_input.py), or a 400 saying what is wrong with it."""
    try:
        return json_input.loads(data, what)
    except json_input.MalformedJson as error:
        raise Refused(str(error), 400) from None


def request_object(body: bytes | str) -> dict[str, Any]:
    """A POST body: strict, bounded JSON (server/json_input.py), and an object."""
    parsed = parse(body, "the request body")
    if not isinstance(parsed, dict):
        raise Refused("the request body must be a JSON object with a query", 400)
    return parsed


def request_objects(body: bytes | str, max_batch: int) -> dict[str, Any] | list[dict[str, Any]]:
    """A POST body: an operation's object, or a batch of them (a JSON array of at most
    `max_batch`, as Apollo's BatchHttpLink sends)."""
    parsed = parse(body, "the request body")
    if isinstance(parsed, dict):
        return parsed
    if not isinstance(parsed, list):
        raise Refused("the request body must be a JSON object with a query", 400)
    if not parsed:
        raise Refused("a batch must hold at least one operation", 400)
    if len(parsed) > max_batch:
        raise Refused(f"a batch holds at most {max_batch} operations, not {len(parsed)}", 400)
    for index, each in enumerate(parsed):
        if not isinstance(each, dict):
            raise Refused(f"operation {index} of the batch must be a JSON object", 400)
    return parsed


def check_operation_name(name: object) -> None:
    if not isinstance(name, (str, type(None))):
        raise Refused("operationName must be a string or null", 400)
