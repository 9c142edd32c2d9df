# Every target runs through uv. When uv is missing, `ensure-uv` installs it for the Python in use
# (`python3 -m pip install uv`), so `make demo` and `make test` work on a fresh machine.
UV ?= uv
RUN := $(UV) run --locked --all-extras --all-packages

.PHONY: help ensure-uv sync demo demo-core test test-ts test-e2e-deps screenshot test-core test-adapters lint format mypy check check-generated check-compat generate-examples chat bench bench-adapters bench-codegen bench-cli bench-redis fuzz soak bench-slow bench-resume build clean

help:
	@echo "demo       the main job: generate examples/chat (Python + TypeScript) from its schema, show its"
	@echo "           frames in process, then serve its page on http://127.0.0.1:8000"
	@echo "demo-core  an in-process tour of the protocol with hand-written actions"
	@echo "test       every test suite"
	@echo "test-core  the framework-free core only"
	@echo "test-ts    the TypeScript client: build, typecheck, unit tests, size budget, scenarios on a real server"
	@echo "lint       ruff check + ruff format --check + import-linter contracts (pyproject.toml)"
	@echo "mypy       mypy --strict on src/ and codegen/src/"
	@echo "check      lint + mypy + drift of the checked-in generated code"
	@echo "check-compat  the chat example's protocol against the previous commit: no break for deployed clients"
	@echo "generate-examples  regenerate examples/chat from its schema"
	@echo "chat       serve the chat example on FastAPI"
	@echo "test-adapters  the conformance suite and adapter tests on real servers"
	@echo "bench      in-process dispatch benchmark against a hand-written baseline"
	@echo "bench-adapters  each adapter against its bare framework on a real server (BENCH_ARGS=\"--seconds 2 --rounds 5\")"
	@echo "bench-codegen   generate from a 1,000-message spec, then regenerate"
	@echo "bench-cli       each command on the chat example, warm and cold, against a bare Python start"
	@echo "fuzz       100,000 fuzzed frames per adapter on its real server, failures counted"
	@echo "soak       1,000 connections x 100 actions in one group with broadcasts, on each adapter's server"
	@echo "bench-slow  one member that stops reading while 20,000 1 KB events go to its group, on each adapter's server"
	@echo "build      wheels and sdists of both Python distributions in dist/, checked"
	@echo "bench-resume    sessions: v2 against v1 dispatch, a 1,000-event replay against live, memory per parked session; with Redis history and store (own redis-server)"
	@echo "bench-redis     group fan-out across workers on one Redis, against Socket.IO and Channels"

ensure-uv:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv

sync: ensure-uv
	$(UV) sync --locked --all-extras --all-packages

CHAT_GENERATE := examples/chat/asyncapi.yaml --python-out examples/chat/chat_app/ws --ts-out examples/chat/web/src/api --line-length 120 --format-assertion

# The main job on the built-in example: generate the chat example's Python package and typed
# TypeScript client from its AsyncAPI schema (handlers are kept), show its frames in one process,
# then build the page and serve it on http://127.0.0.1:8000 (Ctrl-C stops it).
demo: ensure-uv
	$(RUN) beeflow-websocket generate $(CHAT_GENERATE) --force
	$(RUN) python examples/chat/demo.py
	cd examples/chat/web && npm ci --no-audit --no-fund && npm run build
	$(RUN) beeflow-websocket docs examples/chat/asyncapi.yaml --out examples/chat/reference
	@echo "open http://127.0.0.1:8000/?name=alice and http://127.0.0.1:8000/?name=bob in two tabs"
	@echo "the protocol reference: http://127.0.0.1:8000/protocol"
	$(RUN) python examples/chat/server.py

demo-core: ensure-uv
	$(RUN) python examples/core_demo.py

test: ensure-uv test-ts test-e2e-deps
	$(RUN) pytest

# What the browser end-to-end tests need: playwright-core (driving Debian's chromium) and the page's build.
test-e2e-deps:
	cd examples/chat/web && npm ci --no-audit --no-fund
	cd tests/e2e && npm ci --no-audit --no-fund

test-ts:
	cd clients/typescript && npm ci --no-audit --no-fund && npm run check && npm run e2e

test-core: ensure-uv
	$(RUN) pytest tests/core

test-adapters: ensure-uv
	$(RUN) pytest tests/conformance tests/fastapi tests/django tests/flask

lint: ensure-uv
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

format: ensure-uv
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

mypy: ensure-uv
	$(RUN) mypy

check: lint mypy check-generated

# Checked-in generated code: the chat example (Python and TypeScript) and the runtime's protocol
# types from schema/. `check-generated` fails on any drift; `--full` regenerates in memory even when
# the manifest shows nothing changed, so a change of the generator itself shows too. (The
# generator's sdist and wheel carry clients/typescript/src through codegen/hatch_build.py: there is
# no second copy in git.)
generate-examples: ensure-uv
	$(RUN) beeflow-websocket generate schema/asyncapi.yaml --ts-out clients/typescript/src/protocol.ts --line-length 120
	$(RUN) beeflow-websocket generate $(CHAT_GENERATE) --force

check-generated: ensure-uv check-compat
	$(RUN) beeflow-websocket check $(CHAT_GENERATE) --full
	$(RUN) beeflow-websocket check schema/asyncapi.yaml --ts-out clients/typescript/src/protocol.ts --line-length 120

# The chat example's protocol against the previous commit: fails on a change that breaks deployed
# clients unless examples/chat/allowed-breaks.txt lists its id. A shallow clone (CI's default
# fetch-depth: 1) has no previous commit: the step says so and is skipped.
COMPAT_REF ?= HEAD~1

check-compat: ensure-uv
	@if git rev-parse --verify --quiet "$(COMPAT_REF)^{commit}" >/dev/null 2>&1; then \
		$(RUN) beeflow-websocket check examples/chat/asyncapi.yaml --against $(COMPAT_REF) --allow examples/chat/allowed-breaks.txt; \
	else \
		echo "check-compat skipped: $(COMPAT_REF) is not in this clone (a shallow clone?); fetch it (git fetch --deepen=1) to compare"; \
	fi

screenshot: ensure-uv test-e2e-deps
	BEEFLOW_E2E_SCREENSHOT=docs/images/chat.png $(RUN) pytest tests/e2e -k "two_tabs and fastapi"

chat: ensure-uv
	$(RUN) python examples/chat/server.py

bench: ensure-uv
	$(RUN) python benchmarks/dispatch.py

bench-codegen: ensure-uv
	$(RUN) python benchmarks/codegen.py

bench-cli: ensure-uv
	$(RUN) python benchmarks/cli.py

bench-adapters: ensure-uv
	$(RUN) python benchmarks/adapters.py $(BENCH_ARGS)

bench-redis: ensure-uv
	$(RUN) python benchmarks/redis_fanout.py

fuzz: ensure-uv
	$(RUN) python benchmarks/fuzz_adapters.py

soak: ensure-uv
	$(RUN) python benchmarks/soak.py

bench-resume: ensure-uv
	$(RUN) python benchmarks/resume.py

bench-slow: ensure-uv
	$(RUN) python benchmarks/slow_consumer.py

# What the release workflow publishes: the wheel and sdist of both Python distributions (the runtime
# beeflow-websocket and the generator beeflow-websocket-codegen) in dist/, then tests/test_build.py on
# exactly those files (the generator carries its templates and the TypeScript runtime, the runtime
# py.typed; the generator requires the runtime version it generates for; the npm package is publishable).
build: ensure-uv
	rm -rf dist
	$(UV) build --all-packages --out-dir dist
	BEEFLOW_DIST=dist $(RUN) pytest tests/test_build.py -q

clean:
	rm -rf dist build .mypy_cache .ruff_cache .pytest_cache .hypothesis
