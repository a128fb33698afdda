# Merchplan: `make demo` runs the app with a demo retailer; `make test` runs lint and the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8000
DEMO_SIZE ?= medium
DEMO_SEED ?= 42

.PHONY: install demo serve test lint format bench worker beat migrate clean

# Links in mails point at the address the demo serves on (unless SITE_URL is set already).
demo serve: export SITE_URL ?= http://127.0.0.1:$(PORT)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo --size $(DEMO_SIZE) --seed $(DEMO_SEED)
	$(BIN)/python manage.py forecast_demo --seed $(DEMO_SEED)
	$(BIN)/python manage.py otb_demo --seed $(DEMO_SEED)
	$(BIN)/python manage.py allocation_demo
	@echo ""
	@echo "Merchplan is starting at http://127.0.0.1:$(PORT)/"
	@echo "Demo logins (password: demo): planner, manager, executive, admin"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

serve: migrate
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The shape of the code: style, types, templates, import layers (pyproject.toml's import-linter
# contracts) and no model change without its migration. .pre-commit-config.yaml runs this.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint templates --check --quiet
	$(BIN)/lint-imports
	@mkdir -p var
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint templates --reformat --quiet

test: install lint
	$(BIN)/pytest

bench: migrate
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO -Q default,recompute,forecast,allocate,import

beat: install
	@mkdir -p var
	$(BIN)/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule

clean:
	rm -rf var $(VENV)
