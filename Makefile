# Posyandu — two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-clock fuzz fuzz-sync bench load lighthouse deps system-deps migrate demo clean

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==26.3
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

deps: $(VENV)/.installed

# FHIR R4 (4.0.1) for the tests to validate the exports against: fhir.resources 6.4 needs pydantic 1,
# so it has a venv of its own (requirements-fhir-r4.txt, tests/support/fhir_r4.py).
FHIR_R4_VENV := .venv-fhir-r4
$(FHIR_R4_VENV)/.installed: requirements-fhir-r4.txt
	$(PYTHON) -m venv $(FHIR_R4_VENV)
	$(FHIR_R4_VENV)/bin/python -m pip install --quiet -r requirements-fhir-r4.txt
	touch $@

# Debian packages the tests need: PostgreSQL 15 (initdb/pg_ctl), Chromium for the
# browser tests and Node.js for the JavaScript tests. Installed only when missing.
system-deps:
	@need=""; \
	[ -x /usr/lib/postgresql/15/bin/initdb ] || need="$$need postgresql-15"; \
	command -v chromium >/dev/null || need="$$need chromium"; \
	command -v node >/dev/null || need="$$need nodejs"; \
	if [ -n "$$need" ]; then \
	  echo "installing:$$need"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$need >/dev/null; \
	fi

migrate: deps
	mkdir -p instance
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) seed-demo --if-empty

# Secrets of this checkout's `make run`, made once (config.py's development value is in the repository:
# anyone could sign tokens a server using it accepts); SECRET_KEY or JWT_SECRET_KEY set outside win.
DEV_SECRETS := instance/dev-secrets.env
$(DEV_SECRETS):
	@mkdir -p instance && umask 077 && $(PY) -c 'import secrets; [print(f"{k}=$${{{k}:-{secrets.token_hex(32)}}}") for k in ("SECRET_KEY", "JWT_SECRET_KEY")]' > $@

run: demo $(DEV_SECRETS)
	@echo "Posyandu on http://127.0.0.1:$(PORT)  (PWA at /, API at /api/v1, docs at /api/v1/docs)"
	set -a && . ./$(DEV_SECRETS) && set +a && $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: deps system-deps $(FHIR_R4_VENV)/.installed
	FHIR_R4_PYTHON=$(FHIR_R4_VENV)/bin/python $(PY) -m pytest
	# the PWA's tests are an Indonesian phone's: dates and times shown in WIB whatever the machine's zone
	TZ=Asia/Jakarta node --test tests/js/

# Longer fuzzing, by hand or in a nightly job: schemathesis over every operation of the OpenAPI
# document as admin, kader and parent, on SQLite and PostgreSQL (make test runs 5
# examples per operation as admin on SQLite).
fuzz: deps system-deps
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-50} FUZZ_BACKENDS=sqlite,postgresql FUZZ_USERS=admin,kader1,parent1 \
	  $(PY) -m pytest -q tests/fuzz

# The sync fault-injection test (tests/sync/test_fault_injection.py) with 300 random examples
# on SQLite and on PostgreSQL (make test runs 15 fixed ones on each).
fuzz-sync: deps system-deps
	SYNC_FUZZ_EXAMPLES=300 $(PY) -m pytest -q tests/sync/test_fault_injection.py

# The rules, API, sync and browser tests with the clock moved to each hour at which Indonesia's zones
# and the machine's UTC disagree on the date, at a month's, year's and February's end
# (tests/support/clock.py), on SQLite (TEST_BACKENDS=sqlite,postgresql for both), by hand or nightly.
test-clock: deps system-deps
	@for at in month-end-wit month-end year-end february-end; do \
	  TEST_BACKENDS=$${TEST_BACKENDS:-sqlite} $(PY) -m pytest -q --clock=$$at tests/unit tests/api tests/sync tests/e2e \
	  || exit 1; done

bench: deps system-deps
	@for f in benchmarks/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

$(VENV)/.load-installed: $(VENV)/.installed requirements-load.txt
	$(PY) -m pip install --quiet -r requirements-load.txt -c constraints.txt
	touch $@

# Bounded load test: locust against gunicorn + PostgreSQL on loopback (benchmarks/load/run.py).
load: deps system-deps $(VENV)/.load-installed
	$(PY) benchmarks/load/run.py

lighthouse: deps system-deps
	$(PY) scripts/lighthouse.py

clean:
	rm -rf $(VENV) $(FHIR_R4_VENV) instance/*.sqlite3* test-artifacts
