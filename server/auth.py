"""Bearer JWTs: HS256 with JWT_SECRET, or RS256 with JWT_PUBLIC_KEY_FILE.

No header means anonymous. A header that does not verify (bad signature, expired, malformed,
no UUID `sub`) is UNAUTHENTICATED, never silently anonymous. A `role: admin` claim makes an
admin.
"""

from __future__ import annotations

import time
from functools import lru_cache
from uuid import UUID

import jwt

from resolvers.context import Viewer
from resolvers.errors import Unauthenticated
from server.settings import Settings


def _key_for(algorithm: str, settings: Settings) -> str:
    # Each algorithm has its own key: a public key is never taken for an HMAC secret.
    if algorithm == "HS256":
        return settings.jwt_secret
    if algorithm == "RS256" and settings.jwt_public_key:
        return settings.jwt_public_key
    raise Unauthenticated(f"tokens signed with {algorithm} are not accepted")


def authenticate(authorization: str | None, settings: Settings) -> Viewer | None:
    """The viewer named by an `Authorization: Bearer <jwt>` header; None without one."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    viewer, expires = _verified(token.strip(), settings)
    if expires is not None and expires <= time.time():
        raise Unauthenticated("the token has expired")
    return viewer


@lru_cache(maxsize=4096)
def _verified(token: str, settings: Settings) -> tuple[Viewer, float | None]:
    """A token's viewer and expiry, verified once: a client sends the same token with every
    request, and checking its signature is most of the cost of reading it. Refusals are not
    kept, and the expiry is checked again on every use."""
    try:
        algorithm = jwt.get_unverified_header(token).get("alg", "")
        claims = jwt.decode(
            token,
            _key_for(algorithm, settings),
            algorithms=[algorithm],
            options={"require": ["sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired") from None
    except jwt.PyJWTError:
        raise Unauthenticated("the token is not valid") from None
    try:
        viewer_id = UUID(str(claims["sub"]))
    except ValueError:
        raise Unauthenticated("the token's sub is not a user id") from None
    expires = claims.get("exp")
    viewer = Viewer(id=viewer_id, is_admin=claims.get("role") == "admin")
    return viewer, None if expires is None else float(expires)
