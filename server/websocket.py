"""WebSocket connections: who is subscribing, from the HTTP header or `connection_init`.

Browsers cannot set headers on a WebSocket handshake, so clients send the token in the
`connection_init` payload (`Authorization: "Bearer ..."` or `authToken: "..."`), which wins
over the header. A token that does not verify refuses the connection (4403, or
`connection_error` on graphql-ws) instead of serving it anonymously. The token's expiry is kept:
the socket is closed when it comes (server/ws_handlers.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.exceptions import ConnectionRejectionError

from resolvers.context import Context
from resolvers.errors import ApiError
from schema.errors import connection_error
from server.auth import credentials
from server.settings import Settings


@dataclass
class SocketContext(Context):
    """The context of one WebSocket connection, shared by all its operations."""

    # Strawberry fills this with the connection_init payload.
    connection_params: dict[str, object] | None = None
    # When the connection's token expires (seconds since the epoch); None: never.
    expires_at: float | None = None


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
    """Set the connection's viewer and its token's expiry, or refuse the connection for a bad
    token. The handshake's header is checked again here: it may have expired since."""
    socket = context if isinstance(context, SocketContext) else None
    header = _authorization(socket.connection_params if socket else None)
    if header is None and context.request is not None:
        header = context.request.headers.get("authorization")
    try:
        verified = credentials(header, settings)
    except ApiError as error:
        context.auth_error = error
        raise ConnectionRejectionError(connection_error(error)) from None
    context.viewer = None if verified is None else verified.viewer
    context.auth_error = None
    if socket is not None:
        socket.expires_at = None if verified is None else verified.expires_at
