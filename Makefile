# newsrag: every dependency is installed by these targets; nothing by hand.
#   make run    set up, index seeds/, serve the chat page on http://127.0.0.1:7860
#   make test   set up (incl. test tools: chromium, llama.cpp server), run the whole test suite
#   make eval   run the full evaluation suite and the release gate
#   make bench  print ingest speed and ask latency
#   make model  install llama.cpp's server and the local language model for answer mode local (SIZE=1.5b or 0.5b)
VENV ?= .venv
SIZE ?= 1.5b
BIN := $(VENV)/bin

.PHONY: setup setup-test run test eval bench model clean

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

bench: setup
	$(BIN)/rag bench

model: setup
	@bash scripts/install-llama-server.sh
	$(BIN)/rag model install --size $(SIZE)

clean:
	rm -rf .rag .pytest_cache
