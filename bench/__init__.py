"""`make bench`: what one server holds, against the database's own floor for the same SQL."""
