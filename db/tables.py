"""The seven tables of the design (sql/migrations/0001_tables.sql), named once.

What empties the database (the tests between tests, the demo data before it loads) names
them from here, in an order TRUNCATE accepts.
"""

from __future__ import annotations

TABLES = (
    "users",
    "stream_entries",
    "entry_interaction_counts",
    "user_resonances",
    "user_amplifications",
    "entry_branches",
    "user_follows",
)
