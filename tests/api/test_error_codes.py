"""One module decides how an error reaches the client and with which code (schema/errors.py).

The codes are the classes of resolvers/errors.py; everything else raises those classes or
asks schema/errors.py for an error's form, so no other module writes a code out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from resolvers import errors
from schema import schema

ROOT = Path(__file__).resolve().parents[2]
CODES = {
    each.code
    for each in vars(errors).values()
    if isinstance(each, type) and issubclass(each, errors.ApiError)
}
PACKAGES = ("db", "resolvers", "schema", "server")


def codes_written_in(path: Path) -> list[str]:
    """The string constants of a module that are exactly a code (descriptions mention codes
    inside longer text, which says nothing about any error)."""
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in CODES
    ]


def test_the_schema_tells_clients_every_code() -> None:
    told = schema._schema.query_type.description if schema._schema.query_type else ""
    assert len(CODES) == 11
    assert [code for code in sorted(CODES) if code not in (told or "")] == []


def test_no_other_module_writes_a_code_out() -> None:
    found = [
        where
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "resolvers" / "errors.py"
        for where in codes_written_in(path)
    ]
    assert found == []
