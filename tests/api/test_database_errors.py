"""The database away is UNAVAILABLE (retriable, HTTP 503), a cancelled statement TIMEOUT;
neither is INTERNAL, and neither fills the log with tracebacks."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import GraphQLError

from resolvers import users
from schema import errors
from schema.errors import UNAVAILABLE_RETRY_AFTER_SECONDS, with_code


def coded(error: Exception) -> dict[str, Any]:
    return with_code(GraphQLError(str(error), original_error=error)).formatted  # type: ignore[return-value]


UNAVAILABLE = {"code": "UNAVAILABLE", "retryAfter": UNAVAILABLE_RETRY_AFTER_SECONDS}


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),  # no answer to a connection attempt
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
    ],
    ids=type,
)
def test_the_database_away_is_unavailable_with_retry_after(error: Exception) -> None:
    got = coded(error)
    assert got["extensions"] == UNAVAILABLE
    assert got["message"] == "the database is unavailable; try again shortly"


def test_an_error_raised_while_handling_a_lost_connection_is_unavailable_too() -> None:
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed")
        except asyncpg.ConnectionDoesNotExistError:
            raise asyncpg.InterfaceError("the underlying connection is closed") from None
    except asyncpg.InterfaceError as error:
        assert coded(error)["extensions"]["code"] == "INTERNAL"  # `from None`: not its cause
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed")
        except asyncpg.ConnectionDoesNotExistError:
            raise asyncpg.InterfaceError("the underlying connection is closed")  # noqa: B904
    except asyncpg.InterfaceError as error:
        assert coded(error)["extensions"] == UNAVAILABLE


def test_a_statement_postgresql_cancelled_is_timeout() -> None:
    got = coded(asyncpg.QueryCanceledError("canceling statement due to statement timeout"))
    assert got["extensions"] == {"code": "TIMEOUT"}
    assert got["message"] == "a database statement ran past its time bound"


@pytest.mark.parametrize(
    "error",
    [
        KeyError("id"),
        asyncpg.InternalClientError("got result for unknown protocol state 3"),
        asyncpg.UndefinedColumnError('column "x" does not exist'),
    ],
    ids=type,
)
def test_other_failures_stay_internal(error: Exception) -> None:
    assert coded(error)["extensions"] == {"code": "INTERNAL"}


@pytest.fixture
def database_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """`user(username:)` finds the database gone."""

    async def refused(*args: object) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(users, "fetch_user_by_username", refused)


@pytest.mark.usefixtures("database_away")
async def test_an_operation_whose_every_field_went_without_is_a_503_with_no_data(
    client: httpx.AsyncClient,
) -> None:
    query = '{ a: user(username: "ada") { id } b: user(username: "bob") { id } }'
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(UNAVAILABLE_RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [UNAVAILABLE, UNAVAILABLE]


@pytest.mark.usefixtures("database_away")
async def test_a_field_that_did_not_need_the_database_keeps_the_partial_answer(
    client: httpx.AsyncClient,
) -> None:
    query = '{ user(username: "ada") { id } viewer { id } }'
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"user": None, "viewer": None}
    assert [e["extensions"] for e in body["errors"]] == [UNAVAILABLE]


@pytest.mark.usefixtures("database_away")
async def test_an_outage_is_logged_in_a_line_now_and_then_not_a_traceback_a_request(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(errors, "_database_failures", errors._LineEvery(3600))
    query = '{ user(username: "ada") { id } }'
    with caplog.at_level(logging.WARNING, logger="resonance.errors"):
        for _ in range(20):
            await client.post("/graphql", json={"query": query})
    [line] = [r for r in caplog.records if r.name == "resonance.errors"]
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert line.getMessage() == "UNAVAILABLE at user: [Errno 111] Connection refused"
