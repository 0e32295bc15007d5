# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
SCALE ?= department

.PHONY: run dev test install venv check-system migrate demo serve worker beat bench lint format ci-services

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

check-system: install
	@$(PY) -m occe.core.system_check

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py demo_data --scale $(SCALE) --seed 1 --if-empty

# The application as a user gets it (DEBUG off: French error pages, static files served by
# WhiteNoise) on SQLite; without CELERY_BROKER_URL, background tasks run in-process.
run: check-system demo
	DEBUG=0 $(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

# For developers: DEBUG on (Django's error pages) and reload on every code change.
dev: check-system demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite. With DATABASE_URL and CELERY_BROKER_URL set (as .ci/run does), it runs on
# PostgreSQL and the tests marked celery_worker start a real worker on Redis.
test: check-system
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)

# Same commands as docker-compose.yml's worker and beat services.
worker: install
	$(BIN)/celery -A occe worker --loglevel=INFO

beat: install
	$(BIN)/celery -A occe beat --loglevel=INFO

bench: migrate
	$(PY) manage.py bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
