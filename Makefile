# The project's interface: every command README names is a target here, and CI calls only these.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
comma := ,

.DEFAULT_GOAL := help
.PHONY: help install lint typecheck test test-unit test-integration run stack-up stack-down \
        stack-status bench build deploy lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# .venv's Python is 3.13, the Lambda runtime's, when the machine has it, else 3.11 with a warning
# (tools/dev_python.py chooses, run by PYTHON; DEV_PYTHON=/path/to/python overrides). dev.lock
# is resolved for every Python from 3.11 up, so it installs on either. A venv of another Python is
# cleared first; one of the same Python is updated in place (a running stack keeps its moto).
$(STAMP): pyproject.toml requirements/dev.lock
	@dev_python=$$($(PYTHON) tools/dev_python.py) && version=$$("$$dev_python" --version) && \
	    if [ "$$($(PY) --version 2>&1)" = "$$version" ]; then clear=; else clear=--clear; fi && \
	    echo "$(VENV): $$version ($$dev_python)" && "$$dev_python" -m venv $$clear $(VENV)
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

# dev.lock: the dev extra for .venv, one universal resolution for Python 3.11 up (3.13 is the
# dev Python, 3.11 the fallback; pins needed on one of them carry a marker). security.lock: the `security` dependency
# group alone (checkov, whose pins clash with the project's), for .cache/security-venv, universal too.
# lambda-runtime.lock: the `lambda-runtime` group (awslambdaric) for python3.13. lambda.lock: the runtime dependencies only,
# resolved for the Lambda runtime (python3.13, manylinux); its hashes cover every wheel of each pin,
# so one lock serves both architectures, and the x86_64 resolution is checked to name the same
# pins as the aarch64 one. Pins already in a lock are kept unless pyproject.toml moves them.
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --system-certs pyproject.toml
LAMBDA_LOCK_FOR = --python-version $(LAMBDA_PYTHON_VERSION) --python-platform $(1)-manylinux_2_28

lock: $(STAMP) ## regenerate the hashed locks (requirements/: dev, lambda, security, lambda-runtime)
	$(UV_COMPILE) --extra dev --universal --python-version 3.11 --generate-hashes -o requirements/dev.lock
	$(VENV)/bin/uv pip compile --quiet --system-certs --group pyproject.toml:security \
	    --universal --python-version 3.11 --generate-hashes -o requirements/security.lock
	$(VENV)/bin/uv pip compile --quiet --system-certs --group pyproject.toml:lambda-runtime \
	    --python-version $(LAMBDA_PYTHON_VERSION) --generate-hashes -o requirements/lambda-runtime.lock
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
# The Lambda package is built without Docker, for both architectures at once: pip installs the
# wheels of requirements/lambda.lock for python3.13 on aarch64 and on x86_64 into two scratch
# directories, tools/lambda_package merges them (native modules have per-architecture file names;
# any other difference stops the build), the src/ packages are copied beside them, and python3.13
# compiles everything to bytecode. `sam build` passes only ARTIFACTS_DIR, so the package cannot
# depend on the template's Architecture parameter: it serves arm64 and x86_64 alike.
CONFIG_ENV ?= default
LAMBDA_PYTHON_VERSION := 3.13
LAMBDA_MACHINES := aarch64 x86_64
# Absolute paths: `sam build` runs this Makefile from a scratch directory.
LAMBDA_ROOT := $(patsubst %/,%,$(dir $(abspath $(firstword $(MAKEFILE_LIST)))))
# Any Python with pip can fetch wheels for another Python and platform; prefer the project's venv.
LAMBDA_PIP = $(if $(wildcard $(LAMBDA_ROOT)/$(VENV)/bin/python),$(LAMBDA_ROOT)/$(VENV)/bin/python,$(PYTHON)) -m pip
# The runtime's Python compiles the bytecode (a .pyc is valid only for the version that wrote it):
# the first of python3.13 on PATH and pyenv's that runs and is 3.13 (a pyenv shim may exist and
# refuse to run). LAMBDA_PYTHON=/path/to/python3.13 overrides.
IS_LAMBDA_PYTHON = -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(LAMBDA_PYTHON_VERSION))))'
ifeq ($(origin LAMBDA_PYTHON),undefined)
LAMBDA_PYTHON := $(shell for candidate in $$(command -v python$(LAMBDA_PYTHON_VERSION)) \
    $(HOME)/.pyenv/versions/$(LAMBDA_PYTHON_VERSION).*/bin/python$(LAMBDA_PYTHON_VERSION); do \
    "$$candidate" $(IS_LAMBDA_PYTHON) 2>/dev/null && { echo "$$candidate"; break; }; done)
endif
LAMBDA_WHEELS = $(LAMBDA_PIP) install --quiet --disable-pip-version-check --no-compile \
    --platform manylinux2014_$(1) --platform manylinux_2_28_$(1) \
    --implementation cp --python-version $(LAMBDA_PYTHON_VERSION) --only-binary=:all: \
    --require-hashes --target "$(2)" -r "$(LAMBDA_ROOT)/requirements/lambda.lock"

build: ## the Lambda package (arm64 and x86_64 in one): `sam build` if the SAM CLI is on PATH, else make only
	@if command -v sam >/dev/null 2>&1; then \
	    echo "sam build"; \
	    sam build; \
	else \
	    echo "sam not on PATH: make build-ForwarderFunction into .aws-sam/build/ForwarderFunction"; \
	    $(MAKE) --no-print-directory build-ForwarderFunction \
	        ARTIFACTS_DIR=$(CURDIR)/.aws-sam/build/ForwarderFunction; \
	fi

.PHONY: build-ForwarderFunction lambda-python
lambda-python: # fail early, saying why, when the build machine has no python3.13
	@if [ -z "$(LAMBDA_PYTHON)" ] || ! "$(LAMBDA_PYTHON)" $(IS_LAMBDA_PYTHON) 2>/dev/null; then \
	    echo "the build needs python$(LAMBDA_PYTHON_VERSION), the Lambda runtime's Python, to compile the package's bytecode;" >&2; \
	    echo "none found on PATH or in ~/.pyenv (pyenv install $(LAMBDA_PYTHON_VERSION), or LAMBDA_PYTHON=/path/to/python$(LAMBDA_PYTHON_VERSION))" >&2; \
	    exit 2; \
	fi

build-ForwarderFunction: lambda-python ## (run by `sam build`) the lock's wheels for both architectures, src/ and bytecode into $(ARTIFACTS_DIR)
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	rm -rf "$(ARTIFACTS_DIR)"
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	    $(foreach machine,$(LAMBDA_MACHINES),echo "wheels for $(machine)" && \
	        $(call LAMBDA_WHEELS,$(machine),$$scratch/$(machine)) && ) \
	    cd "$(LAMBDA_ROOT)" && "$(LAMBDA_PYTHON)" -m tools.lambda_package "$(ARTIFACTS_DIR)" \
	        $(foreach machine,$(LAMBDA_MACHINES),"$$scratch/$(machine)")
	rm -rf "$(ARTIFACTS_DIR)/bin"
	for pkg in core adapters handlers; do \
	    cp -R "$(LAMBDA_ROOT)/src/$$pkg" "$(ARTIFACTS_DIR)/$$pkg" || exit 1; \
	done
	rm -rf "$(ARTIFACTS_DIR)/handlers/local"  # the CLI tools are not part of the function
	if [ -d "$(LAMBDA_ROOT)/src/certs" ]; then cp -R "$(LAMBDA_ROOT)/src/certs" "$(ARTIFACTS_DIR)/certs"; fi
	find "$(ARTIFACTS_DIR)" -name __pycache__ -type d -prune -exec rm -rf {} +
	@# Lambda's code directory is read-only: without bytecode every cold start compiles the
	@# package. unchecked-hash: the .pyc is used as is, whatever the files' times after unzipping;
	@# -s/-p: tracebacks name the files where Lambda unpacks them (/var/task).
	"$(LAMBDA_PYTHON)" -m compileall -q --invalidation-mode unchecked-hash \
	    -s "$(ARTIFACTS_DIR)" -p /var/task "$(ARTIFACTS_DIR)"

# --- the Lambda runtime, without Docker -------------------------------------------------------
# The runtime interface emulator, built from its Go module at a pinned commit (the module has no
# semver tags, so a pseudo-version pins it) and cached in .cache/rie like the Kafka jars; and
# awslambdaric, the runtime interface client, in a python3.13 venv from its hashed lock.
RIE_MODULE := github.com/aws/aws-lambda-runtime-interface-emulator
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE := .cache/rie/$(RIE_VERSION)/aws-lambda-rie
LAMBDA_RUNTIME_VENV := .cache/lambda-runtime-venv
LAMBDA_RUNTIME_STAMP := $(LAMBDA_RUNTIME_VENV)/.installed
EVENT ?= events/mixed-batch.json

$(RIE):
	@command -v go >/dev/null 2>&1 || { echo "the runtime interface emulator is built from its Go module: install Go" >&2; exit 2; }
	GOFLAGS=-mod=mod GOBIN="$(abspath $(dir $@))" go install $(RIE_MODULE)/cmd/aws-lambda-rie@$(RIE_VERSION)

$(LAMBDA_RUNTIME_STAMP): requirements/lambda-runtime.lock | lambda-python
	"$(LAMBDA_PYTHON)" -m venv --clear $(LAMBDA_RUNTIME_VENV)
	$(LAMBDA_RUNTIME_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	    --require-hashes -r requirements/lambda-runtime.lock
	touch $@

.PHONY: lambda-runtime invoke
lambda-runtime: $(RIE) $(LAMBDA_RUNTIME_STAMP) ## the runtime interface emulator and awslambdaric on python3.13, in .cache/

invoke: $(STAMP) lambda-runtime ## EVENT=events/<file>.json through the built package under the emulator on the local stack (Docker-free `sam local invoke`)
	rm -rf .aws-sam/build/ForwarderFunction
	$(MAKE) --no-print-directory build-ForwarderFunction ARTIFACTS_DIR=$(CURDIR)/.aws-sam/build/ForwarderFunction
	$(PY) -m tools.lambda_emulator $(EVENT)

deploy: ## sam deploy with samconfig.toml (CONFIG_ENV=default|prod); needs the SAM CLI and AWS credentials
	@command -v sam >/dev/null 2>&1 || { echo "deploy needs the SAM CLI (pip install aws-sam-cli)" >&2; exit 2; }
	$(MAKE) --no-print-directory build
	sam deploy --config-env $(CONFIG_ENV)

# --- security gates ---------------------------------------------------------------------------
# checkov runs from its own venv (its pins clash with the project's); --skip-download: offline,
# no account. Every suppression is a Metadata checkov skip in template.yaml with its reason.
# security.lock is not pin-audited: checkov's closure is a scanner of template.yaml, never shipped
# nor imported by the project, and it pins old releases the audit would flag.
SECURITY_VENV := .cache/security-venv
SECURITY_STAMP := $(SECURITY_VENV)/.installed

$(SECURITY_STAMP): requirements/security.lock
	$(PYTHON) -m venv $(SECURITY_VENV)
	$(SECURITY_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SECURITY_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements/security.lock
	touch $@

.PHONY: security
security: $(STAMP) $(SECURITY_STAMP) ## bandit on src/, pip-audit on the runtime and dev locks, checkov on template.yaml
	$(VENV)/bin/bandit -c pyproject.toml -r src --severity-level medium --confidence-level low -q
	$(SECURITY_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
	    -f template.yaml
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
