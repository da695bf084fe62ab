# segment-backfill — every command a developer or CI needs.
#
#   make test   install what is missing (idempotent), then run every check
#   make run    build and serve the app with a local Segment-compatible receiver
#   make cli    build the native command at target/release/segment-backfill
#
# Tools are installed only when missing or at the wrong version, so a second
# `make test` spends its time on tests, not installs.

SHELL := /bin/bash
.DEFAULT_GOAL := help

TRUNK_VERSION        := 0.21.14
WASM_BINDGEN_VERSION := 0.2.130
WASM_TARGET          := wasm32-unknown-unknown
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

CLI := target/release/segment-backfill

.PHONY: help tools tools-rust tools-npm tools-chromium tools-clang test lint test-native test-wasm soak cli run bench-native clean

help:
	@echo "make test          install missing tools, then fmt, clippy, native, wasm and browser tests"
	@echo "make run           build and serve the app on http://127.0.0.1:8080 with a local receiver on :8787"
	@echo "make dist          the app as static files in dist/ (any host, any sub-path)"
	@echo "make dist-single   the app as one HTML file that works opened from disk (dist-single/)"
	@echo "make release       release/: the single file, dist/ as .tar.gz, the npm tarball, the CLI, SHA256SUMS"
	@echo "make pkg           the npm package in pkg/"
	@echo "make cli           build $(CLI)"
	@echo "make bench         browser benchmark vs Papa Parse and uDSV on generated 132 MB and 1 GB CSVs (bench/results.md)"
	@echo "make bench-send    end to end vs Segment's analytics-node and analytics-python, loopback and 20 Mbit/s (bench/results.md)"
	@echo "make bench-native  parse and pipeline speed on a generated ~100 MB CSV (release build)"
	@echo "make bench-workbook  peak memory and time reading a 300,000-row .xlsx (docs/workbooks.md)"
	@echo "make bench-parquet   peak memory reading a 2M-row Parquet file of 10 row groups, beside pyarrow"
	@echo "make fixtures-tables the workbook and Parquet test files, written by XlsxWriter, odfpy, xlwt and pyarrow"
	@echo "make soak          the randomized send-path test at length (SOAK_SCENARIOS, default 200000; release build)"

# --- tools ---------------------------------------------------------------

tools: tools-rust tools-npm tools-chromium tools-clang

tools-rust:
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
	@trunk --version 2>/dev/null | grep -q ' $(TRUNK_VERSION)$$' || cargo install --locked trunk --version $(TRUNK_VERSION)
	@# wasm-bindgen-cli must not be installed --locked: its lockfile names a crate the registry lacks.
	@wasm-bindgen --version 2>/dev/null | grep -q ' $(WASM_BINDGEN_VERSION)$$' || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

tools-npm: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

tools-chromium:
	@if ! { command -v chromium && command -v chromedriver; } >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; fi

# clang and llvm-ar build Parquet's zstd codec (C) into the browser's tables
# module (zstd-sys compiles it for wasm32 with its own libc shim).
tools-clang:
	@if ! { command -v clang && command -v llvm-ar; } >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang llvm; fi

# --- checks --------------------------------------------------------------

# mk/*.mk add their own checks to EXTRA_TESTS (the JS package, the app...).
EXTRA_TESTS :=
-include mk/*.mk

test: tools lint test-native test-wasm $(EXTRA_TESTS)
	@echo "make test: all checks passed"

lint: tools-clang
	cargo fmt --all -- --check
	cargo clippy --all-targets --features cli -- -D warnings
	cargo clippy --lib --target $(WASM_TARGET) --features js -- -D warnings
	cargo clippy --lib --target $(WASM_TARGET) --features tables-js -- -D warnings

test-native:
	cargo test --features cli

# The randomized whole-path test (tests/session_random.rs) at length: the
# same scenarios as in `make test` and many more, in a release build. A
# failure prints the seed that reproduces it (SESSION_SEED=...).
SOAK_SCENARIOS ?= 200000
soak:
	SESSION_SCENARIOS=$(SOAK_SCENARIOS) SESSION_BASE=$${SESSION_BASE:-$$(date +%s)} \
	  cargo test --release --features cli --test session_random -- --nocapture

# The core must build for the browser with no web or network dependency.
test-wasm:
	cargo build --lib --target $(WASM_TARGET)

# --- builds --------------------------------------------------------------

cli:
	cargo build --release --features cli

# The app on :8080 and the local receiver on :8787 (the app's "Local
# receiver" destination); accepted messages go to received.ndjson.
run: cli dist
	@echo "App:      http://127.0.0.1:8080  (try www/sample.csv)"
	@echo "Receiver: http://127.0.0.1:8787/v1/batch, messages in received.ndjson, counts at /stats"
	@$(CLI) receive --listen 127.0.0.1:8787 --out received.ndjson & recv=$$!; \
	  trap 'kill $$recv 2>/dev/null' EXIT INT TERM; \
	  node tests/e2e/serve.mjs dist 8080

bench-native:
	cargo run --release --example bench_native --features cli

clean:
	cargo clean
	rm -rf dist pkg test-output
