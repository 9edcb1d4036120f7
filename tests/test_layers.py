"""The layers: each package imports only the packages below it, so no import runs back up.

server/ (the app) -> schema/ (types) -> resolvers/ (what fields do) -> db/ (the request
path's SQL); seed/ (demo data) builds on db/ alone; commands/ (the command lines) and bench/
sit on top. Every import is read from the source (ast), those inside functions and under
TYPE_CHECKING included: an import there is still an arrow between the layers.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MAY_IMPORT: dict[str, set[str]] = {
    "db": set(),
    "resolvers": {"db"},
    "schema": {"resolvers", "db"},
    "server": {"schema", "resolvers", "db"},
    "seed": {"db"},
    "commands": {"server", "schema", "resolvers", "seed", "db"},
    "bench": {"server", "schema", "resolvers", "seed", "db"},
}


def packages() -> set[str]:
    """The project's top-level packages (the tests themselves may import anything)."""
    return {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in `source`, a module of `package`; relative imports
    made absolute."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield node.lineno, ".".join([*base, node.module] if node.module else base)
            else:
                yield node.lineno, node.module or ""


def arrows(package: str) -> Iterator[tuple[str, str]]:
    """(where, the other project package it imports) for every such import in `package`."""
    project = packages()
    for path in sorted((ROOT / package).rglob("*.py")):
        here = module_name(path)
        within = here if path.name == "__init__.py" else here.rpartition(".")[0]
        for line, name in imported(path.read_text(), within):
            top = name.split(".")[0]
            if top in project and top != package:
                yield f"{path.relative_to(ROOT)}:{line} imports {name}", top


def test_every_package_has_its_place_in_the_layers() -> None:
    assert packages() == set(MAY_IMPORT)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    upward = [where for where, top in arrows(package) if top not in MAY_IMPORT[package]]
    assert upward == []


def test_the_imports_between_packages_form_no_circle() -> None:
    graph = {package: {top for _, top in arrows(package)} for package in packages()}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a circle


def test_the_reader_sees_imports_inside_functions_and_relative_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from schema.users import User\n"
        "def main() -> None:\n"
        "    import server.settings\n"
        "    from . import pool\n"
        "    from ..visibility import visible_entry\n"
    )
    assert {name for _, name in imported(source, "db.sub")} == {
        "typing",
        "schema.users",
        "server.settings",
        "db.sub",
        "db.visibility",
    }
