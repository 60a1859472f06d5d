# Freehold: `make demo` runs the demo store, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8000

.PHONY: install demo test check format messages bench lighthouse clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/freehold demo --port $(PORT)

test: install
	$(BIN)/pytest

check: install
	$(BIN)/ruff check freehold tests bench
	$(BIN)/ruff format --check freehold tests bench
	$(BIN)/mypy freehold

# Translations: extract the storefront's strings into freehold/locale, merge them into each
# language's .po (new ones empty, for a translator), compile the .mo files Django reads.
messages: install
	$(BIN)/python -m freehold.i18n_tools

format: install
	$(BIN)/ruff check --fix freehold tests bench
	$(BIN)/ruff format freehold tests bench

bench: install
	bash bench/run

lighthouse: install
	bash bench/lighthouse/run

clean:
	rm -rf var
