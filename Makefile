# The two commands a learner or maintainer needs: `make lab` and `make test`.
# Both work on a fresh clone with only python3 (>= 3.10) and pip: they create .venv when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# JupyterLab refuses to run as root without --allow-root; without a display there is no browser
# to open, so it only prints the URL (with its token) to copy into one.
ROOT_FLAG    := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
BROWSER_FLAG := $(shell [ -z "$$DISPLAY" ] && [ "$$(uname)" != Darwin ] && echo --no-browser)

.PHONY: lab test test-fast test-core colab-test binder-check typecheck notebooks exercises bench bench-quick lint clean-venv

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "sgdteach needs Python >= 3.10, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# setuptools warns "Editable installation. Please be careful with folders in your working directory
# with the same name as your package" on every editable install of a flat layout (sgdteach/ next to
# pyproject.toml: its meta-path finder, setuptools/command/editable_wheel.py): information, not a
# fault. The filter matches that one message, in pip and its build backend, nothing else.
QUIET_EDITABLE = PYTHONWARNINGS="$${PYTHONWARNINGS:+$$PYTHONWARNINGS,}ignore:Editable installation"

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e ".[lab]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	touch $@ $(VENV)/.installed-lab

# jupyter-config/ (JupyterLab without its news prompt) applies to this server only: it goes first
# on JUPYTER_CONFIG_PATH, nothing is written to ~/.jupyter. The browser tests' server uses it too.
LAB_CONFIG := $(CURDIR)/jupyter-config
# The file browser shows the course: notebooks/ and my-exercises/ (the learner's own copies of
# exercises/, made by `python -m sgdteach workspace`, never overwritten, ignored by git); the
# package, tests and instructor folders are hidden from the listing (still there on disk).
LAB_HIDE := ['__pycache__','*.pyc','*.egg-info','.*','sgdteach','tests','benchmarks','solutions', \
             'exercises','jupyter-config','build','dist','Makefile','pyproject.toml', \
             'environment.yml','postBuild']
lab: $(VENV)/.installed-lab
	$(BIN)/python -m sgdteach workspace exercises my-exercises
	JUPYTER_CONFIG_PATH="$(LAB_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(BIN)/jupyter lab --ServerApp.root_dir=. "--ContentsManager.hide_globs=$(LAB_HIDE)" \
	  --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(ROOT_FLAG) $(BROWSER_FLAG)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/python -m mypy

# nbval runs twice, under two OpenBLAS configurations, so that no saved output depends on the BLAS
# kernel or the thread count: (a) the environment as it is (on a 2-core AVX-512 machine without
# OPENBLAS_* variables: the SkylakeX kernel, 2 threads), then (b) another kernel on one thread:
# Haswell, or Sandybridge when (a) ran Haswell (set by OPENBLAS_CORETYPE, or detected on a CPU
# without AVX-512). (a)'s kernel is read from threadpoolctl's threadpool_info() ("architecture").
# Each run: two workers, one notebook (all its cells, in one kernel) per worker at a time
# (--dist loadscope: a notebook is one scope).
NBVAL      = $(BIN)/python -m pytest -p no:randomly --nbval notebooks -n 2 --dist loadscope \
             --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=120
BLAS_CORE  = $(BIN)/python -c "import numpy, threadpoolctl; \
             print(*[p.get('architecture') for p in threadpoolctl.threadpool_info() \
                     if p.get('internal_api') == 'openblas'][:1])"

# --dist loadgroup: the tests of one xdist group run on one worker, so what they share is built
# once (tests/conftest.py: a module's module-scoped fixtures; tests/browser: a notebook's Run All).
test: lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests
	$(BIN)/python -m pytest --doctest-modules sgdteach
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
	  core=$$($(BLAS_CORE)) && other=$$([ "$$core" = Haswell ] && echo Sandybridge || echo Haswell) && \
	  echo "nbval, BLAS as configured (OpenBLAS kernel: $$core)" && $(NBVAL) && \
	  echo "nbval, OPENBLAS_CORETYPE=$$other OPENBLAS_NUM_THREADS=1" && \
	  env OPENBLAS_CORETYPE=$$other OPENBLAS_NUM_THREADS=1 $(NBVAL); \
	else echo "no notebooks yet: nbval skipped"; fi

# The edit-run loop: unit and property tests only (no kernels, browsers, figures or benchmarks),
# < 60 s. `make test-core` is the shorter loop for the algorithm alone (~10 s).
# Hypothesis's "fast" profile (tests/hypothesis_profiles.py): a quarter of the examples of
# `make test`.
# Without the nbval plugin (unused here), whose import of nbformat each worker would pay first
# (tests/conftest.py then keeps nbformat's jsonschema from compiling a grammar in every worker).
# Two workers on two cores: one BLAS / OpenMP thread each (more threads than cores wait on each
# other, and the tests do not depend on the thread count).
FAST_PYTEST = OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
              $(BIN)/python -m pytest -n 2 -q -p no:nbval --hypothesis-profile=fast
test-fast: $(VENV)/.installed-dev
	$(FAST_PYTEST) -m "not slow and not kernel and not browser and not figures" tests

# The algorithm's tests: losses, optimizers, schedules, sampling, the loop, streaming, reference.
CORE_TESTS = tests/test_losses.py tests/test_optimizers.py tests/test_schedules.py \
             tests/test_schedules_warmup.py tests/test_descent.py tests/test_fast_paths.py \
             tests/test_streaming.py tests/test_reference.py tests/test_validation.py
test-core: $(VENV)/.installed-dev
	$(FAST_PYTEST) $(CORE_TESTS)

# Re-execute every notebook in a fresh kernel and save it with volatile metadata stripped.
notebooks: $(VENV)/.installed-dev
	$(BIN)/python -m sgdteach execute notebooks/*.ipynb

# Regenerate exercises/ from solutions/ (the single source).
exercises: $(VENV)/.installed-dev
	$(BIN)/python -m sgdteach release solutions exercises

# The course in a Colab-like venv: Python 3.12 with Colab's pins (tests/colab-constraints.txt),
# the built wheel (installing it must change no pinned package), every notebook run by nbclient.
# The venv is cached in $XDG_CACHE_HOME (default ~/.cache)/sgdteach/ under the hash of the
# constraints file.
colab-test: $(VENV)/.installed-dev
	$(BIN)/python tests/colab_env.py

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks

bench-quick: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks --quick

clean-venv:
	rm -rf $(VENV)

# What Binder builds: repo2docker's own conda build pack reads environment.yml and postBuild
# (offline, no Docker; .ci/binder_check.py says what it checks). repo2docker lives in a venv of
# its own, cached outside the repository and rebuilt when R2D_VERSION changes.
R2D_VERSION := 2026.4.0
CACHE_HOME  := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)
R2D_VENV    ?= $(CACHE_HOME)/sgdteach/r2d-venv
$(R2D_VENV)/.installed-$(R2D_VERSION):
	rm -rf $(R2D_VENV)
	$(PYTHON) -m venv $(R2D_VENV)
	$(R2D_VENV)/bin/python -m pip install --quiet "jupyter-repo2docker==$(R2D_VERSION)"
	touch $@

binder-check: $(R2D_VENV)/.installed-$(R2D_VERSION)
	$(R2D_VENV)/bin/python .ci/binder_check.py
