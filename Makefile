# The two commands a newcomer needs: `make run` and `make test` (see README.md).
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run stop test check unit bench soak invariant

run:  ## set up, start a local Prefect server and worker, deploy, load the demo caseload
	./scripts/bootstrap.sh
	$(BIN)/python -m scripts.demo up

stop:  ## stop every process `make run` started
	$(BIN)/python -m scripts.demo down

test:  ## set up (incl. PostgreSQL and Chromium) and run lint, types and every test
	./scripts/bootstrap.sh --with-test-services
	$(MAKE) check
	$(BIN)/pytest -q -p no:cacheprovider

check:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit:  ## the fast layer only
	$(BIN)/pytest -q -m "not slow"

bench:
	$(BIN)/python benchmarks/obligations_bench.py

invariant:  ## cases run to time, every profile, two years each: nothing late (docs/rules.md)
	$(BIN)/python -m scripts.run_to_time --cases 200

soak:  ## the fault soak: a simulated month, 20 worker kills, restarts, SMTP down a day (~30 min)
	./scripts/bootstrap.sh --with-test-services
	$(BIN)/python -m scripts.soak
