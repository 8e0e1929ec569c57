# The project's interface: every command README names is a target here, and CI calls only these.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install lint typecheck test test-unit test-integration run stack-up stack-down \
        stack-status bench build deploy lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned dependencies and the project

lint: $(STAMP) ## ruff (style, imports, bug patterns) and mypy strict on src/
	$(VENV)/bin/ruff check src tests stack bench
	$(VENV)/bin/ruff format --check src tests stack bench
	$(VENV)/bin/mypy

typecheck: lint

test: lint ## the whole suite: unit, integration (starts and stops the local stack), template
	$(PY) -m pytest

test-unit: $(STAMP) ## unit tests only (no services)
	$(PY) -m pytest tests/unit

run: $(STAMP) ## the main job end to end on the local defaults
	$(PY) -m stack run

stack-up: $(STAMP) ## start local Kafka (KRaft, TLS + SASL) and moto; prints where its files are
	$(PY) -m stack start

stack-down: ## stop what stack-up started
	@if [ -x $(PY) ]; then $(PY) -m stack stop; fi

stack-status: $(STAMP) ## show the local stack's ports, PIDs and health
	$(PY) -m stack status

lock: $(STAMP) ## regenerate the hashed locks from pyproject.toml
	$(VENV)/bin/uv pip compile --quiet --system-certs pyproject.toml --extra dev \
	    --python-version 3.11 --generate-hashes -o requirements/dev.lock

clean: stack-down ## remove the virtual environment, caches and local stack state
	rm -rf $(VENV) .stack .pytest_cache .mypy_cache .ruff_cache .hypothesis
