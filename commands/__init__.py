"""The operator's command lines, `python -m commands.<name>`: migrate, reconcile, seed, token.

They sit on top of the layers: they read the settings (server/), start the private
PostgreSQL when DATABASE_URL is unset (db/embedded.py) and call the library functions of
db/ and seed/, which never import anything above them.
"""
