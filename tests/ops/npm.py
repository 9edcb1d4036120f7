"""Node packages the tests drive, pinned by a folder's package-lock.json and installed from
npm on first use (as `make test` installs GraphiQL's assets)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def install_pinned(folder: Path, package: str, what: str) -> None:
    """`npm ci` in `folder` unless `package` is in its node_modules already; fails the test
    saying `what` needs node and npm when they are missing."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.fail(f"node and npm are needed {what}")
    if not (folder / "node_modules" / package).exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=folder,
            check=True,
            timeout=300,
        )
