# Two commands do all the set-up: `make demo` and `make test` (see README.md).
# The virtual environment is (re)built whenever pyproject.toml changes.
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test bench lint clean baseline help

help:
	@echo "make demo   - set up .venv, run the headline experiment, write figures into results/"
	@echo "make test   - set up .venv with test extras, run the whole test suite"
	@echo "make bench  - run the benchmarks (writes benchmarks/*.json)"
	@echo "make lint   - ruff"
	@echo "make baseline - refresh tests/baseline.json on purpose, after a deliberate change of results"

$(PY):
	@py=$$(sh tools/find-python) || exit 1; \
	echo "creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(TSTAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP) $@

demo: $(STAMP)
	$(BIN)/engagement experiment few_winners --out results/few_winners --overwrite

test: $(TSTAMP)
	@sh tools/ensure-browser
	$(PY) -m pytest

bench: $(TSTAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

baseline: $(STAMP)
	$(PY) tests/test_baseline.py --refresh

lint: $(TSTAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
