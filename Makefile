# Pingjian (智慧平检) — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp changes whenever a requirements file changes, so `make` reinstalls.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

.PHONY: install run test test-fast bench bench-recommendations up down smoke clean console console-test

install: $(STAMP)

# ops/ensure_venv.sh: a working venv by CPython 3.11/3.12 (a broken one is recreated; a missing
# python3-venv or an unsupported Python is named). PINGJIAN_ANY_PYTHON=1 skips the version check.
$(STAMP): requirements.txt requirements-dev.txt
	@ops/ensure_venv.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

# The staff console's sources: a change of any of them rebuilds console/dist.
CONSOLE_SOURCES := $(shell find console/src console/public -type f 2>/dev/null) console/index.html \
	console/package.json console/package-lock.json console/vite.config.ts console/tsconfig.json

## console: the staff console (console/), built into console/dist when its sources changed
## (npm ci + vite build; needs Node.js 20.19+ and npm: ops/console.sh says so)
console: console/dist/index.html
console/dist/index.html: $(CONSOLE_SOURCES)
	@ops/console.sh build

## console-test: the console's types (vue-tsc) and unit tests (Vitest); its browser test is in tests/e2e/console
console-test: console
	@ops/console.sh test

## run: the whole platform locally (SecantusDB in var/ + local RabbitMQ, or a private node in
## var/rabbitmq when none runs), gateway on :8000 with the console at /
run: export PINGJIAN_CONSOLE_OPTIONAL := 1
run: install console
	$(BIN)/python -m ops.run_local

## test: the console's own tests (types, Vitest), then unit, integration and e2e tests against real
## RabbitMQ and SecantusDB in one pytest run that stops after the first layer that fails
## (tests/support/layers.py); CI=true: a skip fails
test: install console-test
	@# nameko's test fixtures create a vhost per test through the management API.
	@-command -v rabbitmq-plugins >/dev/null && rabbitmq-plugins -q enable rabbitmq_management >/dev/null 2>&1
	$(BIN)/python -m pytest

## test-fast: the edit loop: unit tests and the integration tests that start no processes of their own
test-fast: install
	@-command -v rabbitmq-plugins >/dev/null && rabbitmq-plugins -q enable rabbitmq_management >/dev/null 2>&1
	$(BIN)/python -m pytest tests/unit tests/integration -m "not processes" --durations=10

## bench: throughput/latency as ratios to the raw broker and nameko limits (docs/performance.md)
bench: install
	$(BIN)/python bench/run.py

## bench-recommendations: only the overdue recommendations list of the scale phase, on a platform of its own
bench-recommendations: install
	$(BIN)/python -m bench.recommendations

## up/down: the compose stack (needs a Docker engine; JWT_SECRET and admin credentials set for up),
## gateway on :$PINGJIAN_HTTP_PORT (default 8080; make run has 8000)
up:
	@ops/check_compose_env.sh .env
	docker compose up -d --build
down:
	docker compose down

## smoke: compose stack up, wait healthy, e2e against it, down (says SKIPPED without an engine);
## the gateway on $PINGJIAN_HTTP_PORT if set, else on a free port
smoke: install
	SMOKE_ALLOW_SKIP=1 $(BIN)/python ops/compose_smoke.py

## clean: wipe local data (var/, or PINGJIAN_VAR_DIR)
clean:
	rm -rf "$${PINGJIAN_VAR_DIR:-var}"
