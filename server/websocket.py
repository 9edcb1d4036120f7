"""WebSocket connections: who is subscribing, from the HTTP header or `connection_init`.

Browsers cannot set headers on a WebSocket handshake, so clients send the token in the
`connection_init` payload (`Authorization: "Bearer ..."` or `authToken: "..."`), which wins
over the header. A token that does not verify refuses the connection (4403, or
`connection_error` on graphql-ws) instead of serving it anonymously.
"""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.exceptions import ConnectionRejectionError

from resolvers.context import Context
from resolvers.errors import ApiError
from server.auth import authenticate
from server.settings import Settings


@dataclass
class SocketContext(Context):
    """The context of one WebSocket connection, shared by all its operations."""

    # Strawberry fills this with the connection_init payload.
    connection_params: dict[str, object] | None = None


def _authorization(params: dict[str, object] | None) -> str | None:
    """The payload's token as an Authorization header value; None when it carries none."""
    if not params:
        return None
    for key in ("Authorization", "authorization"):
        value = params.get(key)
        if value:
            return str(value)
    token = params.get("authToken")
    if not token:
        return None
    token = str(token)
    return token if token.lower().startswith("bearer ") else f"Bearer {token}"


def authenticate_connection(context: Context, settings: Settings) -> None:
    """Set the connection's viewer, or refuse the connection for a bad token."""
    params = context.connection_params if isinstance(context, SocketContext) else None
    try:
        header = _authorization(params)
        if header is not None:
            context.viewer = authenticate(header, settings)
            context.auth_error = None
    except ApiError as error:
        context.auth_error = error
    refused = context.auth_error
    if refused is not None:
        raise ConnectionRejectionError({"message": refused.message, "code": refused.code})
