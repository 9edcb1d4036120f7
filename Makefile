# Resonance: `make run` serves, `make test` tests. Both set up the virtualenv first when needed.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=
SEED   ?= 1
# SIZE scales `make seed` (a number, default 1) and names `make bench`'s dataset
# (tiny, small or default).
SIZE   ?=

.PHONY: setup run test lint migrate reconcile schema token seed bench bench-ab bench-data bench-writes profile instructions clean

# GraphiQL's scripts from npm (server/assets.py): quick when present, and never fatal.
setup: $(STAMP)
	@$(PY) -m server.assets || true

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(PY) -m server $(ARGS)

test: setup
	$(PY) -m pytest $(ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

migrate: setup
	$(PY) -m commands.migrate $(ARGS)

reconcile: setup
	$(PY) -m commands.reconcile $(ARGS)

# Replace the data with the demo set of seed SEED at scale SIZE; prints development tokens.
seed: setup
	$(PY) -m commands.seed --seed $(SEED) --size $(or $(SIZE),1) $(ARGS)

# The benchmark (bench/): results in bench/results/<date>.md and .json. SIZE=tiny is the
# quick run CI makes so the harness cannot rot.
bench: setup
	$(PY) -m bench --size $(or $(SIZE),default) $(if $(filter tiny,$(SIZE)),--runs 1 --duration 1 --warmup 0.5 --concurrency 8 --subscribers 50 --rounds 5) $(ARGS)

# Before and after on the same data, the two servers taking turns (bench/ab.py):
# BEFORE is a checkout of the earlier commit (git worktree add ../before <commit>).
bench-ab: setup
	$(PY) -m bench.ab $(BEFORE) --size $(or $(SIZE),default) $(ARGS)

# One read scenario run in this process, no socket (bench/profile.py): the CPU a request
# costs, and with ARGS=--profile where it goes. SCENARIO is list, feed or entry.
profile: setup
	$(PY) -m bench.profile $(or $(SCENARIO),feed) $(ARGS)

# Instructions per request of one read scenario, counted by valgrind (bench/instructions.py):
# a step too small for the load runs' noise. ARGS="--before <checkout>" compares two.
# Writes through SQL, their changes sent nowhere, by NOTIFY and by the outbox (bench/writes.py).
bench-writes: setup
	$(PY) -m bench.writes $(ARGS)

instructions: setup
	$(PY) -m bench.instructions $(or $(SCENARIO),list) $(ARGS)

bench-data: setup
	$(PY) -m bench --size $(or $(SIZE),default) --data-only

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info

schema: setup
	$(PY) -m schema > schema.graphql

token: setup
	@$(PY) -m commands.token $(WHO) $(ARGS)
