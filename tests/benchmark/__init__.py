"""The statement-count suite, like Saleor's benchmark tests: every list resolves in a fixed
number of SQL statements whatever its length, and snapshots read together take one. Its
figures are counts, not times: timing is `make bench`'s job."""
