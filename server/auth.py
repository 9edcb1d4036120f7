"""Bearer JWTs: HS256 with JWT_SECRET, or RS256 with JWT_PUBLIC_KEY_FILE.

No header means anonymous. A header that does not verify (bad signature, expired, malformed,
no UUID `sub`, a header no JSON decoder should have to read) is UNAUTHENTICATED, never silently
anonymous, and never an error of ours. A `role: admin` claim makes an admin.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from uuid import UUID

import jwt

from resolvers.context import Viewer
from resolvers.errors import Unauthenticated
from server.settings import Settings


def _key_for(algorithm: object, settings: Settings) -> str:
    # Each algorithm has its own key: a public key is never taken for an HMAC secret.
    if algorithm == "HS256":
        return settings.jwt_secret
    if algorithm == "RS256" and settings.jwt_public_key:
        return settings.jwt_public_key
    if isinstance(algorithm, str) and algorithm.isascii() and algorithm.isprintable():
        raise Unauthenticated(f"tokens signed with {algorithm[:20]} are not accepted")
    raise Unauthenticated("the token's header names no algorithm we accept")


@dataclass(frozen=True, slots=True)
class Credentials:
    viewer: Viewer
    # The token's `exp` (seconds since the epoch); None when it never expires.
    expires_at: float | None


def credentials(authorization: str | None, settings: Settings) -> Credentials | None:
    """Who an `Authorization: Bearer <jwt>` header names, and until when; None without one."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    verified = _verified(token.strip(), settings)
    if verified.expires_at is not None and verified.expires_at <= time.time():
        raise Unauthenticated("the token has expired")
    return verified


def authenticate(authorization: str | None, settings: Settings) -> Viewer | None:
    """The viewer named by an `Authorization: Bearer <jwt>` header; None without one."""
    verified = credentials(authorization, settings)
    return None if verified is None else verified.viewer


@lru_cache(maxsize=4096)
def _verified(token: str, settings: Settings) -> Credentials:
    """A token's viewer and expiry, verified once: a client sends the same token with every
    request, and checking its signature is most of the cost of reading it. Refusals are not
    kept, and the expiry is checked again on every use."""
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
        key = _key_for(algorithm, settings)  # after it, the algorithm is one we accept
        claims = jwt.decode(
            token,
            key,
            algorithms=[str(algorithm)],
            options={"require": ["sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired") from None
    except jwt.PyJWTError:  # a nesting that would recurse past the limit included
        raise Unauthenticated("the token is not valid") from None
    try:
        viewer_id = UUID(str(claims["sub"]))
    except ValueError:
        raise Unauthenticated("the token's sub is not a user id") from None
    expires = claims.get("exp")
    viewer = Viewer(id=viewer_id, is_admin=claims.get("role") == "admin")
    return Credentials(viewer, None if expires is None else float(expires))
