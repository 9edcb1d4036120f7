"""Fuzzing over HTTP: whatever a client sends, the answer is a coded GraphQL response, never
a 5xx or an INTERNAL, within the time bound, and the server answers /healthz all along."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema import schema as served_schema
from tests.fuzz.check import OUTCOMES, server_sound, sound_response
from tests.fuzz.server import REQUEST_SECONDS, FuzzServer
from tests.fuzz.strategies import (
    Known,
    cursors,
    deep_json,
    garbled,
    global_ids,
    integers,
    json_values,
    operations,
    text,
    to_json,
)

SCHEMA = served_schema._schema
# Reproducible in CI (a red run must be a real finding, found again by the next run);
# new examples on every local run.
FUZZ = settings(
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


# FUZZ_SCALE=10 runs ten times as many examples (a longer hunt than CI's two minutes).
SCALE = float(os.environ.get("FUZZ_SCALE") or 1)


def fuzz(examples: int) -> settings:
    return settings(FUZZ, max_examples=max(1, int(examples * SCALE)))


@pytest.fixture(scope="module")
def http(fuzz_server: FuzzServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fuzz_server.url, timeout=REQUEST_SECONDS * 2) as client:
        yield client


def tokens(known: Known) -> st.SearchStrategy[str | None]:
    """Mostly a good token (mutations and the feed need one), else none or a bad one."""
    token = known.extra["token"]
    return st.sampled_from([token, token, token, None, known.extra["unknown_token"], "x"])


def post(http: httpx.Client, body: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    # ensure_ascii: a lone surrogate goes out as the escape \ud800, as a browser's would.
    return http.post("/graphql", content=to_json(body).encode(), headers=headers)


def test_generated_operations_get_coded_answers(
    http: httpx.Client, fuzz_server: FuzzServer, known: Known
) -> None:
    @fuzz(300)
    @given(operation=operations(SCHEMA, known), token=tokens(known))
    def run(operation: tuple[str, dict[str, Any]], token: str | None) -> None:
        document, variables = operation
        sound_response(post(http, {"query": document, "variables": variables}, token), document)

    OUTCOMES.clear()
    run()
    server_sound(fuzz_server)
    # Enough of them ran for the fuzzing to reach resolvers, not only the validator.
    ran = sum(n for kind, n in OUTCOMES.items() if kind.startswith("data"))
    # (17% to 31% run in a usual run; a generator gone blind would make none.)
    assert ran >= 0.05 * OUTCOMES.total(), OUTCOMES.most_common()


def test_garbled_documents_get_coded_answers(
    http: httpx.Client, fuzz_server: FuzzServer, known: Known
) -> None:
    @fuzz(150)
    @given(document=garbled(SCHEMA, known))
    def run(document: str) -> None:
        sound_response(post(http, {"query": document}), document)

    run()
    server_sound(fuzz_server)


# Documents that take each kind of argument from variables, for arbitrary variable values.
WITH_VARIABLES = [
    "query ($id: ID!) { entry(id: $id) { id content metadata } }",
    "query ($id: ID!) { node(id: $id) { id ... on User { username } } }",
    "query ($id: ID, $u: String) { user(id: $id, username: $u) { id followers { totalCount } } }",
    "query ($n: Int, $c: String, $f: EntryFilter) "
    "{ entries(first: $n, after: $c, filter: $f) { nodes { id } pageInfo { endCursor } } }",
    "query ($n: Int, $c: String) { feed(first: $n, after: $c) { nodes { id } } }",
    "query ($id: ID!, $n: Int, $c: String) { entry(id: $id) { branches(first: $n, after: $c) "
    "{ nodes { id } } resonators(first: $n, after: $c) { nodes { id } } } }",
    "query ($w: TrendingWindow, $n: Int) { trending(window: $w, first: $n) { id } }",
    "mutation ($input: CreateEntryInput!) { createEntry(input: $input) { id metadata } }",
    "mutation ($id: ID!, $input: UpdateEntryInput!) { updateEntry(id: $id, input: $input) { id } }",
    "mutation ($input: CreateProfileInput!) { createProfile(input: $input) { id } }",
    "mutation ($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }",
    "mutation ($id: ID!) { resonate(entryId: $id) { id } share(entryId: $id) { id } }",
    "mutation ($id: ID!) { follow(userId: $id) { id } }",
]


def test_arbitrary_variables_get_coded_answers(
    http: httpx.Client, fuzz_server: FuzzServer, known: Known
) -> None:
    values = st.one_of(json_values, deep_json, text, integers, global_ids(known), cursors(known))

    @fuzz(300)
    @given(
        document=st.sampled_from(WITH_VARIABLES),
        variables=st.one_of(
            st.dictionaries(st.sampled_from(["id", "u", "n", "c", "f", "w", "input", "x"]), values),
            values,
        ),
        token=tokens(known),
    )
    def run(document: str, variables: Any, token: str | None) -> None:
        body = {"query": document, "variables": variables}
        sound_response(post(http, body, token), f"{document} {variables!r}"[:3000])

    run()
    server_sound(fuzz_server)


def entry_input(known: Known) -> st.SearchStrategy[dict[str, Any]]:
    """createEntry's input: each field present or not, with any text or JSON."""
    return st.fixed_dictionaries(
        {"content": text},
        optional={
            "title": text,
            "agent": text,
            "tags": st.lists(text, max_size=3),
            "metadata": st.one_of(json_values, deep_json),
            "parentId": global_ids(known),
            "privacy": st.sampled_from(["PUBLIC", "FOLLOWERS", "PRIVATE", "NOPE"]),
        },
    )


CREATE = "mutation ($input: CreateEntryInput!) { createEntry(input: $input) { id } }"
READ_BACK = """
query ($id: ID!) {
  entry(id: $id) { id content title agent tags metadata }
  entries(first: 100) { nodes { id content title agent tags metadata } }
}
"""


def test_whatever_a_write_accepts_reads_back(
    http: httpx.Client, fuzz_server: FuzzServer, known: Known
) -> None:
    """An accepted entry never breaks a later read: not its own, not the list's."""

    @fuzz(150)
    @given(fields=entry_input(known))
    def run(fields: dict[str, Any]) -> None:
        token = known.extra["token"]
        created = sound_response(
            post(http, {"query": CREATE, "variables": {"input": fields}}, token), repr(fields)
        )
        if created.get("data"):
            entry_id = created["data"]["createEntry"]["id"]
            read = sound_response(
                post(http, {"query": READ_BACK, "variables": {"id": entry_id}}, token),
                f"reading back {fields!r}",
            )
            assert "errors" not in read, read["errors"]
            assert read["data"]["entry"]["id"] == entry_id

    run()
    server_sound(fuzz_server)


CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin1",
    "application/graphql",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "",
]


def test_raw_bodies_get_coded_answers(http: httpx.Client, fuzz_server: FuzzServer) -> None:
    """Bytes that are not a GraphQL request, under any content type and encoding."""
    bodies = st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [
                b"",
                b"null",
                b"[]",
                b"[{}]",
                b'{"query": null}',
                b'{"query": 1}',
                b'{"query": "{ viewer { id } }", "variables": []}',
                b'{"query": "{ viewer { id } }", "variables": "x"}',
                b'{"query": "{ viewer { id } }", "operationName": 5}',
                b'{"query": "{ viewer { id } }", "operationName": "\\ud800"}',
                b'{"query": "{ viewer { id } }", "extensions": 5}',
                b'{"query": "{ viewer { id } }", "variables": {"a": 1' + b"0" * 5000 + b"}}",
                b'{"query": "\xff\xfe"}',
                b"[" * 100_000,
                b'{"query": "{ viewer { id } }", "variables": '
                + b'{"a":' * 3000
                + b"1"
                + b"}" * 3001,
            ]
        ),
        st.builds(lambda v: to_json(v).encode(), json_values),
    )

    @fuzz(200)
    @given(
        body=bodies,
        content_type=st.sampled_from(CONTENT_TYPES),
        encoding=st.sampled_from([None, "gzip", "br", "identity", "x"]),
        method=st.sampled_from(["POST", "POST", "POST", "PUT", "PATCH", "DELETE"]),
    )
    def run(body: bytes, content_type: str, encoding: str | None, method: str) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        if encoding:
            headers["Content-Encoding"] = encoding
        response = http.request(method, "/graphql", content=body, headers=headers)
        sound_response(response, f"{method} {content_type} {encoding} {body[:300]!r}")

    run()
    server_sound(fuzz_server)


def test_get_queries_get_coded_answers(
    http: httpx.Client, fuzz_server: FuzzServer, known: Known
) -> None:
    @fuzz(100)
    @given(
        params=st.dictionaries(
            st.sampled_from(
                ["query", "variables", "operationName", "extensions", "documentId", "id", "x"]
            ),
            st.one_of(
                text,
                st.sampled_from(
                    [
                        "{ viewer { id } }",
                        "mutation { x }",
                        "{",
                        "[]",
                        '{"persistedQuery": {"version": 1, "sha256Hash": "' + "0" * 64 + '"}}',
                        '{"persistedQuery": {"version": 1}}',
                    ]
                ),
            ),
        ),
        accept=st.sampled_from(
            ["application/json", "application/graphql-response+json", "*/*", "text/html"]
        ),
        if_none_match=st.one_of(st.none(), text),
    )
    def run(params: dict[str, str], accept: str, if_none_match: str | None) -> None:
        clean = {
            k: v.encode(errors="surrogatepass").decode(errors="replace") for k, v in params.items()
        }
        headers = [(b"accept", accept.encode())]
        if if_none_match is not None:
            headers.append((b"if-none-match", header_value(if_none_match)))
        response = http.get("/graphql", params=clean, headers=headers)
        if response.status_code == 304 or "text/html" in response.headers.get("content-type", ""):
            return  # not modified (no body), or GraphiQL's page (no query)
        sound_response(response, repr(params))

    run()
    server_sound(fuzz_server)


def header_value(value: str) -> bytes:
    """Any bytes HTTP allows in a header value: latin-1 without control characters, no
    surrounding whitespace."""
    raw = value.encode("latin-1", "ignore")
    return bytes(b for b in raw if b == 0x09 or 0x20 <= b != 0x7F).strip()


def test_hostile_headers_get_coded_answers(
    http: httpx.Client, fuzz_server: FuzzServer, known: Known
) -> None:
    """Authorization values of every shape, tokens whose own header is garbage included."""
    import base64

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    forged = [
        b64(b'{"alg":"\\ud800"}') + ".e30.x",
        b64(b'{"alg":"none"}') + "." + b64(b'{"sub":"x"}') + ".",
        b64(b"\xff\xfe") + ".e30.x",
        b64(b'{"alg":"HS256"}') + "." + b64(b'{"sub": "' + b"9" * 5000 + b'"}') + ".x",
        "a.b.c.d",
        "....",
    ]
    values = st.one_of(
        st.sampled_from([f"Bearer {t}" for t in forged]),
        st.builds(
            lambda t: f"Bearer {t}", text.map(lambda s: s.encode("ascii", "ignore").decode())
        ),
        st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60),
    )

    @fuzz(100)
    @given(authorization=values)
    def run(authorization: str) -> None:
        response = http.post(
            "/graphql",
            json={"query": "{ viewer { id } }"},
            headers={b"Authorization": header_value(authorization)},
        )
        sound_response(response, repr(authorization))

    run()
    server_sound(fuzz_server)
