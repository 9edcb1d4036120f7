"""GraphiQL's scripts and styles, served by the server itself so the page works offline.

`python -m server.assets` (run by `make setup`) fetches the pinned packages from the npm
registry with `npm pack` into server/static/vendor/ (git-ignored, never committed), keeps the
few files the page loads, and checks each against its pinned hash. It never fails the setup:
a file it could not get (no npm, no network) is loaded from the public CDN instead, with the
same hash, so the page still works wherever there is internet.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
VENDOR_URL = "/static/vendor"
CDN_URL = "https://unpkg.com"


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str  # inside the package
    integrity: str  # the file's Subresource Integrity hash, checked at fetch and by browsers

    @property
    def name(self) -> str:
        """`<package>@<version>/<path>`: where it lives under VENDOR_DIR, VENDOR_URL and the CDN."""
        return f"{self.package}@{self.version}/{self.path}"

    @property
    def local_path(self) -> Path:
        return VENDOR_DIR / self.name

    @property
    def url(self) -> str:
        """The server's own copy when it was fetched, else the CDN's."""
        base = VENDOR_URL if self.local_path.is_file() else CDN_URL
        return f"{base}/{self.name}"

    @property
    def is_script(self) -> bool:
        return self.path.endswith(".js")


# Load order matters: React before GraphiQL, GraphiQL before its explorer plugin. The hashes
# are those of the files in the npm tarballs, which the CDN serves unchanged. graphiql's
# bundle has its own graphql-ws, but the page makes its WebSocket client itself, to send the
# Authorization header in `connection_init`.
ASSETS = (
    Asset(
        "react",
        "18.2.0",
        "umd/react.production.min.js",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    Asset(
        "react-dom",
        "18.2.0",
        "umd/react-dom.production.min.js",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    Asset(
        "graphiql",
        "3.8.3",
        "graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    Asset(
        "graphiql",
        "3.8.3",
        "graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    Asset(
        "@graphiql/plugin-explorer",
        "1.0.2",
        "dist/style.css",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
    Asset(
        "@graphiql/plugin-explorer",
        "1.0.2",
        "dist/index.umd.js",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
    Asset(
        "graphql-ws",
        "5.16.2",
        "umd/graphql-ws.min.js",
        "sha384-+EVxFEOpy8LWPRQcpntm0FKN2O+BzrMNSL0G3HIgVWFmeb6xqZqjuLivrQUTXZKi",
    ),
)

BY_NAME = {asset.name: asset for asset in ASSETS}


def integrity_of(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def missing() -> list[Asset]:
    return [asset for asset in ASSETS if not asset.local_path.is_file()]


# Give up soon when the registry is unreachable: setup goes on, the page uses the CDN.
_NPM_OPTIONS = ("--fetch-retries=1", "--fetch-timeout=30000", "--loglevel=error")


def _pack(specs: list[str], into: Path, timeout: float) -> dict[str, Path]:
    """`npm pack` the packages into a folder: their tarballs by `name@version`."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    done = subprocess.run(
        [npm, "pack", *specs, "--json", "--pack-destination", str(into), *_NPM_OPTIONS],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=into,  # not the project: npm must not read a package.json of ours
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or f"npm pack exited with {done.returncode}")
    return {f"{p['name']}@{p['version']}": into / p["filename"] for p in json.loads(done.stdout)}


def fetch(timeout: float = 300) -> list[str]:
    """Fetch every asset not on disk yet; returns what went wrong (nothing when all is there)."""
    todo = missing()
    if not todo:
        return []
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            tarballs = _pack(sorted({f"{a.package}@{a.version}" for a in todo}), Path(tmp), timeout)
        except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError) as error:
            return [f"npm pack failed: {error}"]
        for asset in todo:
            tarball = tarballs.get(f"{asset.package}@{asset.version}")
            if tarball is None:
                problems.append(f"{asset.name}: npm did not pack it")
                continue
            with tarfile.open(tarball) as archive:
                member = archive.extractfile(f"package/{asset.path}")
                data = member.read() if member else b""
            if integrity_of(data) != asset.integrity:
                problems.append(f"{asset.name}: its hash is not the pinned one; not kept")
                continue
            asset.local_path.parent.mkdir(parents=True, exist_ok=True)
            partial = asset.local_path.with_name(asset.local_path.name + ".part")
            partial.write_bytes(data)
            partial.replace(asset.local_path)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.assets", description=__doc__)
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when an asset could not be fetched"
    )
    args = parser.parse_args(argv)
    if not missing():
        return 0
    problems = fetch()
    for problem in problems:
        print(f"GraphiQL assets: {problem}", file=sys.stderr)
    if problems:
        print(
            "GraphiQL assets: the page loads what is missing from the public CDN instead",
            file=sys.stderr,
        )
        return 1 if args.strict else 0
    print(f"GraphiQL assets: fetched into {VENDOR_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
