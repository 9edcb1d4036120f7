"""Operating the server for real: server processes on free ports, and a headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from server import assets
from tests.conftest import JWT_SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# What works for a headless Chromium as root on a machine with no internet: without the
# background-networking flags it keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CORS_ORIGIN = "http://localhost:5173"


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll `url` (a /readyz) until it answers 200; fail early when the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} at start")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} was not ready in {timeout} s")


def _group_alive(pgid: int) -> bool:
    """Some process of the group is still running (zombies, exited but not reaped by a
    parent that is gone, do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def stop_group(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM a process started in its own session and everything in it, and wait until
    all of it is gone (a server stops its private PostgreSQL on the way out)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()
        if not _group_alive(process.pid):
            process.wait()
            return
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    raise RuntimeError(f"the process group {process.pid} did not stop in {timeout} s")


class Served:
    """`python -m server` (what `make run` runs) on the test database."""

    def __init__(self, database_url: str, log: Path, **settings: str) -> None:
        """`settings`: more environment variables (MAX_COST_PER_MINUTE="0", say)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "JWT_SECRET": JWT_SECRET,
            "MIGRATE_ON_START": "0",
            "PORT": str(self.port),
            "TRENDING_REFRESH_SECONDS": "3600",
            "CORS_ORIGINS": CORS_ORIGIN,
            # One process unless a test asks for more (tests/ops/test_workers.py): the suites
            # share the machine's cores and PostgreSQL's connections.
            "WORKERS": "1",
            **settings,
        }
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_ready(f"{self.url}/readyz", self.process)
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}; its output:\n{self.output()}") from None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        try:
            stop_group(self.process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}; its output:\n{self.output()}") from None


@pytest.fixture(scope="module")
def served(database_url: str) -> Iterator[Served]:
    with tempfile.TemporaryDirectory(prefix="resonance-served-") as folder:
        server = Served(database_url, Path(folder) / "server.log")
        yield server
        server.stop()


def _install_chromium() -> None:
    """Debian's chromium, through apt (a registry, never a browser download)."""
    install = ["apt-get", "install", "-y", "chromium"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        _install_chromium()
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (as root)")
    return CHROMIUM


@pytest.fixture(scope="session")
def graphiql_assets() -> None:
    """The page's scripts on disk (make setup fetches them; so does this, when missing)."""
    problems = assets.fetch()
    if problems:
        pytest.fail("GraphiQL assets could not be fetched: " + "; ".join(problems))


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()
