# The browser app (index.html, src/app/, src/bin/app.rs, src/bin/worker.rs).
#
#   make dist       build dist/ with Trunk, offline (relative URLs: serve it from any path)
#   make serve-app  serve dist/ on http://127.0.0.1:8080 (APP_PORT=...)
#   make test-app   build dist/ and the CLI, then the Playwright end-to-end tests:
#                   the whole flow, then a reload mid-send resumed and a send
#                   through injected faults (screenshots in test-output/screenshots/)
#   make test-app-components
#                   the steps' component tests (src/app/component_tests/) in
#                   headless Chromium with wasm-bindgen-test-runner
#
# Trunk with --offline uses only the wasm-bindgen and wasm-opt on PATH that
# match Trunk.toml's [tools]; the top Makefile puts node_modules/.bin (npm
# binaryen 132) on PATH. The app's wasm is built with [profile.app]
# (opt-level "z", panic abort); [profile.release] stays the CLI's.

APP_PORT ?= 8080

.PHONY: dist serve-app test-app test-app-components lint-app

dist: tools-npm
	cargo fetch
	trunk build --release --offline
	@for f in dist/app_bg.wasm dist/worker_bg.wasm; do \
	  printf '%s: %s bytes, %s gzip\n' $$f "$$(wc -c < $$f)" "$$(gzip -9c $$f | wc -c)"; done

serve-app: dist
	node tests/e2e/serve.mjs dist $(APP_PORT)

test-app: dist cli tools-chromium
	CLI=$(CLI) node tests/e2e/app.test.mjs
	CLI=$(CLI) node tests/e2e/resume.test.mjs
	CLI=$(CLI) node tests/e2e/values.test.mjs
	node tests/e2e/edges.test.mjs
	CLI=$(CLI) node tests/e2e/fixgrid.test.mjs

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
