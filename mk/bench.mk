# The browser benchmark (bench/): this project's pipeline vs Papa Parse + JS,
# vs uDSV + the same JS, and vs the bare parse, in headless Chromium, in a
# Web Worker.
#
#   make bench       ~132 MB and ~1 GB generated CSVs (bench/data/, kept between
#                    runs), delivery at concurrency 1/4/8; writes bench/results.md
#   make test-bench  the same on small files, to prove it works (part of
#                    make test; its numbers mean nothing and fail nothing)
#
# Settings are environment variables read by bench/run.mjs (BENCH_ROWS, ...).

BENCH_SMALL := BENCH_ROWS=20000 BENCH_RUNS=1 BENCH_BIG_ROWS=0 BENCH_DELIVERY_ROWS=5000 \
  BENCH_OUT=test-output/bench-small.md

.PHONY: bench test-bench

# Function names in the wasm, for the profile section of the results.
bench: PKG_DEBUG_NAMES = -g
bench: pkg cli tools-chromium
	CLI=$(CLI) node bench/run.mjs

test-bench: pkg cli tools-chromium
	$(BENCH_SMALL) CLI=$(CLI) node bench/run.mjs > /dev/null

EXTRA_TESTS += test-bench
