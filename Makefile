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

# axe-core (npm registry): the accessibility checks of the browser tests inject it in each page.
AXE_VERSION := 4.14.1
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
$(AXE): | $(BIN)/activate
	@command -v npm >/dev/null || { echo "npm manque (tests d'accessibilité) : apt-get install npm"; exit 1; }
	npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@$(AXE_VERSION)

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
test: check-system $(AXE)
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

# --- Operations (README, "Mise en production"); docker-compose.yml runs the same commands ---
.PHONY: web backup restore upgrade

# The production web server (gunicorn.conf.py), as the web service of docker-compose.yml.
web: install
	$(BIN)/gunicorn occe.wsgi:application

# One dated archive (database + files + manifest) in BACKUP_DIR, then the rotation.
backup: install
	$(PY) manage.py backup

# make restore ARCHIVE=sauvegardes/occe-AAAA-MM-JJ-HHMMSS.tar [FORCE=1]
restore: install
	@test -n "$(ARCHIVE)" || { echo "Usage : make restore ARCHIVE=sauvegardes/occe-….tar [FORCE=1]"; exit 2; }
	$(PY) manage.py restore "$(ARCHIVE)" $(if $(FORCE),--force)

# After fetching a new version: a backup first, then the migrations and the static files.
upgrade: install
	$(PY) manage.py backup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	@echo "Relancez maintenant le serveur web, le worker et beat (docker compose up -d, ou make web, make worker et make beat)."
