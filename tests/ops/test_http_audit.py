"""The graphql-http audit suite (npm graphql-http's serverAudits, the GraphQL over HTTP
specification's own checks) against `python -m server`: every MUST and every SHOULD holds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.ops.conftest import Served
from tests.ops.npm import install_pinned

AUDIT = Path(__file__).resolve().parent / "http_audit"


@pytest.fixture(scope="module")
def audit_suite() -> Path:
    """The pinned suite (tests/ops/http_audit/package-lock.json), installed from npm once."""
    install_pinned(AUDIT, "graphql-http", "for the graphql-http audit suite")
    return AUDIT / "audit.cjs"


def test_the_graphql_http_audit_suite_passes_with_no_warning(
    served: Served, audit_suite: Path
) -> None:
    done = subprocess.run(
        ["node", str(audit_suite), f"{served.url}/graphql"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) > 40  # the whole suite ran
    # A MAY the server does not do is a "notice": no requirement, no warning.
    failing = [
        f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] in ("error", "warn")
    ]
    assert failing == []
