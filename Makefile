# The README's two commands: `make demo` and `make test`. Both set up .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLE := examples/support-assistant
DEMO_WS := build/demo-workspace

.PHONY: demo test bench clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	rm -rf $(DEMO_WS)
	mkdir -p build
	$(BIN)/rmfkit init $(DEMO_WS) --example support-assistant
	$(BIN)/rmfkit validate -w $(DEMO_WS)
	$(BIN)/rmfkit status -w $(DEMO_WS)
	rm -rf build/packet
	$(BIN)/rmfkit packet -w $(DEMO_WS) --out build/packet
	$(BIN)/rmfkit verify build/packet

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -n 2

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf build
