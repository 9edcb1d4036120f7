"""Strawberry types and the root Query, Mutation and Subscription, composed into one schema."""

from __future__ import annotations

from schema.entries import Entry
from schema.errors import ErrorCodes, ResonanceSchema
from schema.query import Query
from schema.users import User

schema = ResonanceSchema(query=Query, types=[Entry, User], extensions=[ErrorCodes])
