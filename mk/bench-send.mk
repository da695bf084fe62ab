# End to end against Segment's own libraries (bench/send/): one generated CSV
# imported into the local receiver by this project's CLI, by its package in
# headless Chromium, by @segment/analytics-node and by
# segment-analytics-python, on loopback and over a shaped 20 Mbit/s, 50 ms
# uplink; wall time, msg/s, requests, bytes on the wire, peak memory, and
# every row exactly once at the receiver.
#
#   make bench-send       1M rows (~132 MB); writes its section of bench/results.md;
#                         fails if this project's senders lose or duplicate a row
#                         (a Segment library doing so is reported, not a failure)
#   make test-bench-send  the same on 2,000 rows, to prove it works (part of
#                         make test): fails if a sender loses or duplicates a
#                         row; its timings mean nothing and fail nothing
#
# Settings are environment variables read by bench/send/run.mjs
# (BENCH_SEND_ROWS, BENCH_SEND_LIB_ROWS, BENCH_SEND_SENDERS, BENCH_SEND_LINKS,
# BENCH_SEND_CLI_ARGS="--compress gzip", BENCH_SEND_BROWSER_OPTIONS='{...}').

BENCH_VENV := target/bench-venv

.PHONY: bench-send test-bench-send

# segment-analytics-python, pinned in bench/send/requirements.txt, in a venv.
$(BENCH_VENV)/.installed: bench/send/requirements.txt
	@command -v /usr/bin/time >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; }
	@python3 -m venv --help >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check -r bench/send/requirements.txt
	@touch $@

bench-send: pkg cli tools-npm tools-chromium $(BENCH_VENV)/.installed
	BENCH_SEND_STRICT=ours CLI=$(CLI) PYTHON=$(BENCH_VENV)/bin/python node bench/send/run.mjs

test-bench-send: pkg cli tools-npm tools-chromium $(BENCH_VENV)/.installed
	BENCH_SEND_ROWS=2000 BENCH_SEND_LINKS=direct,shaped,cdp BENCH_SEND_LINK_CHECK=warn BENCH_SEND_NODE_FLUSH_INTERVAL=200 BENCH_SEND_OUT=test-output/bench-send-small.md \
	  CLI=$(CLI) PYTHON=$(BENCH_VENV)/bin/python node bench/send/run.mjs > /dev/null

EXTRA_TESTS += test-bench-send
