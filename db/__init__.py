"""The only package that talks to PostgreSQL: pool, queries, migrations, reconcile."""
