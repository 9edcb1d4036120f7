"""`python -m server` (what `make run` does): serve the app with uvicorn.

Without DATABASE_URL the private PostgreSQL (db/embedded.py) is started first and, when this
process started it, stopped after uvicorn's graceful shutdown (Ctrl-C, SIGTERM).
"""

import logging
import signal
import sys
from types import FrameType

import uvicorn

from db import embedded
from server import gc_tuning
from server.app import create_app
from server.serving import uvicorn_options
from server.settings import load_settings


def _exit(signum: int, frame: FrameType | None) -> None:
    # uvicorn shuts down gracefully on SIGTERM, then raises it again: without this, the
    # default action would kill the process before the private PostgreSQL is stopped.
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _exit)
settings = load_settings()
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("yoyo").setLevel(logging.WARNING)
try:
    with embedded.running(settings.embedded_postgres_dir):
        app = create_app(settings)
        gc_tuning.tune(settings.gc_gen0_threshold)
        # The app writes its own access log (server/access_log.py): one line per request.
        uvicorn.run(app, access_log=False, **uvicorn_options(settings))
except embedded.EmbeddedPostgresError as error:
    sys.exit(f"resonance: {error}")
