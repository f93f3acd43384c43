# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-unit test-integration lint demo migrate install clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/eldercare migrate
	@if [ ! -f .demo-loaded ] || [ -n "$$DATABASE_URL" ]; then $(BIN)/eldercare demo && touch .demo-loaded; fi
	$(BIN)/eldercare serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest tests

# PNGs of the main pages, ordinary and 长辈版, computer and phone, into screenshots/.
screenshots: $(STAMP)
	$(BIN)/python -m pytest tests/e2e/screenshots.py -s

lint: $(STAMP)
	$(BIN)/ruff check eldercare tests
	$(BIN)/ruff format --check eldercare tests

migrate: $(STAMP)
	$(BIN)/eldercare migrate

demo: $(STAMP)
	$(BIN)/eldercare demo

clean:
	rm -rf $(VENV) .demo-loaded eldercare.sqlite3 eldercare.sqlite3-wal eldercare.sqlite3-shm

# Crash safety (issue 8): SIGKILL the server 20 times under load, then check that nothing
# acknowledged was lost, half-done or done twice. On a temporary SQLite file, or on the
# fresh PostgreSQL database DATABASE_URL names.
.PHONY: crash-test
crash-test: $(STAMP)
	$(BIN)/python scripts/crash_test.py

# Benchmarks at city scale (issue 9): seed a city on SQLite and on a fresh PostgreSQL database,
# load the app beside a bare Litestar endpoint, time the sweeps beside plain SQL, print one
# table (also bench/last-run.md). The whole city by default (1M elders); BENCH_SCALE=0.2 is quick.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench.run

# Scale-out (issue 9): two web processes (`serve --no-scheduler`) and two `eldercare worker`s on
# the fresh PostgreSQL database DATABASE_URL names, under load on both ports while pairs of
# `jobs run` race; then no duplicate, lost or overlapping row. PostgreSQL only; ~1 minute.
.PHONY: scale-out-test
scale-out-test: $(STAMP)
	$(BIN)/python scripts/scale_out_test.py
