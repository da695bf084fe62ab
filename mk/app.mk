# The browser app (index.html, src/app/, src/bin/app.rs, src/bin/worker.rs).
#
#   make dist       build dist/ with Trunk, offline (relative URLs: serve it from any path)
#   make serve-app  serve dist/ on http://127.0.0.1:8080 (APP_PORT=...)
#   make test-app   build dist/ and the CLI, then the Playwright end-to-end test
#                   (screenshots in test-output/screenshots/)
#
# Trunk with --offline uses only the wasm-bindgen and wasm-opt on PATH that
# match Trunk.toml's [tools]; the top Makefile puts node_modules/.bin (npm
# binaryen 132) on PATH. The app's wasm is built with [profile.app]
# (opt-level "z", panic abort); [profile.release] stays the CLI's.

APP_PORT ?= 8080

.PHONY: dist serve-app test-app

dist: tools-npm
	cargo fetch
	trunk build --release --offline
	@for f in dist/app_bg.wasm dist/worker_bg.wasm; do \
	  printf '%s: %s bytes, %s gzip\n' $$f "$$(wc -c < $$f)" "$$(gzip -9c $$f | wc -c)"; done

serve-app: dist
	node tests/e2e/serve.mjs dist $(APP_PORT)

test-app: dist cli tools-chromium
	CLI=$(CLI) node tests/e2e/app.test.mjs

EXTRA_TESTS += test-app
