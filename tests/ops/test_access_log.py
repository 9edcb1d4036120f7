"""One access-log line per request: method, path, operation, status, duration, SQL count."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import httpx
import pytest

from db.pool import counting_statements
from server.access_log import operation_name

LINE = re.compile(
    r"^(?P<method>[A-Z]+) (?P<path>\S+) op=(?P<op>\S+) status=(?P<status>\d+) "
    r"ms=(?P<ms>\d+\.\d) sql=(?P<sql>\d+)$"
)


@pytest.fixture
def access_lines(caplog: pytest.LogCaptureFixture) -> Iterator[list[dict[str, str]]]:
    """The access-log lines written during the test, parsed (filled as they come)."""
    caplog.set_level(logging.INFO, logger="resonance.access")
    lines: list[dict[str, str]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found = LINE.match(record.getMessage())
            assert found, f"not an access-log line: {record.getMessage()!r}"
            lines.append(found.groupdict())

    handler = Collect()
    logging.getLogger("resonance.access").addHandler(handler)
    yield lines
    logging.getLogger("resonance.access").removeHandler(handler)


async def test_a_graphql_request_logs_its_operation_status_and_statements(
    client: httpx.AsyncClient, access_lines: list[dict[str, str]]
) -> None:
    query = "query Recent { entries(first: 3) { nodes { id author { username } } } }"
    with counting_statements() as statements:
        response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200
    [line] = access_lines
    assert line["method"] == "POST" and line["path"] == "/graphql"
    assert line["op"] == "Recent"
    assert line["status"] == "200"
    assert int(line["sql"]) == statements[0] > 0
    assert float(line["ms"]) > 0


async def test_the_operation_name_sent_wins_over_the_document(
    client: httpx.AsyncClient, access_lines: list[dict[str, str]]
) -> None:
    document = "query A { viewer { id } } query B { viewer { username } }"
    await client.post("/graphql", json={"query": document, "operationName": "B"})
    assert [line["op"] for line in access_lines] == ["B"]


async def test_requests_that_are_not_graphql_get_their_line_too(
    client: httpx.AsyncClient, access_lines: list[dict[str, str]]
) -> None:
    await client.get("/healthz")
    await client.get("/nowhere")
    await client.post(
        "/graphql", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert [(line["path"], line["op"], line["status"], line["sql"]) for line in access_lines] == [
        ("/healthz", "-", "200", "0"),
        ("/nowhere", "-", "404", "0"),
        ("/graphql", "-", "400", "0"),
    ]


@pytest.mark.parametrize(
    ("sent", "document", "expected"),
    [
        (None, "query Feed { feed { edges { cursor } } }", "Feed"),
        (None, "{ viewer { id } }", None),
        (
            None,
            "fragment F on User { id } mutation Follow { follow(userId: 1) { ...F } }",
            "Follow",
        ),
        (None, "query {", None),
        ("Chosen", "query Other { viewer { id } }", "Chosen"),
        (None, None, None),
    ],
)
def test_operation_names(sent: str | None, document: str | None, expected: str | None) -> None:
    assert operation_name(sent, document) == expected
