"""`make run` with no DATABASE_URL, from a copy of the repository: it starts its own
PostgreSQL in the copy's .data/postgres, serves, and keeps the data across a restart."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from db import embedded
from server import assets
from tests.conftest import free_port
from tests.ops.conftest import ROOT, stop_group, wait_until_ready

# The test reuses this virtualenv (VENV=...) and tells make not to rebuild it (-o): only the
# repository is copied.
VENV = Path(sys.prefix)


def copy_repository(into: Path) -> None:
    """What a clone would hold (tracked files, and new ones not ignored), plus the fetched
    GraphiQL assets so the copy needs no network."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split(b"\0")):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = into / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    if assets.VENDOR_DIR.is_dir():
        shutil.copytree(assets.VENDOR_DIR, into / assets.VENDOR_DIR.relative_to(ROOT))


@pytest.fixture
def copy() -> Iterator[Path]:
    # Not under pytest's 0700 temp folder: the postgres user must reach the data folder.
    folder = Path(tempfile.mkdtemp(prefix="resonance-copy-"))
    folder.chmod(0o755)
    try:
        copy_repository(folder)
        yield folder
    finally:
        data = folder / ".data" / "postgres"
        if embedded.is_running(data):
            embedded.stop(data)
        shutil.rmtree(folder)


def make_run(copy: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "EMBEDDED_POSTGRES_DIR", "MAKEFLAGS", "MAKELEVEL"}
    }
    env["PORT"] = str(port)
    # Workers: the supervisor starts the private PostgreSQL before them, and stops it after.
    env["WORKERS"] = "2"
    with log.open("ab") as out:
        return subprocess.Popen(
            ["make", "-o", str(VENV / ".installed"), "run", f"VENV={VENV}"],
            cwd=copy,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


USER = "query ($name: String!) { user(username: $name) { username name } }"


def find_user(url: str, name: str) -> object:
    response = httpx.post(f"{url}/graphql", json={"query": USER, "variables": {"name": name}})
    return response.json()["data"]["user"]


def test_make_run_without_database_url_keeps_its_data_across_a_restart(copy: Path) -> None:
    data = copy / ".data" / "postgres"
    log = copy / "run.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    name = f"persisted_{uuid.uuid4().hex[:8]}"

    server = make_run(copy, port, log)
    try:
        wait_until_ready(f"{url}/readyz", server)
        assert (data / "PG_VERSION").exists(), "the cluster is not in the copy"
        assert find_user(url, name) is None
        with psycopg.connect(embedded.dsn(data), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO users (id, username, name) VALUES (%s, %s, 'Kept Across Restarts')",
                (uuid.uuid4(), name),
            )
        assert find_user(url, name) == {"username": name, "name": "Kept Across Restarts"}
    finally:
        stop_group(server)
    assert not embedded.is_running(data), "the server left its PostgreSQL running"

    server = make_run(copy, port, log)
    try:
        wait_until_ready(f"{url}/readyz", server)
        assert find_user(url, name) == {"username": name, "name": "Kept Across Restarts"}
    finally:
        stop_group(server)
    assert not embedded.is_running(data)
    assert "created a private PostgreSQL cluster" in log.read_text()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not under pytest's 0700 temp folder: the postgres user must reach the data folder.
    folder = Path(tempfile.mkdtemp(prefix="resonance-pg-"))
    folder.chmod(0o755)
    data = folder / "postgres"
    try:
        yield data
    finally:
        if embedded.is_running(data):
            embedded.stop(data)
        shutil.rmtree(folder)


def test_the_server_stays_up_until_the_last_process_using_it_leaves(data_dir: Path) -> None:
    starter = embedded.running(data_dir)  # `make run`: starts it
    starter.__enter__()
    assert embedded.is_running(data_dir)
    user = embedded.running(data_dir)  # `make seed` beside it: finds it running
    user.__enter__()

    starter.__exit__(None, None, None)
    assert embedded.is_running(data_dir), "stopped under a process still using it"

    user.__exit__(None, None, None)
    assert not embedded.is_running(data_dir), "the last one out stops what running() started"


def test_a_server_started_by_hand_is_left_running(data_dir: Path) -> None:
    with embedded.running(data_dir):  # creates the cluster
        pass
    embedded.start(data_dir)
    (data_dir.parent / f".{data_dir.name}.started").unlink()  # as if pg_ctl started it
    with embedded.running(data_dir):
        pass
    assert embedded.is_running(data_dir)
