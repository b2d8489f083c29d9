# `make demo` sets everything up and runs the main job; `make test` runs lint and the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The venv first on PATH: `sls invoke local` runs the `python3.11` it finds there.
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: setup python-env node-env train demo test lint bench fuzz clean

setup: python-env node-env

python-env: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-train.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node-env: node_modules/.installed
node_modules/.installed: package.json package-lock.json .npmrc
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

train: python-env
	$(BIN)/python scripts/train.py

lint: python-env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/python -m pytest

demo: setup
	bash scripts/demo.sh

bench: setup
	$(BIN)/python scripts/bench.py

fuzz: python-env
	$(BIN)/python -m pytest tests/hostile/test_fuzz.py -q -s --fuzz-examples=20000

clean:
	rm -rf $(VENV) node_modules .serverless build
