"""A private PostgreSQL for development: what `make run` serves from when DATABASE_URL is unset.

It is the machine's own PostgreSQL (`initdb`, `pg_ctl`: Debian's /usr/lib/postgresql/<v>/bin,
or on PATH) keeping a cluster in a folder of the project (`.data/postgres`, git-ignored), so
the data survives restarts. It listens on a unix socket inside that folder and on no TCP port,
so it never collides with another server, and only its owner (and root) can connect.

PostgreSQL refuses to run as root. As root, the cluster belongs to an unprivileged user (the
`postgres` system user, or whoever already owns the folder) and every command runs through
`runuser`; nothing outside the folder has its permissions changed. Folders above it must be
traversable by that user.

Every process using the server (`running()`: `make run`, `make seed`, ...) holds a shared
lock while inside; the last one out stops it, if one of them started it (a server started by
hand is left alone). So `make run` ending while a `make seed` still loads leaves the server
to the seed, which stops it when done.
"""

from __future__ import annotations

import fcntl
import logging
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger("resonance.embedded")

DATABASE = "resonance"
SUPERUSER = "postgres"
# Only names the socket file (.s.PGSQL.5432 in the data folder): there is no TCP listener.
PORT = 5432
# Written once, at initdb. The socket directory is relative to the data folder, so the
# project folder can move.
_CONFIG = """
# Added by db/embedded.py: unix socket in this folder only, no TCP.
listen_addresses = ''
unix_socket_directories = '.'
unix_socket_permissions = 0700
"""
# Unix socket paths are limited to 107 bytes on Linux.
_MAX_SOCKET_PATH = 107


class EmbeddedPostgresError(RuntimeError):
    pass


def dsn(data_dir: Path) -> str:
    """The URL of the `resonance` database on the private server kept in `data_dir`."""
    host = quote(str(data_dir), safe="/")
    return f"postgresql://{SUPERUSER}@/{DATABASE}?host={host}&port={PORT}"


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin, else the folder of `pg_ctl` on PATH."""
    versions = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and (Path(pg_ctl).parent / "initdb").exists():
        return Path(pg_ctl).resolve().parent
    raise EmbeddedPostgresError(
        "no PostgreSQL server programs (initdb, pg_ctl) on this machine: install them "
        "(Debian: apt-get install postgresql) or set DATABASE_URL to a server of your own"
    )


def _owner(data_dir: Path) -> str | None:
    """The user to run PostgreSQL as: None for the current user when that is not root."""
    if os.geteuid() != 0:
        return None
    if data_dir.exists() and data_dir.stat().st_uid != 0:
        return pwd.getpwuid(data_dir.stat().st_uid).pw_name
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise EmbeddedPostgresError(
            "running as root, and there is no `postgres` user to run PostgreSQL as: "
            "create one (useradd --system postgres) or set DATABASE_URL"
        ) from None
    return SUPERUSER


def _run(args: list[str], owner: str | None) -> subprocess.CompletedProcess[str]:
    command = args if owner is None else ["runuser", "-u", owner, "--", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _log_tail(data_dir: Path) -> str:
    log = data_dir / "server.log"
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    except OSError:
        return ""


def _initdb(data_dir: Path, bindir: Path, owner: str | None) -> None:
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if owner is not None:
        shutil.chown(data_dir, owner, owner)
    done = _run(
        [
            str(bindir / "initdb"),
            "--pgdata",
            str(data_dir),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",  # safe: the socket is reachable by its owner and root alone
            "--encoding",
            "UTF8",
            "--no-locale",
        ],
        owner,
    )
    if done.returncode != 0:
        hint = (
            f"\n(the user {owner!r} must be able to reach {data_dir}: every folder above it "
            "needs o+x; or set DATABASE_URL)"
            if owner
            else ""
        )
        raise EmbeddedPostgresError(f"initdb failed:\n{done.stderr.strip()}{hint}")
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(_CONFIG)
    logger.info("created a private PostgreSQL cluster in %s", data_dir)


def is_running(data_dir: Path) -> bool:
    if not (data_dir / "PG_VERSION").exists():
        return False
    done = _run([str(find_bindir() / "pg_ctl"), "status", "-D", str(data_dir)], _owner(data_dir))
    return done.returncode == 0


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """One process at a time creates, starts or stops the cluster."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with _sibling(data_dir, "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _sibling(data_dir: Path, suffix: str) -> Path:
    """A file beside the data folder (`.postgres.<suffix>`): ours, not PostgreSQL's."""
    return data_dir.parent / f".{data_dir.name}.{suffix}"


def start(data_dir: Path) -> bool:
    """Create the cluster when there is none and start it; False when it was running already."""
    data_dir = data_dir.resolve()
    if len(str(data_dir / f".s.PGSQL.{PORT}")) > _MAX_SOCKET_PATH:
        raise EmbeddedPostgresError(f"the path {data_dir} is too long for a unix socket")
    bindir = find_bindir()
    with _locked(data_dir):
        owner = _owner(data_dir)
        if not (data_dir / "PG_VERSION").exists():
            _initdb(data_dir, bindir, owner)
        elif is_running(data_dir):
            return False
        done = _run(
            [
                str(bindir / "pg_ctl"),
                "start",
                "--pgdata",
                str(data_dir),
                "--log",
                str(data_dir / "server.log"),
                "--wait",
                "--timeout",
                "60",
                "--silent",
            ],
            owner,
        )
        if done.returncode != 0:
            raise EmbeddedPostgresError(
                f"pg_ctl start failed: {done.stderr.strip()}\n{_log_tail(data_dir)}"
            )
        _sibling(data_dir, "started").touch()
    logger.info("started the private PostgreSQL in %s", data_dir)
    return True


def stop(data_dir: Path) -> None:
    """Stop the server, waiting for its shutdown checkpoint; fast mode ends open sessions."""
    data_dir = data_dir.resolve()
    with _locked(data_dir):
        done = _run(
            [
                str(find_bindir() / "pg_ctl"),
                "stop",
                "--pgdata",
                str(data_dir),
                "--mode",
                "fast",
                "--wait",
                "--timeout",
                "60",
                "--silent",
            ],
            _owner(data_dir),
        )
        if done.returncode == 0:
            _sibling(data_dir, "started").unlink(missing_ok=True)
    if done.returncode != 0:
        logger.warning("pg_ctl stop failed: %s", done.stderr.strip())
    else:
        logger.info("stopped the private PostgreSQL in %s", data_dir)


@contextmanager
def running(data_dir: Path | None) -> Iterator[None]:
    """The private server up while inside (nothing to do when `data_dir` is None, that is
    when DATABASE_URL names a server); stopped on the way out by the last process using it,
    when a `running()` started it."""
    if data_dir is None:
        yield
        return
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with _sibling(data_dir, "users").open("a") as users:
        # Taken before starting: a process stopping the server meanwhile holds it exclusively,
        # so this one waits, then finds the server stopped and starts it again.
        fcntl.flock(users, fcntl.LOCK_SH)
        try:
            start(data_dir)
            yield
        finally:
            fcntl.flock(users, fcntl.LOCK_UN)
            _stop_if_last(data_dir)


def _stop_if_last(data_dir: Path) -> None:
    with _sibling(data_dir, "users").open("a") as users:
        try:
            fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("leaving the private PostgreSQL running: another process uses it")
            return
        if _sibling(data_dir, "started").exists():
            stop(data_dir)
