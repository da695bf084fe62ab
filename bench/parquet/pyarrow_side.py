"""The Parquet memory benchmark's Python side (make bench-parquet).

    python pyarrow_side.py generate OUT ROWS ROW_GROUP
        writes OUT: the fixtures' events schema (tests/tables/make_parquet.py),
        ROWS rows in row groups of ROW_GROUP, snappy; deterministic.
    python pyarrow_side.py read_table FILE
    python pyarrow_side.py iter_batches FILE
        what a user would otherwise write to turn the file into JSON lines:
        pq.read_table(FILE).to_pylist(), or pq.ParquetFile(FILE).iter_batches()
        batch by batch (4,096 rows); each row json.dumps'ed (and dropped). Prints the rows,
        the time and the peak resident memory (VmHWM).
"""

import datetime as dt
import decimal
import json
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, "tests/tables")
import make_parquet as fx  # noqa: E402  (the fixtures' schema and values)


def generate(out, rows, group):
    writer = pq.ParquetWriter(out, fx.SCHEMA, compression="snappy")
    for start in range(0, rows, group):
        end = min(rows, start + group)
        n = end - start
        ns = [fx.BASE_NS + i * fx.STEP_NS // 1000 for i in range(start, end)]
        by_unit = lambda per: pa.array([v // per for v in ns], pa.int64())
        arrays = [
            pa.array([f"user-{i % 9973:04d}" for i in range(start, end)]),
            pa.array([fx.EVENTS[i % 3] for i in range(start, end)]),
            by_unit(10**6).cast(pa.timestamp("ms", tz="UTC")),
            by_unit(10**3).cast(pa.timestamp("us", tz="UTC")),
            by_unit(1).cast(pa.timestamp("ns", tz="UTC")),
            by_unit(10**3).cast(pa.timestamp("us")),
            by_unit(10**6).cast(pa.timestamp("ms", tz="America/New_York")),
            pa.array([fx.amount(i) for i in range(start, end)], pa.decimal128(12, 2)),
            pa.array([v // 10**9 // 86400 for v in ns], pa.int32()).cast(pa.date32()),
            pa.array(range(start, end), pa.int64()),
            pa.array([None if i % 97 == 7 else i * 0.5 + 0.25 for i in range(start, end)]),
            pa.array(
                [{"city": fx.CITIES[i % 5], "zip": f"{(i * 7919) % 100000:05d}"} for i in range(start, end)],
                fx.SCHEMA.field("address").type,
            ),
            pa.array([fx.tags(i) for i in range(start, end)], pa.list_(pa.string())),
        ]
        writer.write_table(pa.Table.from_arrays(arrays, schema=fx.SCHEMA), row_group_size=n)
    writer.close()


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1e3
    return float("nan")


def as_json(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(type(value))


def microseconds(tabular):
    """Python's datetime stops at microseconds: without pandas, to_pylist
    refuses nanosecond timestamps that are not whole microseconds, so
    ts_ns is cast first (what a user has to do too)."""
    i = tabular.schema.get_field_index("ts_ns")
    column = tabular.column(i).cast(pa.timestamp("us", tz="UTC"), safe=False)
    return tabular.set_column(i, "ts_ns", column)


def read(mode, path):
    start = time.time()
    rows = 0
    if mode == "read_table":
        for row in microseconds(pq.read_table(path)).to_pylist():
            json.dumps(row, default=as_json)
            rows += 1
    else:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
            for row in microseconds(batch).to_pylist():
                json.dumps(row, default=as_json)
                rows += 1
    secs = time.time() - start
    print(f"pyarrow {mode:<13} {rows:,} rows, {secs:.2f} s, peak RSS (VmHWM) {peak_rss_mb():.1f} MB")


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        read(sys.argv[1], sys.argv[2])
