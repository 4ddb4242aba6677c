# The two commands a reader needs: `make book` and `make test`. Both set up the environment first.
#   make book [PROFILE=quick|paper] [DEVICE=auto|cpu|cuda] [WORKERS=N]   execute the chapters (on N Dask
#                                                workers when given), build the HTML
#   make test                                                ruff, unit tests + tests of the executed chapters
#   make bench                                               speed/memory benchmarks (ratios)
#   make clean                                               remove executed chapters and HTML

PROFILE ?= quick
DEVICE ?= auto
WORKERS ?=
PYTHON ?= python3

# Use the active virtual environment if there is one, else a local .venv created on demand.
ifdef VIRTUAL_ENV
VENV := $(VIRTUAL_ENV)
else
VENV := .venv
endif
PY := $(VENV)/bin/python
STAMP := $(VENV)/.overparam-installed

.PHONY: setup book run html test lint unit bench clean list

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: setup
	$(PY) -m overparam run --profile $(PROFILE) --device $(DEVICE) $(if $(WORKERS),--workers $(WORKERS))

html: setup
	$(PY) -m overparam build

book: run html

list: setup
	$(PY) -m overparam list --profile $(PROFILE) --device $(DEVICE)

test: lint
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check lib tests benchmarks

unit: setup
	$(PY) -m pytest tests/unit

# benchmarks/fig2_paper.py is not a ratio but the wall time of Figure 2 at the paper's protocol (~40 min on
# 2 CPU cores): run it on its own
bench: setup
	@for b in benchmarks/*.py; do case $$b in *fig2_paper.py) continue;; esac; \
	  echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	@test -x $(PY) && $(PY) -m overparam clean || rm -rf book/chapters _build
