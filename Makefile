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

lint: $(STAMP) ## ruff (style, imports, bug patterns, complexity) and mypy strict on all the code
	$(VENV)/bin/ruff check src tests local_stack tools bench
	$(VENV)/bin/ruff format --check src tests local_stack tools bench
	$(VENV)/bin/mypy

typecheck: lint

# kcat (librdkafka's CLI) reads compressed records back in the tests: a client no one here
# wrote. Installed from Debian when missing.
KCAT_INSTALL := command -v kcat >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq kcat; }

test: lint ## the whole suite (starts and stops the local stack), with a coverage report of src/
	@$(KCAT_INSTALL)
	$(PY) -m pytest --cov --cov-report=term

test-unit: $(STAMP) ## unit tests only (no services)
	$(PY) -m pytest tests/unit

run: $(STAMP) ## the main job end to end on the local defaults
	$(PY) -m tools.main_job

stack-up: $(STAMP) ## start local Kafka (KRaft, TLS + SASL) and moto; prints where its files are
	$(PY) -m local_stack start

stack-down: ## stop what stack-up started
	@if [ -x $(PY) ]; then $(PY) -m local_stack stop; fi

stack-status: $(STAMP) ## show the local stack's ports, PIDs and health
	$(PY) -m local_stack status

# dev.lock: the dev extra for .venv (Python 3.11 up). lambda.lock: the runtime dependencies only,
# resolved for the Lambda runtime (python3.13, manylinux); its hashes cover every wheel of each pin,
# so one lock serves both architectures, and the x86_64 resolution is checked to name the same
# pins as the aarch64 one. Pins already in a lock are kept unless pyproject.toml moves them.
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --system-certs pyproject.toml
LAMBDA_LOCK_FOR = --python-version $(LAMBDA_PYTHON_VERSION) --python-platform $(1)-manylinux_2_28

lock: $(STAMP) ## regenerate both hashed locks (requirements/dev.lock, requirements/lambda.lock)
	$(UV_COMPILE) --extra dev --python-version 3.11 --generate-hashes -o requirements/dev.lock
	$(UV_COMPILE) $(call LAMBDA_LOCK_FOR,aarch64) --generate-hashes -o requirements/lambda.lock
	@check=$$(mktemp) && cp requirements/lambda.lock $$check && \
	    $(UV_COMPILE) $(call LAMBDA_LOCK_FOR,x86_64) --generate-hashes -o $$check && \
	    diff <(grep -v '^#' requirements/lambda.lock) <(grep -v '^#' $$check); \
	    status=$$?; rm -f $$check; \
	    if [ $$status -ne 0 ]; then echo "lambda.lock: x86_64 resolves other pins" >&2; fi; \
	    exit $$status

clean: stack-down ## remove the virtual environment, caches and local stack state
	rm -rf $(VENV) .stack .pytest_cache .mypy_cache .ruff_cache .hypothesis .coverage

# --- deployment (SAM) -------------------------------------------------------------------------
# The Lambda package is built without Docker: pip installs the wheels of requirements/lambda.lock
# for python3.13 on the target architecture (ARCH=arm64 or x86_64, matching the template's
# Architecture parameter), then the src/ packages are copied beside them.
ARCH ?= arm64
CONFIG_ENV ?= default
LAMBDA_PYTHON_VERSION := 3.13
LAMBDA_MACHINE_arm64 := aarch64
LAMBDA_MACHINE_x86_64 := x86_64
LAMBDA_MACHINE = $(LAMBDA_MACHINE_$(ARCH))
# Absolute paths: `sam build` runs this Makefile from a scratch directory.
LAMBDA_ROOT := $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST)))))
# Any Python with pip can fetch wheels for another Python and platform; prefer the project's venv.
LAMBDA_PIP = $(if $(wildcard $(LAMBDA_ROOT)/$(VENV)/bin/python),$(LAMBDA_ROOT)/$(VENV)/bin/python,$(PYTHON)) -m pip

build: ## the Lambda package (ARCH=arm64|x86_64): `sam build` if the SAM CLI is on PATH, else make only
	@if command -v sam >/dev/null 2>&1; then \
	    echo "sam build (ARCH=$(ARCH))"; \
	    ARCH=$(ARCH) sam build; \
	else \
	    echo "sam not on PATH: make build-ForwarderFunction into .aws-sam/build/ForwarderFunction"; \
	    rm -rf .aws-sam/build/ForwarderFunction; \
	    $(MAKE) --no-print-directory build-ForwarderFunction ARCH=$(ARCH) \
	        ARTIFACTS_DIR=$(CURDIR)/.aws-sam/build/ForwarderFunction; \
	fi

.PHONY: build-ForwarderFunction
build-ForwarderFunction: ## (run by `sam build`) install the lock's wheels and src/ into $(ARTIFACTS_DIR)
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	@test -n "$(LAMBDA_MACHINE)" || { echo "ARCH must be arm64 or x86_64, not '$(ARCH)'" >&2; exit 2; }
	mkdir -p "$(ARTIFACTS_DIR)"
	$(LAMBDA_PIP) install --quiet --disable-pip-version-check --no-compile --upgrade \
	    --platform manylinux2014_$(LAMBDA_MACHINE) --platform manylinux_2_28_$(LAMBDA_MACHINE) \
	    --implementation cp --python-version $(LAMBDA_PYTHON_VERSION) --only-binary=:all: \
	    --require-hashes --target "$(ARTIFACTS_DIR)" -r "$(LAMBDA_ROOT)/requirements/lambda.lock"
	rm -rf "$(ARTIFACTS_DIR)/bin"
	for pkg in core adapters handlers; do \
	    rm -rf "$(ARTIFACTS_DIR)/$$pkg" && cp -R "$(LAMBDA_ROOT)/src/$$pkg" "$(ARTIFACTS_DIR)/$$pkg" || exit 1; \
	done
	rm -rf "$(ARTIFACTS_DIR)/handlers/local"  # the CLI tools are not part of the function
	if [ -d "$(LAMBDA_ROOT)/src/certs" ]; then \
	    rm -rf "$(ARTIFACTS_DIR)/certs" && cp -R "$(LAMBDA_ROOT)/src/certs" "$(ARTIFACTS_DIR)/certs"; \
	fi
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +

deploy: ## sam deploy with samconfig.toml (CONFIG_ENV=default|prod); needs the SAM CLI and AWS credentials
	@command -v sam >/dev/null 2>&1 || { echo "deploy needs the SAM CLI (pip install aws-sam-cli)" >&2; exit 2; }
	$(MAKE) --no-print-directory build ARCH=$(ARCH)
	sam deploy --config-env $(CONFIG_ENV)

# --- security gates ---------------------------------------------------------------------------
.PHONY: security
security: $(STAMP) ## bandit on src/ (no medium or high finding) and pip-audit on both hashed locks
	$(VENV)/bin/bandit -c pyproject.toml -r src --severity-level medium --confidence-level low -q
	$(PY) -m tools.pin_audit requirements/dev.lock requirements/lambda.lock

# --- reliability ------------------------------------------------------------------------------
# The full fault, load and hostile-input set (make test runs short versions). Results are
# appended to RELIABILITY_RESULTS by the harness; the last line is the total over all scenarios:
#   reliability: <N> messages, <L> lost, <D> duplicates (bound <B>)
RELIABILITY_RESULTS ?= .reliability-results.jsonl
.PHONY: test-reliability
test-reliability: $(STAMP) ## full fault scenarios (>= 10,000 messages) and the 50,000-message load run
	@rm -f $(RELIABILITY_RESULTS)
	@RELIABILITY_SCALE=full RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) \
	    $(PY) -m pytest tests/reliability -p no:cacheprovider; status=$$?; \
	    $(PY) -m tools.reliability_summary $(RELIABILITY_RESULTS); summary=$$?; \
	    if [ $$status -ne 0 ]; then exit $$status; fi; exit $$summary

# --- mutation testing -------------------------------------------------------------------------
.PHONY: mutation
mutation: $(STAMP) ## mutants of src/core and src/adapters against tests/unit: score and survivors
	$(PY) -m tools.mutation_report

# --- benchmarks -------------------------------------------------------------------------------
bench: $(STAMP) ## ratios against floors, librdkafka and a naive handler; bench/results/latest.json
	$(PY) -m bench.run
