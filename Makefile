# Every target runs through uv. When uv is missing, `ensure-uv` installs it for the Python in use
# (`python3 -m pip install uv`), so `make demo` and `make test` work on a fresh machine.
UV ?= uv
RUN := $(UV) run --locked --all-extras --all-packages

.PHONY: help ensure-uv sync demo demo-core test test-ts test-core test-adapters lint format mypy check check-generated generate-examples chat bench bench-adapters bench-codegen build clean

help:
	@echo "demo       the main job: generate examples/chat from its schema and run it in process"
	@echo "demo-core  an in-process tour of the protocol with hand-written actions"
	@echo "test       every test suite"
	@echo "test-core  the framework-free core only"
	@echo "test-ts    the TypeScript client: build, typecheck, unit tests, size budget"
	@echo "lint       ruff check + ruff format --check"
	@echo "mypy       mypy --strict on src/ and codegen/src/"
	@echo "check      lint + mypy + drift of the checked-in generated code"
	@echo "generate-examples  regenerate examples/chat from its schema"
	@echo "chat       serve the chat example on FastAPI"
	@echo "test-adapters  the conformance suite and adapter tests on real servers"
	@echo "bench      in-process dispatch benchmark against a hand-written baseline"
	@echo "bench-adapters  each adapter against its bare framework on a real server"
	@echo "bench-codegen   generate from a 1,000-message spec, then regenerate"

ensure-uv:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv

sync: ensure-uv
	$(UV) sync --locked --all-extras --all-packages

# The main job on the built-in example: generate the chat package from its AsyncAPI schema (handlers
# are kept), then drive it in process and print the frames.
demo: ensure-uv
	$(RUN) beeflow-websocket generate examples/chat/asyncapi.yaml --python-out examples/chat/chat_app/ws --line-length 120 --force
	$(RUN) python examples/chat/demo.py

demo-core: ensure-uv
	$(RUN) python examples/core_demo.py

# TypeScript first, so that pytest's summary closes the run.
test: ensure-uv test-ts
	$(RUN) pytest

test-ts:
	cd clients/typescript && npm ci --no-audit --no-fund && npm run check

test-core: ensure-uv
	$(RUN) pytest tests/core

test-adapters: ensure-uv
	$(RUN) pytest tests/conformance tests/fastapi tests/django tests/flask

lint: ensure-uv
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: ensure-uv
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

mypy: ensure-uv
	$(RUN) mypy

check: lint mypy check-generated

# The chat example's generated package is checked in: `check-generated` fails when it drifts.
generate-examples: ensure-uv
	$(RUN) beeflow-websocket generate examples/chat/asyncapi.yaml --python-out examples/chat/chat_app/ws --line-length 120 --force

check-generated: ensure-uv
	$(RUN) beeflow-websocket check examples/chat/asyncapi.yaml --python-out examples/chat/chat_app/ws --line-length 120

chat: ensure-uv
	$(RUN) python examples/chat/server.py

bench: ensure-uv
	$(RUN) python benchmarks/dispatch.py

bench-codegen: ensure-uv
	$(RUN) python benchmarks/codegen.py

bench-adapters: ensure-uv
	$(RUN) python benchmarks/adapters.py

build: ensure-uv
	$(UV) build

clean:
	rm -rf dist build .mypy_cache .ruff_cache .pytest_cache .hypothesis
