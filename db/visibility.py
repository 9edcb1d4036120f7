"""The visibility rule, as the one SQL predicate every entry query uses.

An entry is visible to the viewer when it is public, or the viewer is its author, or it is
for followers and the viewer follows the author, or the viewer is an admin. Every query that
reads entries takes the viewer's id as $1 (NULL when anonymous) and whether the viewer is an
admin as $2, and filters with `visible_entry(alias)`.
"""

from __future__ import annotations

from typing import NamedTuple
from uuid import UUID


def visible_entry(alias: str = "e", *, viewer: str = "$1::uuid", admin: str = "$2::boolean") -> str:
    """The predicate for the stream_entries row named `alias` (an identifier, never a value).

    The audience is $1 and $2 of the query, or, for a statement that reads for many audiences
    at once, the columns named by `viewer` and `admin` (identifiers too)."""
    return (
        f"({alias}.privacy = 'public' OR {admin} OR {alias}.user_id = {viewer}"
        f" OR ({alias}.privacy = 'followers' AND EXISTS ("
        f"SELECT 1 FROM user_follows vis WHERE vis.follower_id = {viewer}"
        f" AND vis.followed_id = {alias}.user_id)))"
    )


class Audience(NamedTuple):
    """Who is reading: the $1 and $2 of every query that filters by visibility."""

    viewer_id: UUID | None
    is_admin: bool


ANONYMOUS = Audience(None, False)
