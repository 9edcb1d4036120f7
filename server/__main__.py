"""`python -m server` (what `make run` does): serve the app with uvicorn."""

import logging

import uvicorn

from server.app import create_app
from server.settings import load_settings

settings = load_settings()
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("yoyo").setLevel(logging.WARNING)
uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
