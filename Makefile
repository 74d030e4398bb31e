# Two commands matter: `make run` and `make test` (see README.md; every target in docs/development.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: running needs only requirements.txt; tests, lint and the browser need requirements-dev.txt too.
# Each target installs what it needs, so a fresh clone works with either `make run` or `make test` first.
STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-postgres lint format clean screenshots bench bench-contention bench-tools bench-reminders system-packages

# Debian packages the app needs beyond Python: WeasyPrint's Pango (the visit summary's PDF), a font for it, and
# poppler-utils (pdftoppm/pdftotext: the tests and screenshots read the PDF back). Installed only when missing.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); echo "installing: $$missing"; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	  { $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; }; fi

# Packages are installed with uv (pinned below, put in the venv by pip): it fetches in parallel and takes about
# 20 s for everything where pip took over 2 minutes. `make INSTALL="$(BIN)/python -m pip install"` uses pip.
UV_VERSION := 0.13.9
INSTALL ?= $(BIN)/uv pip install --quiet --python $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

$(STAMP): requirements.txt | $(BIN)/uv system-packages
	$(INSTALL) -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/uv system-packages
	$(INSTALL) -r requirements-dev.txt
	touch $(STAMP) $(DEV_STAMP)

run: export DJANGO_DEBUG = 1
run: $(STAMP)
	@test -f .env || { printf '# Development settings read by config/settings.py (git-ignored).\nDJANGO_DEBUG=1\n' > .env; echo "wrote .env (DJANGO_DEBUG=1) so manage.py works for development"; }
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_reference
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://localhost:8000/ (Ctrl-C stops it; passkeys need the name localhost, not 127.0.0.1)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The suite runs on PYTEST_WORKERS processes (pytest-xdist) that take the tests one at a time, the long ones
# first (tests/conftest.py, start_order), so that both finish together.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(PYTEST_WORKERS) --dist loadgroup

test: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The whole suite against PostgreSQL: DATABASE_URL must point at a server where the user may create databases.
test-postgres: $(DEV_STAMP)
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL=postgres://user@host:port/name first (.ci/run starts a throwaway server)"; exit 2)
	DATABASE_URL="$(DATABASE_URL)" $(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The key screens (phone, and the dermatologist's on a desktop) as PNGs in screenshots/ (git-ignored), taken by
# the browser journeys, with each page's weight and the axe-core summary in screenshots/page-weights-*.json and
# axe-*.json (layout checks in layout-*.json).
screenshots: $(DEV_STAMP)
	SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser/test_journeys.py tests/browser/test_progress.py tests/browser/test_care_team.py tests/browser/test_alerts.py tests/browser/test_admin.py $(PYTEST_ARGS)
	@ls screenshots

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Benchmark (docs/benchmark.md): generates PATIENTS x DAYS once into bench/data/, serves it with gunicorn
# (config.settings_bench), drives it with wrk, prints a table and writes bench/results/<timestamp>.json.
# With DATABASE_URL=postgres://... it runs against PostgreSQL instead. BENCH_ARGS passes more options.
PATIENTS ?= 1000
DAYS ?= 365
SEED ?= 1
DURATION ?= 10
REMINDERS ?= 10000
BENCH_ARGS ?=

bench-tools:
	@command -v wrk >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || \
	  { $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; }
	@command -v wrk >/dev/null && echo "wrk: $$(command -v wrk)"

bench: $(DEV_STAMP) bench-tools
	$(BIN)/python bench/run.py --patients $(PATIENTS) --days $(DAYS) --seed $(SEED) --duration $(DURATION) --contention --reminders $(REMINDERS) $(BENCH_ARGS)

# Only the write-contention check (several gunicorn workers saving at once on SQLite).
bench-contention: $(DEV_STAMP) bench-tools
	$(BIN)/python bench/run.py --patients $(PATIENTS) --days $(DAYS) --seed $(SEED) --duration $(DURATION) --contention-only $(BENCH_ARGS)

# One reminder scheduler pass over 10,000 generated patients (docs/benchmark.md, "The reminder scheduler").
bench-reminders: $(DEV_STAMP)
	$(BIN)/python bench/reminders_bench.py
