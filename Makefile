# Two entry points: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# CPU wheel on local disk; a bare `pip install torch` would pull a multi-GB
# CUDA build. Any torch >= 2.2 works with hardclust.
TORCH_SPEC ?= torch==2.13.0

.PHONY: demo test docs bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --disable-pip-version-check '$(TORCH_SPEC)'
	$(PIP) install -q --disable-pip-version-check -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(PY) examples/quickstart.py

test: $(VENV)/.installed
	$(PY) -m pytest -q

# The site: Sphinx + numpydoc + MyST, warnings are errors.
$(VENV)/.docs: $(VENV)/.installed
	$(PIP) install -q --disable-pip-version-check -e '.[docs]'
	touch $@

docs: $(VENV)/.docs
	rm -rf docs/generated  # autosummary pages of names that no longer exist fail the build
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "site: docs/_build/html/index.html"

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_assignment.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache docs/generated docs/_build
