"""The per-request context: who is asking, what resolvers use (the pool; for subscriptions
the LISTEN broker and the snapshot loaders), and the request's own dataloaders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any
from uuid import UUID

from db.executor import Pool
from db.listen import MailboxRegistry
from db.visibility import Audience
from resolvers.errors import ApiError, Unauthenticated
from resolvers.loaders import Loaders
from resolvers.snapshots import Snapshots


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user named by the token's `sub`; admins see every entry."""

    id: UUID
    is_admin: bool = False


@dataclass
class Context:
    db: Pool
    # The process's own, made by the app's lifespan: the LISTEN broker and the snapshot
    # loaders a subscription follows. A context made for queries and mutations alone may
    # leave them out.
    broker: MailboxRegistry | None = None
    snapshots: Snapshots | None = None
    viewer: Viewer | None = None
    # A token that failed to verify: the whole operation answers UNAUTHENTICATED with it.
    auth_error: ApiError | None = None
    request: Any = None
    response: Any = None

    @cached_property
    def audience(self) -> Audience:
        if self.viewer is None:
            return Audience(None, False)
        return Audience(self.viewer.id, self.viewer.is_admin)

    @cached_property
    def loaders(self) -> Loaders:
        """Created on first use, one set per request: nothing is cached across requests."""
        return Loaders(self.db, self.audience)

    def require_viewer(self) -> Viewer:
        if self.viewer is None:
            raise Unauthenticated("sign in first: send Authorization: Bearer <token>")
        return self.viewer
