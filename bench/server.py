"""The server under test, as its own process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH_JWT_SECRET = "bench-secret-bench-secret-bench-secret!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_version(root: Path) -> str:
    """Which code the server ran: its checkout's commit (and `+changes` when it has some)."""

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return out.stdout.strip()

    commit = git("log", "-1", "--format=%h %s")[:100] or "unknown"
    dirty = " +changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    where = "this checkout" if root.resolve() == ROOT else str(root)
    return f"{where}, {commit}{dirty}"


class Server:
    """`python -m server` with `workers` processes (WORKERS), each with a pool of `pool_size`
    (DB_POOL_MAX_SIZE). Its CPU is read over the process and its workers (bench/proc.py).
    `root` is the checkout it runs from: another (a worktree of an earlier commit) measures
    that code on the same data and load, for a before/after."""

    def __init__(
        self,
        database_url: str,
        *,
        pool_size: int = 40,
        workers: int = 1,
        root: Path = ROOT,
        nats_url: str | None = None,
    ) -> None:
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "JWT_SECRET": BENCH_JWT_SECRET,
            "MIGRATE_ON_START": "0",
            "TRENDING_REFRESH_SECONDS": "3600",
            "DB_POOL_MAX_SIZE": str(pool_size),
            "WORKERS": str(workers),
            # One viewer reads the feed from 32 clients: no rate budget could let it.
            "MAX_COST_PER_MINUTE": "0",
            **({"NATS_URL": nats_url} if nats_url else {}),
        }
        # A file, not a pipe: nobody reads the log while the load runs, and a full pipe
        # would stall the server.
        self.log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server"],
            cwd=root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                if (
                    httpx.post(self.url, json={"query": "{ __typename }"}, timeout=1).status_code
                    == 200
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not come up in 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
