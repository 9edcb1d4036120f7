"""`python -m server` (what `make run` does): serve the app with uvicorn, in WORKERS processes.

Without DATABASE_URL the private PostgreSQL (db/embedded.py) is started first, by this
process alone (never by a worker), and, when this process started it, stopped once every
worker has shut down gracefully (Ctrl-C, SIGTERM). Then the migrations are applied, once,
and the pool is sized to fit PostgreSQL's max_connections (server/workers.py). WORKERS=1
serves from this process, as a single server always did; more start a supervisor.
"""

import logging
import sys
from dataclasses import replace

import uvicorn

from db import embedded, migrate
from db.capacity import connection_budget
from server import gc_tuning, workers
from server.app import create_app
from server.serving import uvicorn_options
from server.settings import Settings, load_settings

logger = logging.getLogger("resonance.server")


def prepare_database(settings: Settings) -> Settings:
    """Migrate (when asked) and size the pools: the settings every worker runs with."""
    if settings.migrate_on_start:
        migrate.ensure_database(settings.database_url)
        for migration in migrate.apply_all(settings.database_url):
            logger.info("applied migration %s", migration)
    budget = connection_budget(settings.database_url)
    return workers.fit_pool(replace(settings, migrate_on_start=False), budget)


def serve(settings: Settings) -> int:
    if settings.workers < 1:
        sys.exit(f"resonance: WORKERS must be 1 or more, not {settings.workers}")
    with embedded.running(settings.embedded_postgres_dir):
        try:
            settings = prepare_database(settings)
        except workers.CannotFit as error:
            sys.exit(f"resonance: {error}")
        if settings.workers > 1:
            return workers.serve(settings)
        app = create_app(settings)
        gc_tuning.tune(settings.gc_gen0_threshold)
        # The app writes its own access log (server/access_log.py): one line per request.
        uvicorn.run(app, access_log=False, **uvicorn_options(settings))
        return 0


if __name__ == "__main__":
    # uvicorn shuts down gracefully on SIGTERM and SIGINT, then raises the signal again:
    # this makes that a clean exit (status 0), after the private PostgreSQL is stopped.
    workers.stop_on_signals()
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
    )
    logging.getLogger("yoyo").setLevel(logging.WARNING)
    try:
        status = serve(load_settings())
    except embedded.EmbeddedPostgresError as error:
        sys.exit(f"resonance: {error}")
    sys.exit(status)
