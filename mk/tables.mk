# Workbook and Parquet fixtures, written by the writers people use
# (XlsxWriter, openpyxl, odfpy, xlwt, pyarrow; pinned in
# tests/tables/requirements.txt) into target/fixtures/tables/.
#
#   make fixtures-tables   write them (once; again when a script changes)

FIXTURES_VENV := target/fixtures-venv
TABLE_FIXTURES := target/fixtures/tables

.PHONY: fixtures-tables

$(FIXTURES_VENV)/.installed: tests/tables/requirements.txt
	@python3 -m venv --help >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }
	python3 -m venv $(FIXTURES_VENV)
	$(FIXTURES_VENV)/bin/pip install -q --disable-pip-version-check -r tests/tables/requirements.txt
	@touch $@

$(TABLE_FIXTURES)/.made: $(FIXTURES_VENV)/.installed $(wildcard tests/tables/make_*.py)
	@mkdir -p $(TABLE_FIXTURES)
	set -e; for script in $(wildcard tests/tables/make_*.py); do \
	  $(FIXTURES_VENV)/bin/python $$script $(TABLE_FIXTURES); done
	@touch $@

fixtures-tables: $(TABLE_FIXTURES)/.made

# The native tests read the fixtures (tests/table_*.rs).
test-native: fixtures-tables

# Peak memory and time of reading a large sheet (BENCH_WORKBOOK_ROWS rows ×
# 12 columns, written by XlsxWriter in constant_memory mode into target/)
# through TableStream; release build. Not part of `make test`.
BENCH_WORKBOOK_ROWS ?= 300000
BENCH_WORKBOOK := target/bench/workbook-$(BENCH_WORKBOOK_ROWS).xlsx

.PHONY: bench-workbook

$(BENCH_WORKBOOK): $(FIXTURES_VENV)/.installed bench/make_big_workbook.py
	@mkdir -p $(dir $@)
	$(FIXTURES_VENV)/bin/python bench/make_big_workbook.py $@ $(BENCH_WORKBOOK_ROWS)

bench-workbook: $(BENCH_WORKBOOK)
	cargo run --release --features tables --example bench_workbook -- $(BENCH_WORKBOOK)

# Peak memory reading Parquet (not part of `make test`): a generated file of
# 2,000,000 rows in ten row groups of 200,000 (snappy), read through
# TableStream alone and into the pipeline (release build), then the same
# rows turned into JSON lines with pyarrow, whole-table and batch by batch.
#
#   make bench-parquet

BENCH_PARQUET := target/bench-parquet/events-2m.parquet

.PHONY: bench-parquet

$(BENCH_PARQUET): bench/parquet/pyarrow_side.py tests/tables/make_parquet.py $(FIXTURES_VENV)/.installed
	@mkdir -p $(dir $@)
	$(FIXTURES_VENV)/bin/python bench/parquet/pyarrow_side.py generate $@ 2000000 200000

bench-parquet: $(BENCH_PARQUET)
	cargo build --release --features tables --example bench_parquet
	@echo "--- segment-backfill: TableStream alone"
	target/release/examples/bench_parquet $(BENCH_PARQUET)
	@echo "--- segment-backfill: TableStream into the pipeline (tests/tables/events.mapping.json)"
	target/release/examples/bench_parquet $(BENCH_PARQUET) tests/tables/events.mapping.json
	@echo "--- pyarrow $$($(FIXTURES_VENV)/bin/python -c 'import pyarrow; print(pyarrow.__version__)')"
	$(FIXTURES_VENV)/bin/python bench/parquet/pyarrow_side.py iter_batches $(BENCH_PARQUET)
	$(FIXTURES_VENV)/bin/python bench/parquet/pyarrow_side.py read_table $(BENCH_PARQUET)
