# Every target runs through uv: `python3 -m pip install uv` is the only prerequisite.
UV ?= uv
RUN := $(UV) run --locked

.PHONY: help sync demo test test-core lint format mypy check bench build clean

help:
	@echo "demo       run the built-in example: an in-process tour of the protocol"
	@echo "test       every test suite"
	@echo "test-core  the framework-free core only"
	@echo "lint       ruff check + ruff format --check"
	@echo "mypy       mypy --strict on src/"
	@echo "check      lint + mypy (+ generated-code drift once there is generated code)"
	@echo "bench      in-process dispatch benchmark against a hand-written baseline"

sync:
	$(UV) sync --locked

demo:
	$(RUN) python examples/core_demo.py

test:
	$(RUN) pytest

test-core:
	$(RUN) pytest tests/core

lint:
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format:
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

mypy:
	$(RUN) mypy

check: lint mypy

bench:
	$(RUN) python benchmarks/dispatch.py

build:
	$(UV) build

clean:
	rm -rf dist build .mypy_cache .ruff_cache .pytest_cache .hypothesis
