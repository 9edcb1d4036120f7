"""What a client's WebSocket message must be, in both protocols, before a handler reads it.

A message is a JSON object no larger than MAX_BODY_BYTES and no deeper than an HTTP body may
be (server/json_input.py), with a string `type` the protocol knows; an operation's payload has a
string `query`, an object (or null) `variables` and `extensions` and a string (or null)
`operationName`; ids are strings. Anything else closes the socket with 4400 and the reason,
as graphql-transport-ws prescribes for an invalid message (graphql-ws prescribes nothing; it
gets the same).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server import json_input

INVALID_MESSAGE = 4400
MESSAGE_TOO_BIG = 1009  # RFC 6455's code, which uvicorn sends when a frame is over the limit

# The messages a client may send, and which fields each must have right.
TRANSPORT_WS_TYPES = {
    "connection_init": "payload",
    "ping": "payload",
    "pong": "payload",
    "subscribe": "operation",
    "complete": "id",
}
LEGACY_WS_TYPES = {
    "connection_init": "payload",
    "connection_terminate": "",
    "start": "operation",
    "stop": "id",
}


@dataclass(frozen=True)
class Malformed:
    """A message the socket is closed for: the close code and its reason."""

    code: int
    reason: str


def decode(text: str, max_bytes: int) -> dict[str, Any] | Malformed:
    """A text frame as a message object, or why it is not one."""
    if len(text) > max_bytes:  # uvicorn refuses it first (ws_max_size); this holds elsewhere
        return Malformed(MESSAGE_TOO_BIG, f"a message is over {max_bytes} bytes")
    try:
        message = json_input.loads(text, "the message")
    except json_input.MalformedJson as error:
        return Malformed(INVALID_MESSAGE, str(error))
    if not isinstance(message, dict):
        return Malformed(INVALID_MESSAGE, "a message must be a JSON object")
    return message


def problem(message: dict[str, Any], types: Mapping[str, str]) -> str | None:
    """What is wrong with a decoded message (`types`: the protocol's), or None."""
    kind = message.get("type")
    if not isinstance(kind, str):
        return "a message needs a string type"
    if kind not in types:
        return f"unknown message type {kind[:40]!r}"
    check = types[kind]
    if check == "payload":
        return _object_or_null(message, "payload", kind)
    if check in ("id", "operation"):
        identifier = message.get("id")
        if not isinstance(identifier, str) or not identifier:
            return f"{kind} needs a string id"
    if check == "operation":
        return _operation_problem(message.get("payload"), kind)
    return None


def _operation_problem(payload: object, kind: str) -> str | None:
    if not isinstance(payload, dict):
        return f"{kind} needs a payload object"
    if not isinstance(payload.get("query"), str):
        return f"the {kind} payload's query must be a string"
    if not isinstance(payload.get("operationName"), (str, type(None))):
        return f"the {kind} payload's operationName must be a string or null"
    return _object_or_null(payload, "variables", kind) or _object_or_null(
        payload, "extensions", kind
    )


def _object_or_null(container: dict[str, Any], key: str, kind: str) -> str | None:
    if isinstance(container.get(key), (dict, type(None))):
        return None
    return f"the {kind} message's {key} must be an object or null"
