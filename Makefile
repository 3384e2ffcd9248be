# One-command set-up and the project's jobs. Every target sets up what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PREFIX := $(CURDIR)/install
STAMP_VENV := $(VENV)/.installed
STAMP_BUILD := $(PREFIX)/.built
RUN := source ./env.sh &&

.PHONY: setup build test lint demo models bench clean help

help:
	@echo "make test   - set up .venv, build the messages, run the test suite"
	@echo "make demo   - set up, run the graph on the built-in synthetic headset, write a report"
	@echo "make models - retrain the shipped ONNX models from scratch"
	@echo "make bench  - speed, latency and memory benchmarks (prints a table, writes JSON)"
	@echo "make lint   - ruff"

setup: $(STAMP_BUILD)

$(STAMP_VENV): requirements.txt constraints.txt setup.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip<27"
	$(PY) -m pip install -q -r requirements.txt -c constraints.txt
	$(PY) scripts/fix_ros_wheel_cmake.py $(VENV)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e . --config-settings editable_mode=compat
	touch $@

$(STAMP_BUILD): $(STAMP_VENV) CMakeLists.txt package.xml $(wildcard msg/*.msg srv/*.srv)
	scripts/build_messages.sh $(VENV) $(PREFIX)
	touch $@

build: $(STAMP_BUILD)

test: $(STAMP_BUILD)
	$(RUN) python -m pytest -q

lint: $(STAMP_VENV)
	$(VENV)/bin/ruff check .

demo: $(STAMP_BUILD)
	$(RUN) eye-expression demo

clean:
	rm -rf build install log
