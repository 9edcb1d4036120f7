"""What query functions run on: a pool or a connection (both have fetch, fetchrow, ...)."""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias

import asyncpg

# A result row: read by column name (row["id"]). Code outside db/ names it by this alias.
Row: TypeAlias = asyncpg.Record
Pool: TypeAlias = asyncpg.Pool


class Executor(Protocol):
    async def fetch(self, query: str, *args: Any) -> list[Any]: ...

    async def fetchrow(self, query: str, *args: Any) -> Any: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...

    async def execute(self, query: str, *args: Any) -> str: ...
