"""schema.graphql is the schema the code serves, and it keeps the contract in contract/."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

from strawberry.printer import print_schema

from schema import schema

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "contract"


def test_schema_file_matches_the_code() -> None:
    on_disk = (ROOT / "schema.graphql").read_text()
    assert on_disk.strip() == print_schema(schema).strip(), "run `make schema` and commit it"


def test_schema_keeps_the_contract() -> None:
    result = subprocess.run(
        [sys.executable, str(CONTRACT / "check.py"), str(ROOT / "schema.graphql")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "contract: 0 breaking difference(s)" in result.stdout


def test_the_contract_is_the_copy_its_origin_records() -> None:
    recorded = re.findall(r"^([0-9a-f]{64})  (\S+)$", (CONTRACT / "ORIGIN.md").read_text(), re.M)
    assert sorted(name for _, name in recorded) == ["README.md", "check.py", "schema.graphql"]
    for digest, name in recorded:
        assert hashlib.sha256((CONTRACT / name).read_bytes()).hexdigest() == digest, name


def test_every_type_field_and_argument_has_a_description() -> None:
    missing = []
    for name, type_ in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not type_.description:
            missing.append(name)
        for field_name, field in getattr(type_, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for arg_name, arg in getattr(field, "args", {}).items():
                if not arg.description:
                    missing.append(f"{name}.{field_name}({arg_name})")
        for value_name, value in getattr(type_, "values", {}).items():
            if not value.description:
                missing.append(f"{name}.{value_name}")
    assert missing == []
