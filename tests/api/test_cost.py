"""What a document costs: the items its lists may return, planned once per document."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import get_introspection_query, parse

from schema import schema
from schema.cost import ANCESTORS_ESTIMATE, CostModel
from server.graphiql import TABS
from server.settings import Settings
from tests.api.test_limits import NESTED, fan_out

MODEL = CostModel(schema._schema)
README = Path(__file__).resolve().parents[2] / "README.md"


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    [operation] = MODEL.plan(parse(query)).values()
    return operation.evaluate(variables)


def documented_queries() -> list[str]:
    """Every `"query": "..."` in README.md, as a client would send it."""
    literals = re.findall(r'"query": ("(?:[^"\\]|\\.)*")', README.read_text())
    return [json.loads(literal) for literal in literals]


def test_the_readme_documents_queries() -> None:
    assert len(documented_queries()) >= 3


@pytest.mark.parametrize("query", documented_queries())
def test_every_documented_query_is_within_the_default_limit(query: str) -> None:
    assert cost(query) <= Settings().max_query_cost


@pytest.mark.parametrize("tab", TABS, ids=lambda tab: tab["query"].split("{")[0].split()[-1])
def test_every_graphiql_example_is_within_the_default_limit(tab: dict[str, str]) -> None:
    assert cost(tab["query"]) <= Settings().max_query_cost


def test_graphiqls_introspection_query_is_within_the_default_limit() -> None:
    introspection = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    assert 1_000 < cost(introspection) <= Settings().max_query_cost


def test_four_nested_pages_of_100_are_over_it() -> None:
    assert cost(NESTED) == 100 + 100**2 + 100**3 + 100**4 > Settings().max_query_cost


def test_a_connection_counts_first_items_and_its_pages_once_per_item() -> None:
    query = "{ entries(first: 10) { nodes { branches(first: 3) { nodes { id } } } } }"
    assert cost(query) == 10 + 10 * 3


def test_edges_and_nodes_of_one_page_count_its_items_once() -> None:
    query = "{ entries(first: 10) { edges { node { id } } nodes { id } pageInfo { hasNextPage } } }"
    assert cost(query) == 10


def test_first_absent_or_null_counts_20_and_over_100_counts_100() -> None:
    assert cost("{ entries { nodes { id } } }") == 20
    assert cost("{ entries(first: null) { nodes { id } } }") == 20
    assert cost("{ entries(first: 5000) { nodes { id } } }") == 100


def test_a_backward_page_counts_last_items_whatever_first_says() -> None:
    query = "{ entries(first: 50, last: 4) { nodes { branches(last: 2) { nodes { id } } } } }"
    assert cost(query) == 4 + 4 * 2
    assert cost("{ entries(first: 7, last: null) { nodes { id } } }") == 7
    assert cost("{ entries(last: 5000) { nodes { id } } }") == 100


def test_the_trending_connection_counts_as_any_connection() -> None:
    query = "{ trendingConnection(last: 5) { nodes { branches(first: 2) { nodes { id } } } } }"
    assert cost(query) == 5 + 5 * 2


def test_a_variable_last_counts_its_value_or_20_when_null() -> None:
    query = "query ($n: Int) { entries(first: 3, last: $n) { nodes { id } } }"
    assert cost(query, {"n": 9}) == 9
    assert cost(query, {"n": None}) == 20


def test_a_list_with_first_counts_its_items_and_what_they_select() -> None:
    query = "{ trending(first: 50) { id ancestors { id } } }"
    assert cost(query) == 50 * (1 + ANCESTORS_ESTIMATE)


def test_single_objects_are_free_and_an_operation_costs_at_least_1() -> None:
    assert cost("{ viewer { id } }") == 1
    assert cost('{ entry(id: "RW50cnk6MQ==") { author { id } parent { id } } }') == 1


def test_a_fragment_on_a_page_counts_once_per_item_of_the_page_it_is_spread_in() -> None:
    query = """
    { a: entries(first: 5) { ...Page } b: entries(first: 7) { ...Page } }
    fragment Page on EntryConnection { nodes { branches(first: 2) { nodes { id } } } }
    """
    assert cost(query) == (5 + 5 * 2) + (7 + 7 * 2)


def test_introspection_lists_count_the_longest_such_list_of_the_schema() -> None:
    types = len(schema._schema.type_map)
    fields = MODEL.estimates[("__Type", "fields")]
    assert fields >= 15
    assert cost("{ __schema { types { name fields { name } } } }") == types * (1 + fields)


def test_a_variable_counts_with_its_value_its_default_or_20() -> None:
    query = """
    query ($n: Int = 7) { entries(first: $n) { nodes { branches(first: $n) { nodes { id } } } } }
    """
    assert cost(query, {"n": 3}) == 3 + 3 * 3
    assert cost(query, {"n": 3.0}) == 3 + 3 * 3  # an Int to graphql-core too
    assert cost(query, {"n": "3"}) == 1  # not an Int: refused before it runs
    assert cost(query, {}) == 7 + 7 * 7
    assert cost(query, {"n": None}) == 20 + 20 * 20
    assert cost(query.replace(" = 7", ""), {}) == 20 + 20 * 20


def test_a_document_without_such_variables_plans_to_a_number() -> None:
    [operation] = MODEL.plan(parse("{ entries(first: 3) { nodes { id } } }")).values()
    assert operation.expr == 3
    assert operation.program.steps == []


def test_a_fan_out_of_fragments_is_planned_once_per_fragment() -> None:
    bottom = "entries(first: $n) { nodes { id } }"
    query = fan_out(60, bottom).replace("query {", "query ($n: Int) {")
    [operation] = MODEL.plan(parse(query)).values()
    assert len(operation.program.steps) < 3 * 61
    assert operation.evaluate({"n": 2}) == 2**60 * 2
