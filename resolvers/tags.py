"""Tags are stored lower-case: 1-50 characters of [a-z0-9_-]."""

from __future__ import annotations

import re

from resolvers.errors import BadUserInput

TAG = re.compile(r"[a-z0-9_-]{1,50}")


def normalise_tag(tag: str, field: str = "tag") -> str:
    lowered = tag.strip().lower()
    if not TAG.fullmatch(lowered):
        raise BadUserInput(f"{field} must be 1-50 characters of a-z, 0-9, _ and -")
    return lowered
