"""Development tokens, as the server's auth (server/auth.py) accepts them.

HS256 with JWT_SECRET, the user's id in `sub`, an expiry, and `role: admin` for an admin:
what `make token` (commands/token.py), `make seed` and the benchmark's clients send.
"""

from __future__ import annotations

import time
import uuid

import jwt

from server.settings import Settings


def mint(user_id: uuid.UUID, settings: Settings, *, admin: bool = False, hours: float = 24) -> str:
    claims: dict[str, object] = {"sub": str(user_id), "exp": int(time.time() + hours * 3600)}
    if admin:
        claims["role"] = "admin"
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
