# Two entry points on a fresh Linux machine with Python 3.11:
#   make run    create .venv, install everything, start the app
#   make serve  the same, then start the HTTP API on http://127.0.0.1:8000
#   make test   create .venv, install everything, run the whole test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run serve test setup
run: setup
	$(BIN)/streamlit run app.py --browser.gatherUsageStats false

serve: setup
	$(BIN)/facekit serve

test: setup
	$(BIN)/python -m pytest

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@
