# The browser app (index.html, src/app/, src/bin/app.rs, src/bin/worker.rs).
#
#   make dist       build dist/ with Trunk, offline (relative URLs: serve it from any path)
#   make serve-app  serve dist/ on http://127.0.0.1:8080 (APP_PORT=...)
#   make test-app   build dist/ and the CLI, then the Playwright end-to-end tests:
#                   the whole flow, a workbook and a Parquet file (fixtures from
#                   make fixtures-tables), then a reload mid-send resumed and a
#                   send through injected faults, then several files as one
#                   import (an archive folder, three monthly CSVs resumed after
#                   a reload, a folder of workbooks) compared with the CLI's
#                   batches, then the write-key check against a stand-in CDN
#                   (screenshots in test-output/screenshots/)
#   make test-app-components
#                   the steps' component tests (src/app/component_tests/) in
#                   headless Chromium with wasm-bindgen-test-runner
#
# Trunk with --offline uses only the wasm-bindgen and wasm-opt on PATH that
# match Trunk.toml's [tools]; the top Makefile puts node_modules/.bin (npm
# binaryen 132) on PATH. The app's wasm is built with [profile.app]
# (opt-level "z", panic abort); [profile.release] stays the CLI's.

APP_PORT ?= 8080

# The tables module (src/source/table/js.rs): workbooks and Parquet read into
# canonical text, a second wasm that the worker loads only when such a file
# is picked. Built for speed like the worker ([profile.app-tables]).
# $(call tables-wasm,BINDGEN_TARGET,OUT_DIR,BINDGEN_FLAGS) builds it for any
# wasm-bindgen target: the app's dist/ takes `no-modules` under its own
# global (the worker's glue already owns `wasm_bindgen`).
TABLES_CARGO_DIR := $(or $(CARGO_TARGET_DIR),target)
TABLES_RAW_WASM  := $(TABLES_CARGO_DIR)/$(WASM_TARGET)/app-tables/segment_backfill.wasm
TABLES_WASM_OPT_FLAGS := -O3 --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue

define tables-wasm
cargo rustc --lib --profile app-tables --target $(WASM_TARGET) --features tables-js --crate-type cdylib
wasm-bindgen --target $(1) $(3) --out-dir $(2) --out-name tables $(TABLES_RAW_WASM)
wasm-opt $(TABLES_WASM_OPT_FLAGS) $(2)/tables_bg.wasm -o $(2)/tables_bg.wasm
endef

.PHONY: dist serve-app test-app test-app-components lint-app

# Built into target/ and copied, so a `make dist` with no source changed
# spends no time on it (wasm-opt -O3 of the module takes minutes), and
# Trunk's rebuild of dist/ cannot remove it.
TABLES_SOURCES := $(shell find src -name '*.rs') Cargo.toml Cargo.lock
TABLES_NO_MODULES := $(TABLES_CARGO_DIR)/tables/no-modules

$(TABLES_NO_MODULES)/tables_bg.wasm: $(TABLES_SOURCES) | tools-clang
	@mkdir -p $(TABLES_NO_MODULES)
	$(call tables-wasm,no-modules,$(TABLES_NO_MODULES),--no-typescript --no-modules-global segment_backfill_tables)

# The package's copy (an ES module: --target web), the same way.
TABLES_WEB := $(TABLES_CARGO_DIR)/tables/web

$(TABLES_WEB)/tables_bg.wasm: $(TABLES_SOURCES) | tools-clang
	@mkdir -p $(TABLES_WEB)
	$(call tables-wasm,web,$(TABLES_WEB),)

dist: tools-npm $(TABLES_NO_MODULES)/tables_bg.wasm
	cargo fetch
	trunk build --release --offline
	cp $(TABLES_NO_MODULES)/tables.js $(TABLES_NO_MODULES)/tables_bg.wasm dist/
	@for f in dist/app_bg.wasm dist/worker_bg.wasm dist/tables_bg.wasm; do \
	  printf '%s: %s bytes, %s gzip\n' $$f "$$(wc -c < $$f)" "$$(gzip -9c $$f | wc -c)"; done

serve-app: dist
	node tests/e2e/serve.mjs dist $(APP_PORT)

test-app: dist cli tools-chromium fixtures-tables
	CLI=$(CLI) node tests/e2e/app.test.mjs
	CLI=$(CLI) node tests/e2e/tables.test.mjs
	CLI=$(CLI) node tests/e2e/resume.test.mjs
	CLI=$(CLI) node tests/e2e/files.test.mjs
	CLI=$(CLI) node tests/e2e/values.test.mjs
	node tests/e2e/edges.test.mjs
	CLI=$(CLI) node tests/e2e/fixgrid.test.mjs
	CLI=$(CLI) node tests/e2e/keycheck.test.mjs

# The runner starts chromedriver and Chromium headless with --no-sandbox
# itself (so it runs as root without a webdriver.json). --lib: the
# integration tests in tests/ are native.
CHROMEDRIVER ?= /usr/bin/chromedriver

test-app-components: tools-rust tools-chromium
	CHROMEDRIVER=$(CHROMEDRIVER) CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test --lib --target $(WASM_TARGET) --features app

# clippy over the app and its component tests (the test profile checks with
# cfg(test)), and over the worker's build (app + js: the send); part of
# `make lint`.
lint-app:
	cargo clippy --lib --profile test --target $(WASM_TARGET) --features app -- -D warnings
	cargo clippy --lib --target $(WASM_TARGET) --features app,js -- -D warnings

lint: lint-app

EXTRA_TESTS += test-app test-app-components
