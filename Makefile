# Entry points on a fresh Linux machine with Python 3.11 (each creates .venv and installs first):
#   make run        start the app on http://localhost:8501
#   make run-https  the app over HTTPS for phones on the network (prints the address to open)
#   make serve      start the HTTP API on http://127.0.0.1:8000
#   make test       run the whole test suite
#   make screenshots  the pictures of README.md and docs/ (docs/images/), from the running app
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run run-https serve test screenshots setup
run: setup
	$(BIN)/streamlit run app.py --browser.gatherUsageStats false

run-https: setup
	$(BIN)/facekit app --https

serve: setup
	$(BIN)/facekit serve

test: setup
	$(BIN)/python -m pytest

screenshots: setup
	$(BIN)/python tests/screenshots.py

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@
