"""A PostgreSQL of a test's own, which the test may stop, restart and start at will.

The machine's initdb and pg_ctl (db/embedded.py finds them) make a throw-away cluster in a
temporary folder, listening on a free loopback port; as root it runs as the `postgres`
system user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from db import embedded
from tests.conftest import free_port

# A committed write survives a shutdown, fast or not, without fsync (only a crash of the
# machine would lose it), and shutdowns are quicker on a busy machine without it.
_CONFIG = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = ''
fsync = off
full_page_writes = off
"""


class Cluster:
    """initdb'ed on entry, stopped and deleted on exit."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._bindir = embedded.find_bindir()
        self._owner = "postgres" if os.geteuid() == 0 else None
        self._folder = Path(tempfile.mkdtemp(prefix="resonance-cluster-"))
        self.data = self._folder / "data"

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> Cluster:
        if self._owner is not None:
            user = pwd.getpwnam(self._owner)
            os.chown(self._folder, user.pw_uid, user.pw_gid)
        self._pg(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-locale",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(_CONFIG.format(port=self.port))
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._pg("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", "immediate", "--wait")
        except AssertionError:
            pass  # a test stopped it
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def start(self) -> None:
        log = str(self._folder / "server.log")
        self._pg("pg_ctl", "start", "--pgdata", str(self.data), "--log", log, "--wait")

    def stop(self) -> None:
        """A fast shutdown, as a service manager does: open sessions are ended."""
        self._pg("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", "fast", "--wait")

    def restart(self) -> None:
        log = str(self._folder / "server.log")
        self._pg(
            "pg_ctl",
            "restart",
            "--pgdata",
            str(self.data),
            "--mode",
            "fast",
            "--log",
            log,
            "--wait",
        )

    def _pg(self, program: str, *args: str) -> None:
        command = [str(self._bindir / program), *args]
        if self._owner is not None:
            command = ["runuser", "-u", self._owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode == 0, f"{program} failed: {done.stderr.strip()}"


class Standby(Cluster):
    """A streaming replica of `primary` on a port of its own: `pg_basebackup -R` copies the
    primary's data and writes how to follow it (primary_conninfo, standby.signal). initdb's
    pg_hba lets 127.0.0.1 replicate with trust, and PostgreSQL 15's defaults (wal_level
    replica, max_wal_senders 10) stream."""

    def __init__(self, primary: Cluster) -> None:
        super().__init__()
        self._primary = primary

    def __enter__(self) -> Standby:
        if self._owner is not None:
            user = pwd.getpwnam(self._owner)
            os.chown(self._folder, user.pw_uid, user.pw_gid)
        self._pg(
            "pg_basebackup",
            "--pgdata",
            str(self.data),
            "--host",
            "127.0.0.1",
            "--port",
            str(self._primary.port),
            "--username",
            "postgres",
            "--write-recovery-conf",
            "--checkpoint",
            "fast",
        )
        # The copied postgresql.conf names the primary's port: a later line wins.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(_CONFIG.format(port=self.port))
        self.start()
        return self
