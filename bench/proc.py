"""What /proc says of the processes a scenario ran on: CPU time (where the cores went) and
resident memory."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> list[str]:
    # The command name may hold spaces: the fields are what follows its closing parenthesis.
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return []
    return [int(child) for child in listed.split()]


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of the process and of its descendants alive now: a server's supervisor and
    its workers (the supervisor waits for them; workers do not come and go under load)."""
    total = 0.0
    for each in [pid, *_children(pid)]:
        try:
            total += cpu_seconds(each) if each == pid else tree_cpu_seconds(each)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def rss_bytes(pid: int) -> int:
    """The process's resident memory now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process alive now (backends come and go; the benchmark's
    pools keep theirs open for a whole measured window)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            total += cpu_seconds(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


async def per_request(
    pid: int | None, start_at: float, stop_at: float, served: Callable[[], int]
) -> dict[str, float]:
    """CPU milliseconds per request over the measured window [start_at, stop_at) (perf_counter
    times): of process `pid` and its children (the server and its workers, or the floor's own
    process) and of PostgreSQL."""
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    process_before = tree_cpu_seconds(pid) if pid else 0.0
    postgres_before = postgres_cpu_seconds()
    await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
    process = (tree_cpu_seconds(pid) if pid else 0.0) - process_before
    postgres = postgres_cpu_seconds() - postgres_before
    requests = max(1, served())
    return {
        "process_cpu_ms": round(process / requests * 1000, 3),
        "postgres_cpu_ms": round(postgres / requests * 1000, 3),
    }
