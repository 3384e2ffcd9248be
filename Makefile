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

# Real eye images for evaluation only (never trained on); passed when the folder exists.
REALEYE ?= ../shared/realeye
REALEYE_ARG = $(if $(wildcard $(REALEYE)),--realeye $(REALEYE),)
STAMP_BENCH := $(VENV)/.bench-tools

$(STAMP_BENCH): $(STAMP_VENV)
	$(PY) -m pip install -q --no-deps pupil-detectors==2.0.2 cysignals==1.12.5
	touch $@

models: $(STAMP_BUILD)
	$(RUN) python -m eye_expression_driver.training.train_detector --threads 2 \
	  --out eye_expression_driver/models/eye_features.onnx
	$(RUN) python -m eye_expression_driver.training.train_coefficients \
	  --out eye_expression_driver/models/eye_coefficients.onnx

bench: $(STAMP_BUILD) $(STAMP_BENCH)
	$(RUN) python benchmarks/run_all.py $(REALEYE_ARG) --json out/bench/bench.json

clean:
	rm -rf build install log
