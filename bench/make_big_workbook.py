"""Writes a large .xlsx for `make bench-workbook`: ROWS rows × 12 columns
(strings, numbers, dates, booleans) with XlsxWriter's constant_memory mode.
Usage: make_big_workbook.py OUT.xlsx [ROWS]. Deterministic."""

import datetime as dt
import sys

import xlsxwriter

out = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
wb = xlsxwriter.Workbook(out, {"constant_memory": True})
wb.set_properties({"created": dt.datetime(2024, 1, 1)})
dtf = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
df = wb.add_format({"num_format": "yyyy-mm-dd"})
ws = wb.add_worksheet("Events")
header = ["id", "user_id", "email", "event", "created_at", "day", "price", "quantity",
          "paid", "country", "plan", "note"]
ws.write_row(0, 0, header)
start = dt.datetime(2024, 1, 1)
events = ["Order Completed", "Signed Up", "Page Viewed", "Cart Viewed"]
plans = ["free", "pro", "team"]
countries = ["FR", "US", "DE", "JP", "BR"]
for i in range(1, rows + 1):
    t = start + dt.timedelta(seconds=37 * i)
    ws.write_string(i, 0, f"E-{i:07}")
    ws.write_string(i, 1, f"user-{i % 9973}")
    ws.write_string(i, 2, f"user{i % 9973}@example.com")
    ws.write_string(i, 3, events[i % 4])
    ws.write_datetime(i, 4, t, dtf)
    ws.write_datetime(i, 5, dt.datetime(t.year, t.month, t.day), df)
    ws.write_number(i, 6, (i % 10000) / 100)
    ws.write_number(i, 7, i % 7)
    ws.write_boolean(i, 8, i % 3 == 0)
    ws.write_string(i, 9, countries[i % 5])
    ws.write_string(i, 10, plans[i % 3])
    ws.write_string(i, 11, "gift, wrapped" if i % 11 == 0 else "")
wb.close()
