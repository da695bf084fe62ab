"""The Parquet fixtures, written by pyarrow (pinned in requirements.txt).

    python make_parquet.py OUT_DIR

writes into OUT_DIR:

- events-{none,snappy,gzip,lz4,zstd,brotli}.parquet: the same 1,000 events,
  one file per codec, in row groups of 250 rows, with page checksums;
- events.ndjson: the canonical NDJSON those files must read as, byte for
  byte (see src/source/table/mod.rs): timestamps as ISO 8601 (`Z` for UTC,
  the offset for another zone, no zone for a naive column; 0, 3, 6 or 9
  fractional digits, as few as the value needs), decimals as strings of
  their exact digits, dates as `YYYY-MM-DD`, nulls left out.

Everything is computed from the row number: the output is the same on every
run.
"""

import datetime as dt
import decimal
import json
import os
import sys
import zoneinfo

import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 1000
ROW_GROUP = 250
BIG = 2**53 + 1  # not a double: must come out exactly
BIG_ROW = 500  # 0-based
NULL_SCORE_ROW = 7
# 2024-03-01T00:00:00Z; rows are ~1 h apart, so New York crosses into DST
# on 2024-03-10.
BASE_NS = 1_709_251_200 * 10**9
STEP_NS = 3_607_123_456_789
CITIES = ["Boston", "São Paulo", "Zürich", "Paris", "Osaka"]
EVENTS = ["Order Completed", "Product Viewed", "Signed Up"]
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def ns_of(i):
    return BASE_NS + i * STEP_NS


def truncate(ns, unit):
    per = {"ms": 10**6, "us": 10**3, "ns": 1}[unit]
    return ns // per * per


def fraction(ns):
    """chrono's AutoSi: as few of 0, 3, 6 or 9 digits as the value needs."""
    frac = ns % 10**9
    if frac == 0:
        return ""
    if frac % 10**6 == 0:
        return f".{frac // 10**6:03d}"
    if frac % 10**3 == 0:
        return f".{frac // 10**3:06d}"
    return f".{frac:09d}"


def iso(ns, zone=None):
    secs = ns // 10**9
    utc = dt.datetime.fromtimestamp(secs, dt.timezone.utc)
    if zone is None:
        return utc.replace(tzinfo=None).isoformat() + fraction(ns)
    local = utc.astimezone(zone)
    offset = local.isoformat()[19:]
    text = local.replace(tzinfo=None).isoformat() + fraction(ns)
    return text + ("Z" if zone is dt.timezone.utc else offset)


def amount(i):
    cents = (i * 1_234_567) % 10**9
    if i % 10 == 3:
        cents = -cents
    return decimal.Decimal(cents).scaleb(-2)


def tags(i):
    return [f"t{(i + k) % 7}" for k in range(i % 4)]


def rows():
    for i in range(ROWS):
        ns = ns_of(i)
        yield {
            "user_id": f"user-{i % 97:03d}",
            "event": EVENTS[i % len(EVENTS)],
            "ts_ms": truncate(ns, "ms"),
            "ts_us": truncate(ns, "us"),
            "ts_ns": ns,
            "naive": truncate(ns, "us"),
            "ts_ny": truncate(ns, "ms"),
            "amount": amount(i),
            "day": (ns // 10**9) // 86400,
            "quantity": BIG if i == BIG_ROW else i,
            "score": None if i == NULL_SCORE_ROW else i * 0.5 + 0.25,
            "address": {"city": CITIES[i % len(CITIES)], "zip": f"{(i * 7919) % 100000:05d}"},
            "tags": tags(i),
        }


SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("event", pa.string()),
        ("ts_ms", pa.timestamp("ms", tz="UTC")),
        ("ts_us", pa.timestamp("us", tz="UTC")),
        ("ts_ns", pa.timestamp("ns", tz="UTC")),
        ("naive", pa.timestamp("us")),
        ("ts_ny", pa.timestamp("ms", tz="America/New_York")),
        ("amount", pa.decimal128(12, 2)),
        ("day", pa.date32()),
        ("quantity", pa.int64()),
        ("score", pa.float64()),
        ("address", pa.struct([("city", pa.string()), ("zip", pa.string())])),
        ("tags", pa.list_(pa.string())),
    ]
)


def table(data):
    columns = {name: [r[name] for r in data] for name in SCHEMA.names}
    # Timestamps are given as integers of their own unit.
    arrays = []
    for field in SCHEMA:
        values = columns[field.name]
        if pa.types.is_timestamp(field.type):
            per = {"ms": 10**6, "us": 10**3, "ns": 1}[field.type.unit]
            arrays.append(pa.array([v // per for v in values], pa.int64()).cast(field.type))
        elif pa.types.is_date32(field.type):
            arrays.append(pa.array(values, pa.int32()).cast(field.type))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def canonical(r):
    """One row as the canonical NDJSON reads it."""
    out = {
        "user_id": r["user_id"],
        "event": r["event"],
        "ts_ms": iso(r["ts_ms"], dt.timezone.utc),
        "ts_us": iso(r["ts_us"], dt.timezone.utc),
        "ts_ns": iso(r["ts_ns"], dt.timezone.utc),
        "naive": iso(r["naive"]),
        "ts_ny": iso(r["ts_ny"], NEW_YORK),
        "amount": str(r["amount"]),
        "day": (dt.date(1970, 1, 1) + dt.timedelta(days=r["day"])).isoformat(),
        "quantity": r["quantity"],
    }
    if r["score"] is not None:
        out["score"] = r["score"]
    out["address"] = r["address"]
    out["tags"] = r["tags"]
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    data = list(rows())
    t = table(data)
    for codec in ["none", "snappy", "gzip", "lz4", "zstd", "brotli"]:
        pq.write_table(
            t,
            os.path.join(out_dir, f"events-{codec}.parquet"),
            compression=codec,
            row_group_size=ROW_GROUP,
            write_page_checksum=True,
        )
    with open(os.path.join(out_dir, "events.ndjson"), "w", encoding="utf-8", newline="\n") as f:
        for r in data:
            f.write(canonical(r) + "\n")


if __name__ == "__main__":
    main()
