# Sextant: the two commands of DESIGN.md section 2 and a few helpers. `make` alone lists them.
# The scripts build into $CARGO_TARGET_DIR (default ~/.cache/sextant/target), not ./target.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help run test build fmt lint bench clean-data

help: ## list the targets
	@echo "Sextant. Usage: make TARGET"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

run: ## start PostgreSQL, Redis and all services on 127.0.0.1 (gateway :8003); Ctrl-C stops them
	@bash scripts/run.sh

test: ## everything CI runs: fmt check, clippy, all tests against real PostgreSQL and Redis
	@bash scripts/test.sh

build: ## release build of every binary
	@bash scripts/cargo.sh build --release --workspace --bins

fmt: ## format all code
	@bash scripts/cargo.sh fmt --all

lint: ## clippy on every crate and target, warnings are errors
	@bash scripts/cargo.sh clippy --workspace --all-targets -- -D warnings

bench: ## the benchmark of DESIGN.md section 9, recorded in BENCHMARKS.md (flags: BENCH_ARGS='...')
	@bash scripts/bench.sh $(BENCH_ARGS)

clean-data: ## delete ./data (JWT key, uploads, logs) without asking; databases are kept
	@bash scripts/clean-data.sh
