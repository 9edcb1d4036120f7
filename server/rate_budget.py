"""The rate budget the settings ask for: none, in this process, or shared in Redis.

With REDIS_URL, every server instance charges the same buckets (schema/rate_budget.py
describes them), each charge one Lua script, so two instances never both spend what a bucket
held once. Redis keeps the time (its TIME), so the instances' clocks do not matter, and a
bucket's key expires once it has refilled: idle clients cost Redis nothing.

When Redis cannot be reached (down, restarting, no answer within 0.5 s), the API keeps
serving: each process charges its own buckets in the meantime, which still bounds a client
(per instance), and logs the outage once, then its end. Redis is tried again 5 s after a
failure, not on every request.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as redis
from redis.exceptions import RedisError

from schema.rate_budget import LocalRateBudget
from server.settings import Settings

logger = logging.getLogger("resonance.rate_budget")

KEY_PREFIX = "resonance:budget:"
# Seconds Redis has to answer, and to wait after it did not before asking again.
TIMEOUT = 0.5
RETRY_AFTER = 5.0

# KEYS[1]: the client's bucket; ARGV: the budget per minute, the cost.
# Returns the seconds to wait, as a string (a Lua number would reach us truncated).
CHARGE = """
local budget = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local per_second = budget / 60
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'held', 'at')
local held = tonumber(bucket[1])
local at = tonumber(bucket[2])
if held == nil or at == nil then
  held = budget
  at = now
end
held = math.min(budget, held + math.max(0, now - at) * per_second)
if held < cost then
  return tostring((cost - held) / per_second)
end
held = held - cost
redis.call('HSET', KEYS[1], 'held', tostring(held), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((budget - held) / per_second * 1000) + 1000)
return '0'
"""


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisRateBudget:
    """Buckets in Redis, shared by every instance; this process's own while Redis is away."""

    def __init__(self, url: str, per_minute: int, *, key_prefix: str = KEY_PREFIX) -> None:
        self.url = url
        self.per_minute = per_minute
        self.key_prefix = key_prefix
        self.fallback = LocalRateBudget(per_minute)
        self._client: redis.Redis | None = None
        self._retry_at = 0.0
        self._down = False

    async def start(self) -> None:
        """Connect (within the app's lifespan) and say where the budget is kept."""
        self._client = redis.Redis.from_url(
            self.url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
        )
        self._charge = self._client.register_script(CHARGE)
        try:
            await self._client.ping()
        except (RedisError, OSError) as error:
            self._fail(error)
        else:
            logger.info("rate budget shared in Redis at %s", without_password(self.url))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def charge(self, client: str, cost: int) -> float:
        if self._client is None or time.monotonic() < self._retry_at:
            return self.fallback.take(client, cost)
        try:
            wait = await self._charge(keys=[self.key_prefix + client], args=[self.per_minute, cost])
        except (RedisError, OSError) as error:
            self._fail(error)
            return self.fallback.take(client, cost)
        if self._down:
            self._down = False
            logger.info("Redis at %s answers again: the rate budget is shared again", self)
        return float(wait)

    def _fail(self, error: Exception) -> None:
        self._retry_at = time.monotonic() + RETRY_AFTER
        if not self._down:
            self._down = True
            logger.warning(
                "Redis at %s cannot be reached (%s): each server process keeps its own rate "
                "budget until it answers",
                self,
                error,
            )

    def __str__(self) -> str:
        return without_password(self.url)


def rate_budget(settings: Settings) -> LocalRateBudget | RedisRateBudget | None:
    """The budget MAX_COST_PER_MINUTE and REDIS_URL ask for (None: no rate budget)."""
    if settings.max_cost_per_minute <= 0:
        return None
    if settings.redis_url:
        return RedisRateBudget(settings.redis_url, settings.max_cost_per_minute)
    return LocalRateBudget(settings.max_cost_per_minute)
