"""Every core serving: `python -m server` with WORKERS > 1 runs that many server processes on
one port, supervised by the process that started them.

- **The port.** The supervisor opens one listening socket per worker, all bound to the port
  with SO_REUSEPORT, before it starts any worker; worker i serves socket i. The kernel spreads
  new connections over the sockets by a hash of their addresses, so each worker gets its
  share whatever it is doing. (One socket inherited by every worker, uvicorn's `workers=`,
  leaves the choice to whichever worker wakes first: measured in the README.) The supervisor
  keeps its copy of every socket, so a worker that dies loses no connection: those queued on
  its socket wait for the worker started in its place.
- **The database.** The supervisor applies the migrations once, then reads how many
  connections PostgreSQL lets in (db/capacity.py) and lowers DB_POOL_MAX_SIZE so that every
  worker's pool and LISTEN connection fit (`fit_pool`); too many workers to fit even one
  pool connection each is refused with a message. Each worker then builds the app as a
  single process does: its pool, its LISTEN connection, its subscribers, its trending
  refresher (an advisory lock keeps the refreshes to one per interval).
- **Stopping.** SIGTERM or SIGINT (Ctrl-C) to the supervisor: it closes its copies of the
  sockets and sends SIGTERM to every worker, which stops as uvicorn does (no new
  connections, open requests finish, WebSockets are closed with 1012), then exits 0 once all
  have. A second signal makes the workers stop at once. Workers die with the supervisor
  (PR_SET_PDEATHSIG), so even a SIGKILLed supervisor leaves none behind.
- **Deaths.** A worker that dies while serving is logged (its pid and exit status) and
  another is started in its place. A worker that fails before it serves (the database
  unreachable, say) stops the whole server with exit status 1: starting it again would only
  fail again.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn

from server import gc_tuning
from server.app import create_app
from server.serving import uvicorn_options
from server.settings import Settings

logger = logging.getLogger("resonance.workers")

# Each worker's LISTEN connection, outside its pool (db/listen.py).
LISTEN_CONNECTIONS = 1
BACKLOG = 2048
# The signals that stop the server (Ctrl-C, a service manager).
STOPPING = {signal.SIGTERM, signal.SIGINT}
# prctl(2): deliver a signal to this process when its parent dies.
_PR_SET_PDEATHSIG = 1


class CannotFit(Exception):
    """The workers cannot all connect within PostgreSQL's max_connections."""


def fit_pool(settings: Settings, budget: int) -> Settings:
    """The settings each worker runs with: its pool's maximum is DB_POOL_MAX_SIZE, lowered so
    that `settings.workers` pools and LISTEN connections fit in `budget` connections."""
    workers = settings.workers
    per_worker = budget // workers - LISTEN_CONNECTIONS
    if per_worker < 1:
        most = budget // (1 + LISTEN_CONNECTIONS)
        raise CannotFit(
            f"WORKERS={workers} cannot all connect: PostgreSQL lets {budget} connections in "
            f"(max_connections less its reserved ones) and each worker needs at least "
            f"{1 + LISTEN_CONNECTIONS} (a pool connection and its LISTEN connection); set "
            f"WORKERS to {most} or fewer, or raise max_connections"
        )
    max_size = min(settings.pool_max_size, per_worker)
    if max_size < settings.pool_max_size:
        logger.warning(
            "DB_POOL_MAX_SIZE=%d lowered to %d per worker: %d workers must fit in the %d "
            "connections PostgreSQL lets in",
            settings.pool_max_size,
            max_size,
            workers,
            budget,
        )
    return replace(
        settings, pool_max_size=max_size, pool_min_size=min(settings.pool_min_size, max_size)
    )


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets listening on one address with SO_REUSEPORT (port 0: one free port)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            address = sock.getsockname()  # the port chosen, when 0 was asked
            sock.listen(BACKLOG)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """A stop that was asked for: uvicorn raises the signal again once it has shut down
    gracefully, and the process then exits 0 (by default it would die of the signal)."""
    raise SystemExit(0)


def stop_on_signals() -> None:
    signal.signal(signal.SIGTERM, _exit_cleanly)
    signal.signal(signal.SIGINT, _exit_cleanly)


class _WorkerServer(uvicorn.Server):
    """uvicorn's server, telling the supervisor once its app has started and it serves."""

    def __init__(self, config: uvicorn.Config, ready: Connection) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._ready.send_bytes(b"serving")


def _die_with(parent: int) -> None:
    """SIGTERM this process when the supervisor dies (Linux), so none is left behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the line above
        raise SystemExit(0)


def _serve(settings: Settings, sock: socket.socket, ready: Connection, parent: int) -> None:
    """A worker (a forked child of the supervisor): the app on its own socket."""
    signal.set_wakeup_fd(-1)  # the supervisor's
    stop_on_signals()
    # Held back since before the fork (Supervisor._start): a signal sent meanwhile stops
    # this worker now, instead of reaching the supervisor's handler copied into it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)
    _die_with(parent)
    app = create_app(settings)
    gc_tuning.tune(settings.gc_gen0_threshold)
    # The app writes its own access log (server/access_log.py): one line per request.
    config = uvicorn.Config(app, access_log=False, **uvicorn_options(settings))
    _WorkerServer(config, ready).run(sockets=[sock])


@dataclass
class _Worker:
    slot: int
    process: BaseProcess
    ready: Connection  # the supervisor's end: a message once the worker serves
    serving: bool = False

    def __post_init__(self) -> None:
        assert self.process.pid is not None
        self.pid: int = self.process.pid

    def release(self) -> None:
        """Once it has ended and been joined: its pipe and sentinel, so that restarts do not
        accumulate file descriptors."""
        self.ready.close()
        self.process.close()


def _status(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"was killed by {signal.Signals(-exitcode).name}"
    return f"exited with status {exitcode}"


class Supervisor:
    """Starts the workers, replaces those that die while serving, stops them all on a signal."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sockets = listening_sockets(settings.host, settings.port, settings.workers)
        self.workers: list[_Worker] = []
        self._signals: list[int] = []
        self._context = multiprocessing.get_context("fork")

    def run(self) -> int:
        """Serve until a signal (0) or a worker failing to start (1)."""
        waker, wakeup = socket.socketpair()
        wakeup.setblocking(False)
        previous = signal.set_wakeup_fd(wakeup.fileno())
        handlers = {signum: signal.signal(signum, self._on_signal) for signum in STOPPING}
        try:
            self.workers = [self._start(slot) for slot in range(self.settings.workers)]
            status = self._supervise(waker)
            self._stop_all(waker)
            return status
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            signal.set_wakeup_fd(previous)
            waker.close()
            wakeup.close()
            self._close_sockets()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals.append(signum)  # acted on by the loop, which the wakeup fd wakes

    def _start(self, slot: int) -> _Worker:
        ours, theirs = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_serve,
            args=(self.settings, self.sockets[slot], theirs, os.getpid()),
            name=f"resonance-worker-{slot}",
        )
        # Until the child has its own handlers (_serve), a signal would run the copy of
        # this supervisor's, and the worker would miss it: both hold it back meanwhile.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)
        theirs.close()
        return _Worker(slot, process, ours)

    def _supervise(self, waker: socket.socket) -> int:
        announced = False
        while not self._signals:
            waiting = [w.ready for w in self.workers if not w.serving]
            fired = wait([waker, *waiting, *(w.process.sentinel for w in self.workers)])
            _drain(waker)
            for worker in list(self.workers):
                if worker.ready in fired and not worker.serving:
                    with contextlib.suppress(EOFError, OSError):
                        worker.ready.recv_bytes()
                        worker.serving = True
                if worker.process.sentinel not in fired or self._signals:
                    continue
                worker.process.join()
                status = _status(worker.process.exitcode)
                worker.release()
                if not worker.serving:
                    logger.error(
                        "worker %d (pid %d) %s before serving: stopping the server",
                        worker.slot,
                        worker.pid,
                        status,
                    )
                    self.workers.remove(worker)
                    return 1
                logger.error(
                    "worker %d (pid %d) %s: starting another in its place",
                    worker.slot,
                    worker.pid,
                    status,
                )
                self.workers[self.workers.index(worker)] = self._start(worker.slot)
            if not announced and all(w.serving for w in self.workers):
                announced = True
                host, port = self.sockets[0].getsockname()[:2]
                logger.info(
                    "serving http://%s:%d with %d workers (pids %s)",
                    host,
                    port,
                    len(self.workers),
                    " ".join(str(w.pid) for w in self.workers),
                )
        return 0

    def _stop_all(self, waker: socket.socket) -> None:
        """SIGTERM every worker and wait for all; a further signal makes them stop at once."""
        self._close_sockets()  # new connections are refused from now on
        forwarded = len(self._signals)
        self._send(signal.SIGTERM)
        while running := [w for w in self.workers if w.process.is_alive()]:
            # The sentinels of those found running once: one that ends meanwhile is readable.
            wait([waker, *(w.process.sentinel for w in running)])
            _drain(waker)
            if len(self._signals) > forwarded:
                forwarded = len(self._signals)
                logger.warning("stopping the workers now, requests and all")
                self._send(signal.SIGINT)  # uvicorn, already stopping: force the exit
        for worker in self.workers:
            worker.process.join()
            if worker.process.exitcode != 0:
                logger.warning(
                    "worker %d (pid %d) %s",
                    worker.slot,
                    worker.pid,
                    _status(worker.process.exitcode),
                )
            worker.release()

    def _send(self, signum: int) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signum)

    def _close_sockets(self) -> None:
        for sock in self.sockets:
            sock.close()


def _drain(waker: socket.socket) -> None:
    with contextlib.suppress(BlockingIOError):
        waker.setblocking(False)
        while waker.recv(512):
            pass


def serve(settings: Settings) -> int:
    """Run WORKERS workers until stopped; the exit status."""
    try:
        supervisor = Supervisor(settings)
    except OSError as error:
        logger.error("cannot listen on %s:%d: %s", settings.host, settings.port, error)
        return 1
    return supervisor.run()
