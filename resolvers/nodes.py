"""`node(id)`: any object by its global id."""

from __future__ import annotations

from db.columns import FULL_ENTRY
from db.executor import Row
from resolvers.context import Context
from resolvers.ids import decode_id, entry_pk, user_pk


async def resolve_node(ctx: Context, global_id: str) -> tuple[str, Row] | None:
    """(type name, row) for the id, or None when there is no such node the viewer may see."""
    type_name, _ = decode_id(global_id)
    row: Row | None
    if type_name == "Entry":
        row = await ctx.loaders.entry_by_id.load((entry_pk(global_id), FULL_ENTRY))
    elif type_name == "User":
        row = await ctx.loaders.user_by_id.load(user_pk(global_id))
    else:
        return None
    return None if row is None else (type_name, row)
