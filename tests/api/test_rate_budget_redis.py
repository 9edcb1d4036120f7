"""With REDIS_URL, every server instance spends from the same buckets, kept in Redis.

Needs the Redis of REDIS_URL (default: 127.0.0.1:6379, which .ci/run starts). Each test uses
buckets of its own (a fresh viewer or key prefix), so runs never see each other's spending.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as redis

from server import rate_budget
from server.rate_budget import RedisRateBudget
from server.settings import Settings
from tests.api.test_rate_budget import ONE_PAGE, PAGE_OF_30, ask, parsing
from tests.conftest import free_port
from tests.graphql import app_client, token_for

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
async def budget() -> AsyncIterator[RedisRateBudget]:
    budget = RedisRateBudget(REDIS_URL, 20, key_prefix=f"resonance-test:{uuid.uuid4()}:")
    await budget.start()
    yield budget
    await budget.aclose()


async def test_two_instances_share_one_budget(settings: Settings) -> None:
    viewer = token_for(uuid.uuid4())
    # Each instance parses the page once; two pages, then nothing left.
    budget = 2 * parsing(PAGE_OF_30) + 60
    async with (
        app_client(settings, redis_url=REDIS_URL, max_cost_per_minute=budget) as first,
        app_client(settings, redis_url=REDIS_URL, max_cost_per_minute=budget) as second,
    ):
        assert (await ask(first, token=viewer)).status_code == 200
        assert (await ask(second, token=viewer)).status_code == 200
        assert (await ask(first, token=viewer)).status_code == 429
        assert (await ask(second, token=viewer)).status_code == 429
        assert (await ask(second, token=token_for(uuid.uuid4()))).status_code == 200


async def test_concurrent_charges_never_spend_more_than_the_bucket_holds(
    budget: RedisRateBudget,
) -> None:
    waits = await asyncio.gather(*(budget.charge("user:many", 1) for _ in range(50)))
    assert waits.count(0.0) == 20
    assert all(wait > 0 for wait in waits if wait)


async def test_a_refusal_says_how_long_to_wait(budget: RedisRateBudget) -> None:
    assert await budget.charge("user:a", 20) == 0
    wait = await budget.charge("user:a", 10)
    assert 25 < wait <= 30  # 20 a minute: 10 in 30 s, less what refilled meanwhile


async def test_a_bucket_is_forgotten_once_it_would_be_full(budget: RedisRateBudget) -> None:
    await budget.charge("user:a", 5)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        ttl = await client.pttl(f"{budget.key_prefix}user:a")
    finally:
        await client.aclose()
    assert 15_000 < ttl <= 16_000  # 5 of 20 a minute refill in 15 s


async def test_when_redis_cannot_be_reached_the_api_serves_and_says_so(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    caplog.set_level(logging.WARNING, logger="resonance.rate_budget")
    budget = ONE_PAGE + 30  # parsing the page once, then two pages
    async with app_client(settings, redis_url=nowhere, max_cost_per_minute=budget) as client:
        assert "errors" not in (await ask(client)).json()
        assert (await ask(client)).status_code == 200
        # Still bounded meanwhile, by the process's own buckets.
        assert (await ask(client)).status_code == 429
    [warning] = [r for r in caplog.records if r.name == "resonance.rate_budget"]
    assert "cannot be reached" in warning.getMessage()
    assert "each server process keeps its own rate budget" in warning.getMessage()


@pytest.fixture
def redis_port() -> Iterator[int]:
    """A free port, and a Redis server started on it later by the test."""
    port = free_port()
    yield port
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


async def test_when_redis_answers_again_the_budget_is_shared_again(
    redis_port: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_budget, "RETRY_AFTER", 0.0)  # ask Redis again at once
    caplog.set_level(logging.INFO, logger="resonance.rate_budget")
    url = f"redis://127.0.0.1:{redis_port}/0"
    budget = RedisRateBudget(url, 20)
    await budget.start()
    try:
        assert await budget.charge("user:a", 20) == 0  # in this process: Redis is not there
        started = await asyncio.create_subprocess_exec(
            *("redis-server", "--port", str(redis_port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--daemonize", "yes"),
        )
        assert await started.wait() == 0
        await answering(url)
        assert await budget.charge("user:a", 20) == 0  # a full bucket: the one in Redis
        assert await budget.charge("user:a", 1) > 0
    finally:
        await budget.aclose()
    messages = [r.getMessage() for r in caplog.records if r.name == "resonance.rate_budget"]
    assert any("cannot be reached" in m for m in messages)
    assert any("answers again: the rate budget is shared again" in m for m in messages)


async def answering(url: str, seconds: float = 10) -> None:
    client = redis.Redis.from_url(url)
    try:
        async with asyncio.timeout(seconds):
            while True:
                try:
                    await client.ping()
                    return
                except (redis.ConnectionError, OSError):
                    await asyncio.sleep(0.05)
    finally:
        await client.aclose()
