# hostfactory.enrollment — the single entry point for users and developers.
#   make demo   enroll a few simulated hosts against the bundled mock server
#   make test   every check CI runs (sanity, units, integration, mock suite, lint, docs, changelog, build, importer)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT      := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV      := $(ROOT)/.venv
BUILD     ?= $(ROOT)/build
COLL      := $(BUILD)/ansible_collections/hostfactory/enrollment
DIST      := $(BUILD)/dist
VERSION   := $(shell sed -n 's/^version: *//p' $(ROOT)/galaxy.yml)
TARBALL   := $(DIST)/hostfactory-enrollment-$(VERSION).tar.gz
PYROOT    := $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PYBIN     := $(VENV)/pybin
GET_PIP   := $(HOME)/.ansible/test/cache/get_pip_25_2.py
TARGETS   ?=
CTRL_PY    = $(shell $(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
SANITY_ARGS ?=
export PATH := $(PYBIN):$(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(BUILD)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export ANSIBLE_NOCOLOR := 1
export NO_COLOR := 1
export PY_COLORS := 0

# A controller Python >= 3.12 (ansible-core 2.21); real interpreters only, never pyenv shims.
find_python = for c in python3.14 python3.13 python3.12 $(PYROOT)/versions/3.1[234]*/bin/python3.1[234]; do \
  "$$c" -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && { command -v "$$c" || echo "$$c"; } && break; done

.PHONY: help venv stage sanity units integration mock-tests lint docs changelog build importer test demo bench bench-mock bench-faults clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.stamp: requirements-dev.txt
	@py=$$($(find_python)); [ -n "$$py" ] || { echo "ERROR: no Python >= 3.12 found (tried python3.14/3.13/3.12 and $(PYROOT)/versions)"; exit 1; }; \
	  echo "Creating $(VENV) with $$py"; rm -rf "$(VENV)"; "$$py" -m venv "$(VENV)"
	$(VENV)/bin/pip install -q -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(VENV)/bin/python -c 'import ansible, pytest, requests' 
	@touch $@

# Symlinks to every other real interpreter 3.9-3.13 first on PATH (ansible-test FATALs on pyenv shims; the venv
# provides the controller's own version, with the tools installed),
# the pip bootstrap stand-in ansible-test needs offline, and shellcheck for the sanity test of that name.
$(PYBIN)/.stamp: $(VENV)/.stamp
	@mkdir -p $(PYBIN)
	@venv_v=$$($(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	for v in 3.9 3.10 3.11 3.12 3.13; do \
	  [ "$$v" = "$$venv_v" ] && continue; \
	  p=$$(ls -d $(PYROOT)/versions/$$v.*/bin/python$$v 2>/dev/null | sort -V | tail -1); \
	  [ -z "$$p" ] && p=$$(for d in /usr/bin /usr/local/bin; do [ -x $$d/python$$v ] && echo $$d/python$$v; done | head -1); \
	  [ -n "$$p" ] && ln -sf "$$p" $(PYBIN)/python$$v || true; done
	@touch $@

venv: $(VENV)/.stamp $(PYBIN)/.stamp $(GET_PIP) ## create .venv with the pinned tools
	@command -v shellcheck >/dev/null || { echo "Installing shellcheck (Debian package)"; \
	  (apt-get install -y -qq shellcheck >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq shellcheck >/dev/null; }) ; }

$(GET_PIP):
	@mkdir -p $(dir $@)
	@printf '%s\n' 'import subprocess' 'import sys' \
	  'args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]' \
	  'subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])' \
	  'subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)' > $@

stage: venv ## copy the working tree (uncommitted files too) to $(COLL)
	@$(VENV)/bin/python tools/stage.py "$(ROOT)" "$(COLL)"

sanity: stage ## ansible-test sanity on every Python 3.9-3.13 found
	cd $(COLL) && ansible-test sanity --local --color no --junit $(SANITY_ARGS)

units: stage ## ansible-test units on the controller Python and on the oldest target Python (3.9)
	cd $(COLL) && rm -rf tests/output/junit && ansible-test units --local --color no --python $(CTRL_PY) \
	  && ansible-test units --venv --color no --python 3.9

# Every target runs at -vvvv; the whole output goes to $(BUILD)/integration.log. Then tools/leak_check.py checks that
# no secret the mock servers issued (saved by setup_mock_server under tests/output/mock-secrets/) appears in that log
# or in any file ansible-test left under tests/output. The checker's self-test runs first, so it is known to catch.
integration: stage ## ansible-test integration at -vvvv (TARGETS="a b" to pick), then the leak check of all output
	@$(VENV)/bin/python tools/leak_check.py --self-test
	@rm -rf $(COLL)/tests/output/mock-secrets $(COLL)/tests/output/junit
	@rc=0; cd $(COLL) && { ansible-test integration --local --color no -vvvv $(TARGETS) 2>&1 | tee $(BUILD)/integration.log || rc=$$?; }; \
	  $(VENV)/bin/python $(ROOT)/tools/leak_check.py --secrets $(COLL)/tests/output/mock-secrets \
	    $(BUILD)/integration.log $(COLL)/tests/output || rc=1; exit $$rc

mock-tests: venv ## the mock server's own pytest suite
	cd $(ROOT) && $(VENV)/bin/python -m pytest tests/mock_server/tests -q -p no:cacheprovider --junitxml=$(BUILD)/junit/mock.xml

lint: stage ## ansible-lint, profile production
	cd $(COLL) && ansible-lint --offline -q

docs: stage ## antsibull-docs lint-collection-docs
	cd $(COLL) && antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs --validate-collection-refs all --disallow-unknown-collection-refs .

changelog: stage ## antsibull-changelog lint
	cd $(COLL) && antsibull-changelog lint

build: stage ## ansible-galaxy collection build
	@mkdir -p $(DIST)
	cd $(COLL) && ansible-galaxy collection build --force --output-path $(DIST)

importer: build ## galaxy-importer on the built tarball
	cd $(DIST) && GALAXY_IMPORTER_CHECK_REQUIRED_TAGS=true GALAXY_IMPORTER_RUN_FLAKE8=true $(VENV)/bin/python -m galaxy_importer.main $(TARBALL) | tee $(BUILD)/importer.log
	@! grep -E '^(ERROR|CRITICAL)' $(BUILD)/importer.log

test: venv ## everything, with a summary table and "N passed, N failed"
	@$(VENV)/bin/python tools/run_checks.py --build "$(BUILD)"

# The demo has its own small venv (requirements-demo.txt: ansible-core only), so a clean clone runs it without
# installing the lint, docs and importer tools of `make test`; it stages the collection with the same script.
DEMO_VENV := $(ROOT)/.venv-demo

$(DEMO_VENV)/.stamp: requirements-demo.txt
	@py=$$($(find_python)); [ -n "$$py" ] || { echo "ERROR: no Python >= 3.12 found (tried python3.14/3.13/3.12 and $(PYROOT)/versions)"; exit 1; }; \
	  echo "Creating $(DEMO_VENV) with $$py (ansible-core only)"; rm -rf "$(DEMO_VENV)"; "$$py" -m venv "$(DEMO_VENV)"
	$(DEMO_VENV)/bin/pip install -q -r requirements-demo.txt 2>&1 | grep -v "^WARNING: Location" || true
	@touch $@

demo: $(DEMO_VENV)/.stamp ## enroll simulated hosts against the bundled mock server
	@$(DEMO_VENV)/bin/python tools/stage.py "$(ROOT)" "$(COLL)"
	@PATH="$(DEMO_VENV)/bin:$$PATH" $(DEMO_VENV)/bin/python tools/demo.py --build "$(BUILD)"

bench: stage ## fleet benchmark (HOSTS=200 FORKS=...), mock benchmark and fault benchmark
	@$(VENV)/bin/python tools/bench_fleet.py --build "$(BUILD)" $(if $(HOSTS),--hosts $(HOSTS)) $(if $(FORKS),--forks $(FORKS))
	@$(MAKE) --no-print-directory bench-mock
	@$(MAKE) --no-print-directory bench-faults

bench-faults: stage ## 200 machines through host_identity under 30% 503s + 200 ms latency, then a down server
	@$(VENV)/bin/python tools/bench_faults.py --build "$(BUILD)" $(if $(HOSTS),--hosts $(HOSTS))

bench-mock: venv ## mock server benchmark (creations/s, p50/p99, memory)
	@$(VENV)/bin/python tests/mock_server/bench_mock.py

clean: ## remove build output (keeps .venv)
	rm -rf $(BUILD)
