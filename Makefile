# One set of verbs: make dev | test | lint | build | validate | bench (CI runs `make test`).
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
# Python 3.12, as Lambda runs it: uv's own search first, then pyenv's installs.
PYTHON312 := $(shell $(UV) python find --system 3.12 2>/dev/null || ls -d $$(pyenv root 2>/dev/null)/versions/3.12.*/bin/python3.12 2>/dev/null | tail -n 1)
SAM_CLI_VERSION ?= 1.170.0
SAM := .tools/sam/bin/sam
REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),us-east-1)
export UV_PYTHON := $(PYTHON312)
export SAM_CLI_TELEMETRY := 0

.PHONY: help dev test lint format build validate bench requirements check-python

help:
	@echo "make dev       the whole stack on http://127.0.0.1:$${PORT:-3000} (no AWS account or API key needed)"
	@echo "make test      every test"
	@echo "make lint      ruff and mypy (strict)"
	@echo "make build     sam build (the layer and the three functions)"
	@echo "make validate  sam validate --lint"
	@echo "make bench     cold start, AWS round trips and tokens per turn"

check-python:
	@test -x "$(UV)" || { echo "uv is missing: pip install uv (or see https://docs.astral.sh/uv/)"; exit 1; }
	@test -n "$(PYTHON312)" || { echo "Python 3.12 is missing: install it (pyenv install 3.12, or uv python install 3.12)"; exit 1; }

.venv/.synced: pyproject.toml uv.lock | check-python
	$(UV) sync --frozen
	@touch $@

dev: .venv/.synced
	$(UV) run --frozen python -m local.dev

test: .venv/.synced
	$(UV) run --frozen pytest

lint: .venv/.synced
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy layers/agent_core/agent_core functions local tests bench

format: .venv/.synced
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

# The layer's pinned dependencies, exported from uv.lock (a test checks they agree).
requirements: .venv/.synced
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project --no-header -o layers/agent_core/requirements.txt >/dev/null

$(SAM): | check-python
	$(UV) venv --quiet --python $(PYTHON312) .tools/sam
	$(UV) pip install --quiet --python .tools/sam/bin/python aws-sam-cli==$(SAM_CLI_VERSION)

validate: $(SAM)
	AWS_DEFAULT_REGION=$(REGION) $(SAM) validate --lint

# sam build without a container needs the runtime's Python first on PATH.
build: $(SAM)
	PATH="$(dir $(PYTHON312)):$$PATH" AWS_DEFAULT_REGION=$(REGION) $(SAM) build

bench: .venv/.synced
	$(UV) run --frozen python -m bench
