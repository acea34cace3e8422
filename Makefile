# hostfactory.enrollment — the single entry point for users and developers.
#   make demo   enroll a few simulated hosts against the bundled mock server
#   make test   every check CI runs, with a summary table and "N passed, N failed"
#
# The checks are nox sessions on top of antsibull-nox (noxfile.py, antsibull-nox.toml; `make list` shows them):
# antsibull-nox's lint, extra-checks, ansible-lint, docs-check and build-import-check, and ansible-test sanity, units
# and integration plus the tarball test on every ansible-core version noxfile.py names (each on its own pinned
# ansible-core and controller Python, in a temporary copy of the collection that antsibull-nox prepares).
# What stays hand-written here, each with its reason:
#   .venv          the driver: nox and antsibull-nox themselves, and the Python the mock tests and the bench run on
#   pybin          ansible-test FATALs on pyenv shims of unselected versions: real interpreters go first on PATH
#   shellcheck     a Debian package (ansible-test sanity's shellcheck test), not something pip or nox can install
#   mock-tests     the mock server's own pytest suite is a test tool's, not a collection check antsibull-nox has
#   install        build + ansible-galaxy collection install, as a user does: make demo and make bench run that copy
#   demo           its own venv with ansible-core only (requirements-demo.txt), not the driver's
#   build-import-check  fails on galaxy-importer's ERROR lines, which antsibull-nox only prints as warnings
#   test           tools/run_checks.py: two lanes (the newest integration session beside the rest), the summary table
#                  with wall and CPU time, and the closing line, counted from each step's results
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV      := $(ROOT)/.venv
BUILD     ?= $(ROOT)/build
COLLECTIONS := $(BUILD)/collections
DIST      := $(BUILD)/dist
VERSION   := $(shell sed -n 's/^version: *//p' $(ROOT)/galaxy.yml)
TARBALL   := $(DIST)/hostfactory-enrollment-$(VERSION).tar.gz
PYROOT    := $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PYBIN     := $(VENV)/pybin
TARGETS   ?=
NOX        = $(VENV)/bin/nox --noxfile $(ROOT)/noxfile.py --reuse-venv yes --download-python never \
             --error-on-missing-interpreters --nocolor
export PATH := $(PYBIN):$(VENV)/bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export ANSIBLE_NOCOLOR := 1
export NO_COLOR := 1
export PY_COLORS := 0

# A driver Python >= 3.12 (ansible-core 2.21 for the demo); real interpreters only, never pyenv shims.
find_python = for c in python3.14 python3.13 python3.12 $(PYROOT)/versions/3.1[234]*/bin/python3.1[234]; do \
  "$$c" -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && { command -v "$$c" || echo "$$c"; } && break; done

.PHONY: help list venv lint extra-checks ansible-lint docs-check build-import-check sanity units integration tarball \
	ee-create mock-tests install test demo bench bench-mock bench-faults clean

help: ## list the targets
	@grep -E '^[a-z%. -]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.stamp: requirements-dev.txt
	@py=$$($(find_python)); [ -n "$$py" ] || { echo "ERROR: no Python >= 3.12 found (tried python3.14/3.13/3.12 and $(PYROOT)/versions)"; exit 1; }; \
	  py=$$(readlink -f "$$py"); \
	  echo "Creating $(VENV) with $$py"; rm -rf "$(VENV)"; "$$py" -m venv "$(VENV)"
	$(VENV)/bin/pip install -q -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(VENV)/bin/python -c 'import ansible, antsibull_nox, nox, pytest, requests'
	@touch $@

# Symlinks to every other real interpreter 3.9-3.13 (the venv provides its own version): nox finds the controller
# Python of each ansible-core version there, ansible-test the managed-node Pythons.
$(PYBIN)/.stamp: $(VENV)/.stamp
	@mkdir -p $(PYBIN)
	@venv_v=$$($(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	for v in 3.9 3.10 3.11 3.12 3.13; do \
	  [ "$$v" = "$$venv_v" ] && continue; \
	  p=$$(ls -d $(PYROOT)/versions/$$v.*/bin/python$$v 2>/dev/null | sort -V | tail -1); \
	  [ -z "$$p" ] && p=$$(for d in /usr/bin /usr/local/bin; do [ -x $$d/python$$v ] && echo $$d/python$$v; done | head -1); \
	  [ -n "$$p" ] && ln -sf "$$p" $(PYBIN)/python$$v || true; done
	@touch $@

venv: $(VENV)/.stamp $(PYBIN)/.stamp ## create .venv with the pinned driver (nox, antsibull-nox) and shellcheck
	@command -v shellcheck >/dev/null || { echo "Installing shellcheck (Debian package)"; \
	  (apt-get install -y -qq shellcheck >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq shellcheck >/dev/null; }) ; }

list: venv ## the nox sessions (each `make <session>` runs one)
	@$(NOX) --list

lint extra-checks ansible-lint docs-check ee-create: venv ## antsibull-nox's lint (flake8, yamllint), extra-checks, ansible-lint, docs-check; ee-create
	$(NOX) --session $@

build-import-check: venv ## build the collection and run galaxy-importer on it (any ERROR line fails)
	@mkdir -p $(BUILD)
	$(NOX) --session $@ 2>&1 | tee $(BUILD)/build-import-check.log
	@! grep -q "Galaxy importer emitted the following non-fatal error" $(BUILD)/build-import-check.log

ansible-test-%: venv ## ansible-test-{sanity,units,integration}-X.Y: one ansible-test session (TARGETS="a b" for integration)
	$(NOX) --session $@ $(if $(and $(TARGETS),$(findstring integration,$@)),-- $(TARGETS))

tarball-%: venv ## tarball-X.Y: install the built tarball into an empty path, ansible-doc everything, run examples/enroll.yml
	$(NOX) --session $@

sanity units: venv ## ansible-test sanity / units on every ansible-core version of noxfile.py
	$(NOX) --keywords ansible-test-$@

integration: venv ## ansible-test integration at -vvvv on every version, then the leak check (TARGETS="a b" to pick)
	$(NOX) --keywords ansible-test-integration $(if $(TARGETS),-- $(TARGETS))

tarball: venv ## the tarball test on every version
	$(NOX) --keywords tarball-

mock-tests: venv ## the mock server's own pytest suite
	@mkdir -p $(BUILD)/junit
	cd $(ROOT) && $(VENV)/bin/python -m pytest tests/mock_server/tests -q -p no:cacheprovider --junitxml=$(BUILD)/junit/mock.xml

# Build + install with the ansible-galaxy of the venv given as $(1): `install` uses the driver venv, `demo` its own.
install_collection = rm -rf $(DIST) $(COLLECTIONS) && mkdir -p $(DIST) && \
  $(1)/bin/ansible-galaxy collection build --output-path $(DIST) $(ROOT) >/dev/null && \
  { $(1)/bin/ansible-galaxy collection install -p $(COLLECTIONS) $(TARBALL) 2>&1 | grep -v "not part of the configured\|Ansible collections paths\|collection will not be picked up\|adjacent collections directory" || true; } && \
  test -f $(COLLECTIONS)/ansible_collections/hostfactory/enrollment/MANIFEST.json

install: venv ## build the collection tarball and install it into $(BUILD)/collections
	@$(call install_collection,$(VENV))

test: venv ## everything, with a summary table and "N passed, N failed"
	@$(VENV)/bin/python tools/run_checks.py --build "$(BUILD)"

# `make demo` only (kept apart from the targets of `make test`): its own small venv, requirements-demo.txt with
# ansible-core alone, so a clean clone runs the demo without installing nox, antsibull-nox and what they pull in.
DEMO_VENV := $(ROOT)/.venv-demo

$(DEMO_VENV)/.stamp: requirements-demo.txt
	@py=$$($(find_python)); [ -n "$$py" ] || { echo "ERROR: no Python >= 3.12 found (tried python3.14/3.13/3.12 and $(PYROOT)/versions)"; exit 1; }; \
	  echo "Creating $(DEMO_VENV) with $$py (ansible-core only)"; rm -rf "$(DEMO_VENV)"; "$$py" -m venv "$(DEMO_VENV)"
	$(DEMO_VENV)/bin/pip install -q -r requirements-demo.txt 2>&1 | grep -v "^WARNING: Location" || true
	@touch $@

demo: $(DEMO_VENV)/.stamp ## enroll simulated hosts against the bundled mock server (the installed tarball)
	@$(call install_collection,$(DEMO_VENV))
	@PATH="$(DEMO_VENV)/bin:$$PATH" $(DEMO_VENV)/bin/python tools/demo.py --build "$(COLLECTIONS)"

bench: install ## fleet benchmark at 40 and 200 hosts (HOSTS="40 200 1000", FORKS=...), mock and fault benchmarks
	@$(VENV)/bin/python tools/bench_fleet.py --build "$(COLLECTIONS)" $(if $(HOSTS),--hosts $(HOSTS)) $(if $(FORKS),--forks $(FORKS))
	@$(MAKE) --no-print-directory bench-mock
	@$(MAKE) --no-print-directory bench-faults

bench-faults: install ## 200 machines (FAULT_HOSTS=...) through host_identity under 30% 503s + 200 ms latency, then a down server
	@$(VENV)/bin/python tools/bench_faults.py --build "$(COLLECTIONS)" $(if $(FAULT_HOSTS),--hosts $(FAULT_HOSTS))

bench-mock: venv ## mock server benchmark (creations/s, p50/p99, memory)
	@$(VENV)/bin/python tests/mock_server/bench_mock.py

clean: ## remove build output and the nox session venvs (keeps .venv)
	rm -rf $(BUILD) $(ROOT)/.nox
