# One set of verbs: make dev | test | lint | build | validate | bench (CI runs `make test`).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv: the one UV names (uv itself sets UV for what `uv run` starts), else uv from PATH; if there is
# none, make installs one into .tools/uv (pip, from PyPI). Exported: the tests run this same uv.
ifndef UV
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/uv/bin/uv)
endif
export UV
# Python 3.12, as Lambda runs it: uv's own search, then python3.12 on PATH, then pyenv's installs.
# If none is found, uv downloads one (where the network allows it).
PYTHON312 := $(shell for p in "$$($(UV) python find --system 3.12 2>/dev/null)" "$$(command -v python3.12)" \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12.*/bin/python3.12 2>/dev/null); do \
	[ -x "$$p" ] && "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$$p"; break; }; done)
SAM_CLI_VERSION ?= 1.170.0
SAM := .tools/sam/bin/sam
REGION ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),us-east-1)
export UV_PYTHON := $(or $(PYTHON312),3.12)
# uv trusts the system's certificate store, as pip does: behind a TLS-inspecting proxy (a company's,
# a CI's) uv's bundled roots refuse PyPI. UV_SYSTEM_CERTS=0 turns it off.
UV_SYSTEM_CERTS ?= 1
export UV_SYSTEM_CERTS
export SAM_CLI_TELEMETRY := 0

.PHONY: help dev dev-reset test lint format build validate bench requirements openapi check-python chromium

help:
	@echo "make dev       the whole stack on http://127.0.0.1:$${PORT:-3000}, a chat page at / (no AWS account or API key needed)"
	@echo "make dev-reset the same, from scratch: forgets the local tenants, keys, sessions and audit first"
	@echo "make test      every test (installs Chromium for the browser tests where missing, as root)"
	@echo "make lint      ruff and mypy (strict)"
	@echo "make build     sam build (the layer, compiled to bytecode, and the three functions)"
	@echo "make validate  sam validate --lint"
	@echo "make openapi   the API's OpenAPI document and the events' TypeScript types, from the code"
	@echo "make bench     cold start, bytecode, AWS calls and write units, tokens, and a turn against a bare one"

$(CURDIR)/.tools/uv/bin/uv:
	python3 -m venv .tools/uv
	.tools/uv/bin/python -m pip install --quiet uv

check-python: | $(UV)
	@test -n "$(PYTHON312)" || echo "Python 3.12 not found here: uv will fetch one"

.venv/.synced: pyproject.toml uv.lock | check-python
	$(UV) sync --frozen
	@touch $@

# The local AWS state, the demo keys and the ports are kept across restarts (in .local/).
dev: .venv/.synced
	$(UV) run --frozen python -m local.dev

dev-reset: .venv/.synced
	$(UV) run --frozen python -m local.dev --fresh

test: .venv/.synced chromium
	$(UV) run --frozen pytest

# The browser tests (tests/browser/) drive the distribution's Chromium: Playwright cannot download
# its own browsers here. Where none is found, root on Debian installs it with apt-get; anyone else
# is told how, and the browser tests then skip saying so (on CI, where CI is set, they fail instead).
chromium:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "$$CHROMIUM" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
			|| echo "make: could not install Chromium: the browser tests will skip"; \
	else \
		echo "make: no Chromium found: the browser tests will skip. Install it with"; \
		echo "  sudo apt-get install chromium   (Debian/Ubuntu), or set CHROMIUM=/path/to/chromium"; \
	fi

lint: .venv/.synced
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy layers/agent_core/agent_core cli/agentctl functions local tests bench

format: .venv/.synced
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

# The layer's pinned dependencies, exported from uv.lock (a test checks they agree).
requirements: .venv/.synced
	$(UV) export --frozen --no-dev --no-hashes --no-emit-project --no-header -o layers/agent_core/requirements.txt >/dev/null

# functions/health/openapi.json (served at GET /openapi.json) and docs/events.d.ts, made from the
# function apps and template.yaml's routes (a test checks they are current).
openapi: .venv/.synced
	$(UV) run --frozen python -m local.openapi

$(SAM): | check-python
	$(UV) venv --quiet .tools/sam
	$(UV) pip install --quiet --python .tools/sam/bin/python aws-sam-cli==$(SAM_CLI_VERSION)

validate: $(SAM)
	AWS_DEFAULT_REGION=$(REGION) $(SAM) validate --lint

# sam build without a container needs the runtime's Python first on PATH: SAM builds the functions
# with it, and the layer's recipe (layers/agent_core/Makefile) compiles the layer's bytecode with it.
build: $(SAM)
	PATH="$(if $(PYTHON312),$(dir $(PYTHON312)),$$(dirname "$$($(UV) python find 3.12)")):$$PATH" \
		AWS_DEFAULT_REGION=$(REGION) $(SAM) build

bench: .venv/.synced
	$(UV) run --frozen python -m bench
