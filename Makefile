# `make demo` sets everything up and runs the main job; `make test` runs lint, types and tests.
# Python: PYTHON=... if given, else the newest supported python3.x on PATH (scripts/find_python.sh).
PYTHON := $(shell PYTHON="$(PYTHON)" sh scripts/find_python.sh)
ifneq ($(.SHELLSTATUS),0)
$(error $(PYTHON))
endif
# The function's runtime follows the interpreter: serverless.yml reads PYTHON_RUNTIME.
export PYTHON_RUNTIME := python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV := .venv
BIN := $(VENV)/bin
# The venv first on PATH: `sls invoke local` runs the $(PYTHON_RUNTIME) it finds there.
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: setup python-env node-env train demo test test-fast lint types bench bench-models import-cost fuzz chaos clean

setup: python-env node-env

python-env: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml requirements.txt requirements-train.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[train,dev]"
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

types: python-env
	$(BIN)/mypy

test: setup lint types
	$(BIN)/python -m pytest

# The unit tier: serving, training helpers and dev tools, without anything marked slow.
test-fast: python-env
	$(BIN)/python -m pytest -m "not slow" tests/serving tests/devtools tests/scripts tests/training tests/ops

demo: setup
	bash scripts/demo.sh

bench: setup
	$(BIN)/python scripts/bench.py

# Retrain the photo model `make bench` reads (needs the flowers photos), then its two int8 graphs.
FLOWERS ?= ../shared/datasets/flowers
# Cold-start cost of `import handler`, pinned to one core; Powertools' share attributed.
import-cost: python-env
	$(BIN)/python -m classifier_bench.import_cost --runs 11

bench-models: python-env
	$(BIN)/python -m classifier_bench.bench_models --data-dir $(FLOWERS)

# 500 uploads through the S3 trigger path against moto on 127.0.0.1, with injected faults,
# Lambda's retries, the on-failure queue and a redrive; prints the counts (lost and duplicated: 0).
chaos: python-env
	$(BIN)/python scripts/chaos.py --uploads 500

fuzz: python-env
	$(BIN)/python -m pytest tests/hostile/test_fuzz.py -q -s --fuzz-examples=20000

clean:
	rm -rf $(VENV) node_modules .serverless build
