# newsrag: every dependency is installed by these targets; nothing by hand.
#   make run    set up, index seeds/, serve the chat page on http://127.0.0.1:7860
#   make test   set up (incl. test tools: chromium, llama.cpp server), run the whole test suite
#   make eval   run the full evaluation suite and the release gate
#   make release  the release gate in every release mode, then sdist + wheel into dist/ (only if it passed)
#   make bench  print ingest speed and ask latency
#   make model  install llama.cpp's server and the local language model for answer mode local (SIZE=1.5b or 0.5b)
VENV ?= .venv
SIZE ?= 1.5b
BIN := $(VENV)/bin

# Release: the gate must pass in each of these answer modes before anything is built (llm joins later).
RELEASE_MODES ?= extractive
RELEASE_EVAL ?= $(BIN)/rag eval --gate
DIST ?= dist
BUILD_VERSION := 1.6.1

.PHONY: setup setup-test run test eval release bench model clean

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test
	@bash scripts/install-test-deps.sh
	@bash scripts/install-llama-server.sh

run: setup
	$(BIN)/rag ingest
	$(BIN)/rag ui

test: setup-test
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/rag eval --gate

# 1. the gate, mode by mode: `rag eval --gate` prints the report path and exits 1 when a threshold is
#    not met; the loop then stops with a non-zero status and make runs nothing further (no build).
# 2. only after every gate passed: the build tool (pypa/build, from PyPI when missing), then the sdist and
#    the wheel, built from this checkout with the venv's setuptools (--no-isolation: no download at build
#    time), into $(DIST)/.
release: setup
	@for mode in $(RELEASE_MODES); do \
		echo "release: $(RELEASE_EVAL) --mode $$mode"; \
		$(RELEASE_EVAL) --mode $$mode || { echo "release: the gate FAILED in $$mode mode (report path above): nothing built" >&2; exit 1; }; \
	done
	@$(BIN)/python -c "import build" 2>/dev/null || $(BIN)/pip install -q "build==$(BUILD_VERSION)"
	rm -rf $(DIST)
	$(BIN)/python -m build --no-isolation --sdist --wheel --outdir $(DIST) .
	@echo "release: gate passed in $(RELEASE_MODES) mode; built:" && ls -1 $(DIST)

bench: setup
	$(BIN)/rag bench

model: setup
	@bash scripts/install-llama-server.sh
	$(BIN)/rag model install --size $(SIZE)

clean:
	rm -rf .rag .pytest_cache
