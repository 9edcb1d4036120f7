"""`python -m bench.instructions SCENARIO [--before CHECKOUT]` (make instructions): the
instructions the server's process executes per request of one read scenario, counted by
valgrind (callgrind), for this checkout and, with --before, another one.

Time on a shared machine drifts: the same list page measured 0.55 and 1.05 ms of CPU in one
process within the hour, and in turns (make bench-ab) a pair's ratio ranged 0.78-1.04 for
one change. An instruction count does not drift: for the same code and data it comes out the
same, whatever else the machine runs. It misses what a count cannot see (system calls,
cache misses, the kernel's share of a socket write), so a change is measured by both: this
for the code's own work, the load runs for the rest.

Each checkout runs bench/profile.py twice under callgrind, N and 3N requests (and its warm-up
of a tenth of them), both at once; the difference over the difference in requests leaves out
the start (imports, the pool, the first plans). About 50 s for the list on the default data.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from pathlib import Path

from bench.dataset import SIZES
from bench.server import ROOT

# bench/profile.py warms up with max(20, n // 10) requests before it counts n.
WARM_UP_SHARE = 10
MIN_WARM_UP = 20
_COLLECTED = re.compile(rb"Collected : (\d+)")


def _requests(n: int) -> int:
    return n + max(MIN_WARM_UP, n // WARM_UP_SHARE)


async def _instructions(checkout: Path, scenario: str, n: int, size: str) -> int:
    """Instructions of one run of n requests (and its warm-up), start included."""
    with tempfile.TemporaryDirectory() as tmp:
        process = await asyncio.create_subprocess_exec(
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            "-m",
            "bench.profile",
            scenario,
            str(n),
            "--size",
            size,
            cwd=checkout,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
    found = _COLLECTED.search(output)
    if process.returncode != 0 or found is None:
        # Raised inside gather: main's caller turns it into the exit, with no traceback.
        raise RuntimeError(
            f"{checkout}: {scenario} failed:\n{output[-2000:].decode(errors='replace')}"
        )
    return int(found.group(1))


async def per_request(checkout: Path, scenario: str, n: int, size: str) -> float:
    few, many = await asyncio.gather(
        _instructions(checkout, scenario, n, size),
        _instructions(checkout, scenario, 3 * n, size),
    )
    return (many - few) / (_requests(3 * n) - _requests(n))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["list", "feed", "entry"])
    parser.add_argument("--before", type=Path, help="another checkout, counted first")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    args = parser.parse_args()
    checkouts = ([args.before] if args.before else []) + [ROOT]
    for checkout in checkouts:
        # Elsewhere `-m bench.profile` would find the installed project's, and count it.
        if not (checkout / "bench" / "profile.py").is_file():
            raise SystemExit(f"{checkout}: not a checkout of this project (no bench/profile.py)")
    counts = []
    for checkout in checkouts:
        count = await per_request(checkout, args.scenario, args.requests, args.size)
        counts.append(count)
        print(f"{checkout}: {args.scenario}: {count / 1e6:.3f} M instructions per request")
    if len(counts) == 2:
        print(f"after / before: {counts[1] / counts[0]:.3f}")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except RuntimeError as failed:
        raise SystemExit(str(failed)) from None
