"""Each client spends at most MAX_COST_PER_MINUTE of cost a minute, kept in the process."""

from __future__ import annotations

import uuid
from math import ceil

import httpx
import pytest

from db.pool import counting_statements
from schema.limits import PARSE_BYTES_PER_UNIT
from schema.rate_budget import LocalRateBudget
from server.rate_budget import RedisRateBudget, rate_budget
from server.settings import Settings, load_settings
from tests.graphql import app_client, error_codes, token_for

PAGE_OF_30 = "{ entries(first: 30) { nodes { id } } }"


def parsing(document: str) -> int:
    """What a document not seen before is charged for its parsing."""
    return ceil(len(document) / PARSE_BYTES_PER_UNIT)


# A budget for parsing PAGE_OF_30 once and running it once.
ONE_PAGE = parsing(PAGE_OF_30) + 30


async def ask(
    client: httpx.AsyncClient, query: str = PAGE_OF_30, token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/graphql", json={"query": query}, headers=headers)


async def test_a_client_over_its_budget_gets_429_with_retry_after(settings: Settings) -> None:
    async with app_client(settings, max_cost_per_minute=100) as client:
        for _ in range(3):
            response = await ask(client)
            assert response.status_code == 200
            assert "errors" not in response.json()
        refused = await ask(client)
    assert parsing(PAGE_OF_30) == 4
    assert refused.status_code == 429
    body = refused.json()
    assert body["data"] is None
    [error] = body["errors"]
    extensions = error["extensions"]
    # 100 - 4 (parsing) - 3 x 30 leaves 6, refilled at 100 a minute: 14.4 s until 30 are
    # there again (or a little less, as time passed since).
    assert 1 <= extensions["retryAfter"] <= 15
    assert refused.headers["Retry-After"] == str(extensions["retryAfter"])
    assert extensions == {
        "code": "RATE_LIMITED",
        "retryAfter": extensions["retryAfter"],
        "limit": "rate",
        "max": 100,
        "cost": 30,
    }
    assert "over the rate budget of 100 per minute" in error["message"]


async def test_a_refused_operation_runs_no_sql(settings: Settings) -> None:
    async with app_client(settings, max_cost_per_minute=ONE_PAGE) as client:
        assert (await ask(client)).status_code == 200
        with counting_statements() as statements:
            assert (await ask(client)).status_code == 429
    assert statements[0] == 0


async def test_each_viewer_and_each_address_has_its_own_budget(settings: Settings) -> None:
    async with app_client(settings, max_cost_per_minute=ONE_PAGE) as client:
        assert (await ask(client)).status_code == 200
        assert (await ask(client)).status_code == 429
        viewer = token_for(uuid.uuid4())
        assert (await ask(client, token=viewer)).status_code == 200  # parsed already
        assert (await ask(client, token=viewer)).status_code == 429
    async with app_client(settings, address="10.0.0.2", max_cost_per_minute=ONE_PAGE) as client:
        assert (await ask(client)).status_code == 200


async def test_an_operation_costing_more_than_a_minutes_budget_is_refused_for_its_cost(
    settings: Settings,
) -> None:
    query = "{ entries(first: 100) { nodes { branches(first: 1) { nodes { id } } } } }"
    async with app_client(settings, max_cost_per_minute=100) as client:
        response = await ask(client, query)
    assert response.status_code == 200, response.text  # retrying could not help
    assert response.json()["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "limit": "cost",
        "max": 100,
        "actual": 200,
    }


async def test_refused_documents_cost_only_their_parsing_once(settings: Settings) -> None:
    invalid, too_costly = "{ nope }", PAGE_OF_30.replace("30", "100")
    budget = parsing(invalid) + parsing(too_costly) + ONE_PAGE
    async with app_client(settings, max_cost_per_minute=budget) as client:
        for _ in range(5):
            assert error_codes((await ask(client, invalid)).json()) == ["BAD_USER_INPUT"]
            assert error_codes((await ask(client, too_costly)).json()) == ["BAD_USER_INPUT"]
        assert "errors" not in (await ask(client)).json()


async def test_new_documents_are_charged_their_parsing_before_it_starts(
    settings: Settings,
) -> None:
    """A client sending ever new documents (valid or not) spends its budget on parsing
    them, and is refused before the server parses the next."""
    async with app_client(settings, max_cost_per_minute=100) as client:
        answers = [await ask(client, f"{{ nope{i:03} }}") for i in range(100)]
    refused = [answer for answer in answers if answer.status_code == 429]
    # "{ nopeNNN }" is 11 bytes: 2 units each, so the 51st is refused.
    assert len(refused) == 50
    [error] = refused[0].json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["cost"] == 2
    assert "parsing this new document costs 2" in error["message"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refills_at_the_budget_per_minute() -> None:
    clock = Clock()
    budget = LocalRateBudget(60, clock=clock)
    assert budget.take("a", 60) == 0
    assert budget.take("a", 10) == pytest.approx(10.0)  # 1 a second
    clock.now += 4
    assert budget.take("a", 10) == pytest.approx(6.0)  # a refusal takes nothing
    clock.now += 6
    assert budget.take("a", 10) == 0
    clock.now += 3600
    assert budget.take("a", 60) == 0  # never more than a minute's budget
    assert budget.take("a", 1) == pytest.approx(1.0)


def test_idle_clients_are_forgotten_and_their_number_is_bounded() -> None:
    clock = Clock()
    budget = LocalRateBudget(60, max_clients=3, clock=clock)
    for client in "abcde":
        budget.take(client, 60)
    assert len(budget) == 3
    assert budget.take("e", 1) > 0  # the most recent are kept
    clock.now += 60  # a minute later every bucket is full: nothing to remember
    budget.take("f", 1)
    assert len(budget) == 1


def test_settings_choose_the_budget() -> None:
    assert rate_budget(Settings(max_cost_per_minute=0)) is None
    local = rate_budget(Settings(max_cost_per_minute=500))
    assert isinstance(local, LocalRateBudget) and local.per_minute == 500
    shared = rate_budget(Settings(redis_url="redis://127.0.0.1:6379/0"))
    assert isinstance(shared, RedisRateBudget) and shared.per_minute == 50_000


def test_the_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_QUERY_COST", "123")
    monkeypatch.setenv("MAX_COST_PER_MINUTE", "0")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6380/1")
    settings = load_settings()
    assert (settings.max_query_cost, settings.max_cost_per_minute) == (123, 0)
    assert settings.redis_url == "redis://cache.example:6380/1"
    for name in ("MAX_QUERY_COST", "MAX_COST_PER_MINUTE", "REDIS_URL"):
        monkeypatch.delenv(name)
    settings = load_settings()
    assert (settings.max_query_cost, settings.max_cost_per_minute) == (10_000, 50_000)
    assert settings.redis_url is None
