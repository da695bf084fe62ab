"""`make bench-send`: the import the way Segment's guide recommends in Python,
with its own library (segment-analytics-python): the standard library's csv
reader, the same track messages as bench/send/mapping.json, gzip=True and the
largest batch (upload_size 2,500, Segment's limit; the library also cuts a
batch at 475,000 bytes).

    python bench/send/analytics_python.py FILE HOST

The library's queue holds 10,000 messages and drops what does not fit
(track answers False): this script waits and tries again, as a careful user
would, so memory stays bounded and no row is dropped on purpose.
Prints {"rows": N, "errors": N, "retries": N} as JSON.
"""

import csv
import json
import logging
import sys
import time
from datetime import datetime

from segment.analytics import Client

TEXT = ["order_id", "email", "shipped_at", "currency", "product", "note", "country"]


def main():
    path, host = sys.argv[1], sys.argv[2]
    logging.getLogger("segment").setLevel(logging.ERROR)
    errors = []
    client = Client(
        "bench-write-key",
        host=host,
        gzip=True,
        upload_size=2500,
        on_error=lambda e, batch: errors.append(len(batch)),
    )
    rows = retries = 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows += 1
            properties = {"revenue": float(row["price"]), "quantity": int(row["quantity"])}
            for k in TEXT:
                if row[k] != "":
                    properties[k] = row[k]
            timestamp = datetime.fromisoformat(row["created_at"])
            while True:
                ok, _ = client.track(
                    user_id=row["user_id"], event=row["event"], properties=properties, timestamp=timestamp
                )
                if ok:
                    break
                retries += 1
                time.sleep(0.005)
    client.flush()
    client.join()
    print(json.dumps({"rows": rows, "errors": sum(errors), "retries": retries}))


if __name__ == "__main__":
    main()
