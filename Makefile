# The template's own tasks. Bootstraps its environment in .venv from requirements/dev.lock;
# needs nothing but Python 3.11+, make and git.

#################################################################################
# GLOBALS                                                                       #
#################################################################################

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= build/demo
UV_PIN := $(shell grep -E '^uv==' requirements/dev.lock)
# Extra pytest arguments: make test PYTEST_ARGS="-k render -x".
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help env demo test test-fast lint bench docs docs-serve reserved-names clean

#################################################################################
# COMMANDS                                                                      #
#################################################################################

env: $(STAMP) ## Create .venv with the template's pinned tools (copier, pytest, flake8, tox, uv)

$(STAMP): requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check $(UV_PIN)
	$(VENV)/bin/uv pip sync --quiet --python $(VPY) requirements/dev.lock
	@touch $@

demo: $(STAMP) ## Render the default project into build/demo, create its environment and train a model
	rm -rf $(DEMO_DIR)
	$(VENV)/bin/copier copy --trust --defaults --vcs-ref=HEAD $(CURDIR) $(DEMO_DIR)
	git init --quiet $(DEMO_DIR)  # a project of its own, not part of the template's repository
	PATH="$(abspath $(VENV)/bin):$$PATH" $(MAKE) -C $(DEMO_DIR) env train evaluate
	@echo
	@echo "Demo project: $(DEMO_DIR)"
	@echo "  model:    $$(ls $(DEMO_DIR)/models/*.skops)"
	@echo "  metadata: $$(ls $(DEMO_DIR)/models/metadata/*.json)"
	@echo "  metrics:  $(DEMO_DIR)/reports/metrics.json"

test: $(STAMP) ## Run the whole suite: questions, rendering matrix, generated projects end to end
	PATH="$(abspath $(VENV)/bin):$$PATH" $(VPY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) ## Run the suite without the slow end-to-end tests
	PATH="$(abspath $(VENV)/bin):$$PATH" $(VPY) -m pytest -m "not e2e" $(PYTEST_ARGS)

lint: $(STAMP) ## Lint hooks, scripts, tests and benchmarks with flake8
	$(VPY) -m flake8 hooks scripts tests bench

bench: $(STAMP) ## Run the benchmarks and print their figures
	PATH="$(abspath $(VENV)/bin):$$PATH" $(VPY) bench/run.py

docs: $(STAMP) ## Build the documentation site into build/site (mkdocs build --strict: a broken link fails)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir build/site

docs-serve: $(STAMP) ## Serve the documentation site on http://127.0.0.1:8000, rebuilt as you edit docs/
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

reserved-names: $(STAMP) ## Rewrite copier/reserved-names.yml from every answer's dependencies (installs them into build/)
	$(VPY) -m scripts.reserved_names

clean: ## Remove build output and caches (keeps .venv)
	rm -rf build .pytest_cache
	find . -type d -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

help: ## Show this help
	@echo "ML project template: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
