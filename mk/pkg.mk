# The npm package `segment-backfill` (pkg/) and its tests.
#
#   make pkg        build pkg/: wasm-bindgen --target web, wasm-opt -O3, the entry
#                   (src/js/entry/: index.js, node.js for the "node" condition,
#                   worker.js and in-worker.js for the *InWorker functions,
#                   error.js, index.d.ts; element.js and its element-*.js modules,
#                   element.d.ts: <segment-backfill-import>), the generated types
#                   tidied (mk/pkg-types.mjs), package.json, README.md
#                   (docs/package-readme.md), API.md (docs/js-api.md), ELEMENT.md
#                   (docs/element.md) and LICENSE;
#                   with the tables module (tables.js, tables_bg.wasm: workbooks and
#                   Parquet), which the package imports only when such a file is read
#   make test-pkg   build pkg/, the CLI and the table fixtures, then the Node tests
#                   and the browser tests (one file each for several files as one
#                   import: node-files, browser-files; for the write-key check
#                   and the targets: node-targets, browser-key-check; where
#                   JavaScript enters: node-boundary; the packed tarball in a
#                   Node project: node-consumer; tsc over a consumer: types;
#                   the packed tarball in apps built with Vite, webpack and
#                   esbuild, on Vite's dev server and through an import map,
#                   importing on the page and in the worker: bundlers;
#                   <segment-backfill-import> on a plain page: element; in
#                   React 19, Vue 3 and Svelte 5 apps, the components
#                   docs/element.md shows, built with esbuild, svelte/compiler
#                   and vue/compiler-sfc: element-frameworks)
#
# The lib is built as a cdylib with `cargo rustc --crate-type cdylib`, so
# Cargo.toml's crate-type stays as it is, at PKG_OPT_LEVEL (set on the command
# line: [profile.release] is the CLI's). wasm-opt is npm binaryen 132 from
# node_modules/.bin (on PATH via the top Makefile): Debian's cannot read
# current rustc output.

PKG_DIR        := pkg
PKG_NAME       := segment_backfill
PKG_CARGO_DIR  := $(or $(CARGO_TARGET_DIR),target)
PKG_RAW_WASM   := $(PKG_CARGO_DIR)/wasm32-unknown-unknown/release/$(PKG_NAME).wasm
# Speed over size: the package does the heavy work. Measured in Chromium
# (make bench, 132 MB CSV): opt-level 3 runs the pipeline at ~90 MB/s against
# ~62 MB/s at "z", for 462 KB gzip against 376 KB ("s": 77 MB/s, 395 KB).
PKG_OPT_LEVEL  ?= 3
PKG_WASM_OPT_LEVEL ?= -O3
# PKG_DEBUG_NAMES=-g keeps function names for profiles (make bench sets it;
# it adds a name section, no code).
PKG_DEBUG_NAMES ?=
PKG_WASM_OPT_FLAGS = $(PKG_WASM_OPT_LEVEL) $(PKG_DEBUG_NAMES) --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue

.PHONY: pkg test-pkg test-pkg-node test-pkg-browser

pkg: tools-npm $(TABLES_WEB)/tables_bg.wasm
	cargo rustc --lib --release --target $(WASM_TARGET) --features js --crate-type cdylib \
	  --config 'profile.release.opt-level=$(PKG_OPT_LEVEL)'
	rm -rf $(PKG_DIR)
	wasm-bindgen --target web --out-dir $(PKG_DIR) --out-name $(PKG_NAME) $(PKG_RAW_WASM)
	wasm-opt $(PKG_WASM_OPT_FLAGS) $(PKG_DIR)/$(PKG_NAME)_bg.wasm -o $(PKG_DIR)/$(PKG_NAME)_bg.wasm
	cp $(TABLES_WEB)/tables.js $(TABLES_WEB)/tables.d.ts $(TABLES_WEB)/tables_bg.wasm \
	  $(TABLES_WEB)/tables_bg.wasm.d.ts $(PKG_DIR)/
	node mk/pkg-types.mjs $(PKG_DIR)
	cp src/js/entry/*.js src/js/entry/*.d.ts $(PKG_DIR)/
	node mk/pkg-manifest.mjs $(PKG_DIR)
	cp docs/package-readme.md $(PKG_DIR)/README.md
	cp docs/js-api.md $(PKG_DIR)/API.md
	cp docs/element.md $(PKG_DIR)/ELEMENT.md
	cp LICENSE $(PKG_DIR)/LICENSE
	@for f in $(PKG_DIR)/$(PKG_NAME)_bg.wasm $(PKG_DIR)/tables_bg.wasm; do \
	  printf '%s: %s bytes, %s gzip\n' $$f "$$(wc -c < $$f)" "$$(gzip -9c $$f | wc -c)"; done

# The CLI the tests compare against is built in the repo's own target dir.
test-pkg: pkg fixtures-tables
	env -u CARGO_TARGET_DIR cargo build --release --features cli
	$(MAKE) --no-print-directory test-pkg-node test-pkg-browser

test-pkg-node:
	node --test tests/js/node.test.mjs tests/js/node-files.test.mjs tests/js/node-targets.test.mjs \
	  tests/js/node-boundary.test.mjs tests/js/node-consumer.test.mjs tests/js/types.test.mjs

test-pkg-browser:
	node --test tests/js/browser.test.mjs tests/js/browser-files.test.mjs tests/js/browser-key-check.test.mjs \
	  tests/js/browser-worker.test.mjs tests/js/bundlers.test.mjs tests/js/element.test.mjs \
	  tests/js/element-frameworks.test.mjs

EXTRA_TESTS += test-pkg
