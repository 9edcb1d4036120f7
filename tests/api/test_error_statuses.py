"""Which HTTP status and headers go with a GraphQL response's errors (schema/errors.py)."""

from __future__ import annotations

from graphql import GraphQLError

from resolvers.errors import NotFound, RateLimited, Unavailable
from schema.errors import response_status, with_code


def coded(error: Exception) -> dict[str, object]:
    return with_code(GraphQLError(str(error), original_error=error)).formatted  # type: ignore[return-value]


def test_a_rate_limited_operation_is_429_with_retry_after() -> None:
    body = {"data": None, "errors": [coded(RateLimited("slow down", retry_after=2.2))]}
    assert response_status(body) == (429, {"Retry-After": "3"})


def test_an_unavailable_database_is_503_with_retry_after() -> None:
    body = {"data": None, "errors": [coded(Unavailable("the database is restarting", 1))]}
    assert response_status(body) == (503, {"Retry-After": "1"})


def test_partial_data_keeps_the_default_status() -> None:
    body = {"data": {"entry": None}, "errors": [coded(Unavailable("gone", 1))]}
    assert response_status(body) == (None, {})


def test_other_codes_keep_the_default_status() -> None:
    assert response_status({"data": None, "errors": [coded(NotFound("no such entry"))]}) == (
        None,
        {},
    )


def test_an_api_errors_extensions_reach_the_client_beside_its_code() -> None:
    error = coded(RateLimited("slow down", retry_after=0.2, limit="rate"))
    assert error["extensions"] == {"retryAfter": 1, "limit": "rate", "code": "RATE_LIMITED"}
