"""The per-request context: who is asking, what resolvers use (where it reads, the primary
for writes; for subscriptions the LISTEN broker and the snapshot loaders), and the request's
own dataloaders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from uuid import UUID

from db.executor import Executor
from db.listen import MailboxRegistry
from db.replicas import Replicas
from db.visibility import Audience
from resolvers.errors import ApiError, Unauthenticated
from resolvers.loaders import Loaders
from resolvers.own_writes import OwnWrites
from resolvers.snapshots import Snapshots


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user named by the token's `sub`; admins see every entry."""

    id: UUID
    is_admin: bool = False


def reads_for(viewer: Viewer | None, replicas: Replicas, own_writes: OwnWrites) -> Executor:
    """Where a request reads, decided once as its context is made: a replica in turn
    (db/replicas.py), unless its viewer has just written (resolvers/own_writes.py)."""
    if viewer is not None and own_writes.recent(viewer.id):
        return replicas.primary
    return replicas.reads()


@dataclass
class Context:
    # Where the request reads: the pool of the primary, or a replica (`reads_for`).
    db: Executor
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
    # The primary when `db` may be a replica (None: `db` is the primary), and the memory of
    # who just wrote: a mutation takes both through `writing`.
    primary: Executor | None = None
    own_writes: OwnWrites | None = None

    @cached_property
    def audience(self) -> Audience:
        if self.viewer is None:
            return Audience(None, False)
        return Audience(self.viewer.id, self.viewer.is_admin)

    @cached_property
    def loaders(self) -> Loaders:
        """Created on first use, one set per request: nothing is cached across requests."""
        return Loaders(self.db, self.audience)

    @contextmanager
    def writing(self) -> Iterator[Executor]:
        """The primary, for a mutation's write and for everything the request reads from
        then on (its re-read, its selection): a replica may not have the write yet. On the
        way out the viewer's next reads are sent to the primary too, for a while."""
        primary = self.primary
        if primary is not None and self.db is not primary:
            self.db = primary
            self.__dict__.pop("loaders", None)  # made over the replica
        try:
            yield self.db
        finally:
            if self.own_writes is not None and self.viewer is not None:
                self.own_writes.wrote(self.viewer.id)

    def require_viewer(self) -> Viewer:
        if self.viewer is None:
            raise Unauthenticated("sign in first: send Authorization: Bearer <token>")
        return self.viewer
