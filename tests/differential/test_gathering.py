"""schema/gathering.py answers as graphql-core's gather_with_cancel does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql.pyutils import gather_with_cancel as graphql_cores

from schema.gathering import gather_with_cancel as ours


async def after(turns: int, value: Any = None, error: Exception | None = None) -> Any:
    for _ in range(turns):
        await asyncio.sleep(0)
    if error is not None:
        raise error
    return value


async def test_the_values_come_in_the_order_given_whatever_order_they_end_in() -> None:
    assert await ours([after(3, "a"), after(1, "b"), after(2, "c")]) == ["a", "b", "c"]


async def test_a_future_among_coroutines_is_awaited_too() -> None:
    future = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(future.set_result, "f")
    assert await ours([after(1, "a"), future]) == ["a", "f"]


def graphql_cores_of(awaitables: list[Any]) -> Any:
    return graphql_cores(*awaitables)


@pytest.mark.parametrize("gather", [ours, graphql_cores_of], ids=["ours", "graphql-core's"])
async def test_the_first_error_to_happen_is_raised_once_the_others_ended(gather: Any) -> None:
    ended: list[str] = []

    async def slow() -> None:
        try:
            await after(50)
        finally:
            ended.append("slow")

    late, early = ValueError("late"), KeyError("early")
    with pytest.raises(KeyError) as raised:
        await gather([after(5, error=late), after(1, error=early), slow()])
    assert raised.value is early
    assert ended == ["slow"]  # cancelled, and ended before the error reached the waiter


async def test_cancelling_the_waiter_cancels_every_child() -> None:
    children_cancelled: list[int] = []

    async def child(n: int) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            children_cancelled.append(n)
            raise

    waiter = asyncio.create_task(ours([child(1), child(2)]))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await asyncio.sleep(0)
    assert sorted(children_cancelled) == [1, 2]
