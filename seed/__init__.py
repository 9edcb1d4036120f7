"""Demo data for `make seed`: a made-up community, the same rows for the same seed number.

corpus.py holds the words, plan.py draws the rows, load.py writes them, demo.py runs the
whole; the command line is commands/seed.py. It builds on db/ (the visibility predicate,
the trending refresh) and nothing above it.
"""
