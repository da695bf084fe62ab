"""Writes the workbook fixtures into the directory given as argv[1].

orders.xlsx (XlsxWriter), orders.ods (odfpy) and orders.xls (xlwt) hold the
same three sheets: "Cover" (no cells), "Orders" (a title on row 1, an empty
row 2, the header on row 3, then the orders with an interior empty row and a
#DIV/0! error cell) and "Refunds" (a small second table). orders-1904.xlsx is
"Orders" alone in the 1904 date system. orders.csv is the canonical text the
reader must make of "Orders": the header and rows exactly as they should
read, so the messages made from each file can be compared with it.

Deterministic: the same files on every run (no clock, no randomness).
"""

import csv
import datetime as dt
import sys
from pathlib import Path

import xlsxwriter
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

OUT = Path(sys.argv[1])
HEADER = ["order_id", "user_id", "email", "ordered_at", "ship_date", "total",
          "quantity", "paid", "line_total", "note"]
TITLE = "Orders export"
HEADER_ROW = 3          # the sheet row of the header (1-based)
EMPTY_ROW = 20          # an interior empty sheet row
DIV0_ROW = 27           # the sheet row whose total is #DIV/0!
DIV0 = "#DIV/0!"
NOTES = {5: 'gift, wrapped', 9: 'said "thanks"', 14: "two\nlines"}


def orders():
    """The rows of "Orders", keyed by sheet row; None for the empty row."""
    rows = {}
    sheet_row = HEADER_ROW + 1
    for i in range(50):
        if sheet_row == EMPTY_ROW:
            rows[sheet_row] = None
            sheet_row += 1
        ordered = dt.datetime(2024, 3, 1, 10, 30) + dt.timedelta(hours=7 * i, minutes=13 * i)
        if i == 3:
            ordered = ordered.replace(microsecond=250_000)
        if i == 6:
            ordered = dt.datetime(2024, 3, 4)  # midnight: a date and time cell read as a date
        total = round([12.5, 19.99, 7.0, 120.25, 3.1][i % 5] + i, 2)
        quantity = 1 + i % 4
        rows[sheet_row] = {
            "order_id": f"ORD-{1001 + i}",
            "user_id": f"u{i % 17}",
            "email": f"user{i % 17}@example.com",
            "ordered_at": ordered,
            "ship_date": ordered.date() + dt.timedelta(days=2 + i % 3),
            "total": DIV0 if sheet_row == DIV0_ROW else total,
            "quantity": quantity,
            "paid": i % 3 != 0,
            "line_total": DIV0 if sheet_row == DIV0_ROW else total * quantity,
            "note": NOTES.get(i, ""),
        }
        sheet_row += 1
    return rows


REFUNDS_HEADER = ["refund_id", "order_id", "amount", "refunded_at"]
REFUNDS = [[f"R-{i}", f"ORD-{1001 + 2 * i}", 5.0 + i, dt.date(2024, 4, 1 + i)] for i in range(1, 6)]


def number_text(x):
    """A number as the reader writes it: integral values without ".0"."""
    return str(int(x)) if float(x).is_integer() else repr(x)


def text(value):
    """A cell as the canonical CSV holds it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        ms = value.microsecond // 1000
        base = value.replace(microsecond=0).isoformat()
        return f"{base}.{ms:03}" if ms else base
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return number_text(value)
    return value


def write_csv(rows):
    with open(OUT / "orders.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for r in sorted(rows):
            cells = rows[r]
            w.writerow([""] * len(HEADER) if cells is None else [text(cells[h]) for h in HEADER])


def write_xlsx(path, rows, date_1904=False, with_other_sheets=True):
    wb = xlsxwriter.Workbook(str(path), {"date_1904": date_1904})
    # Fixed document properties: the same bytes on every run.
    wb.set_properties({"created": dt.datetime(2024, 1, 1)})
    dtf = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss.000"})
    df = wb.add_format({"num_format": "yyyy-mm-dd"})
    if with_other_sheets:
        wb.add_worksheet("Cover")
    ws = wb.add_worksheet("Orders")
    ws.write_string(0, 0, TITLE)
    for c, h in enumerate(HEADER):
        ws.write_string(HEADER_ROW - 1, c, h)
    for r, cells in rows.items():
        if cells is None:
            continue
        x = r - 1
        ws.write_string(x, 0, cells["order_id"])
        ws.write_string(x, 1, cells["user_id"])
        ws.write_string(x, 2, cells["email"])
        ws.write_datetime(x, 3, cells["ordered_at"], dtf)
        ws.write_datetime(x, 4, dt.datetime.combine(cells["ship_date"], dt.time(0)), df)
        if cells["total"] == DIV0:
            ws.write_formula(x, 5, "=1/0", None, DIV0)
        else:
            ws.write_number(x, 5, cells["total"])
        ws.write_number(x, 6, cells["quantity"])
        ws.write_boolean(x, 7, cells["paid"])
        ws.write_formula(x, 8, f"=F{r}*G{r}", None, cells["line_total"])
        if cells["note"]:
            ws.write_string(x, 9, cells["note"])
    if with_other_sheets:
        rs = wb.add_worksheet("Refunds")
        for c, h in enumerate(REFUNDS_HEADER):
            rs.write_string(0, c, h)
        for x, row in enumerate(REFUNDS, start=1):
            rs.write_string(x, 0, row[0])
            rs.write_string(x, 1, row[1])
            rs.write_number(x, 2, row[2])
            rs.write_datetime(x, 3, dt.datetime.combine(row[3], dt.time(0)), df)
    wb.close()


# xlwt writes every formula with an empty cached result; the reader reads
# cached results, so the fixture stores them as Excel would after a
# calculation: the FORMULA record's 8-byte result is the IEEE double.
XLS_CACHED = {}
_formula_init = xlwt.BIFFRecords.FormulaRecord.__init__


def _formula_with_result(self, row, col, xf_index, rpn, calc_flags=0):
    import struct
    _formula_init(self, row, col, xf_index, rpn, calc_flags)
    if (row, col) in XLS_CACHED:
        data = bytearray(self._rec_data)
        data[6:14] = struct.pack("<d", XLS_CACHED[(row, col)])
        self._rec_data = bytes(data)


xlwt.BIFFRecords.FormulaRecord.__init__ = _formula_with_result


def serial(value):
    """An Excel serial (1900 date system) of a datetime, to the millisecond."""
    return (value - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)


def write_xls(rows):
    wb = xlwt.Workbook()
    dtf = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss.000")
    df = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    wb.add_sheet("Cover")
    ws = wb.add_sheet("Orders")
    ws.write(0, 0, TITLE)
    for c, h in enumerate(HEADER):
        ws.write(HEADER_ROW - 1, c, h)
    for r, cells in rows.items():
        if cells is None:
            continue
        x = r - 1
        for c, h in enumerate(HEADER[:3]):
            ws.write(x, c, cells[h])
        # xlwt drops a datetime's microseconds: the serial is written instead.
        ws.write(x, 3, serial(cells["ordered_at"]), dtf)
        ws.write(x, 4, cells["ship_date"], df)
        if cells["total"] == DIV0:
            ws.row(x).set_cell_error(5, DIV0)
            # An error result cannot be cached through the patch above.
            ws.row(x).set_cell_error(8, DIV0)
        else:
            ws.write(x, 5, cells["total"])
            XLS_CACHED[(x, 8)] = cells["line_total"]
            ws.write(x, 8, xlwt.Formula(f"F{r}*G{r}"))
        ws.write(x, 6, cells["quantity"])
        ws.write(x, 7, cells["paid"])
        if cells["note"]:
            ws.write(x, 9, cells["note"])
    rs = wb.add_sheet("Refunds")
    for c, h in enumerate(REFUNDS_HEADER):
        rs.write(0, c, h)
    for x, row in enumerate(REFUNDS, start=1):
        for c in range(3):
            rs.write(x, c, row[c])
        rs.write(x, 3, row[3], df)
    wb.save(str(OUT / "orders.xls"))


def ods_cell(value, formula=None):
    if value is None or value == "":
        return TableCell()
    attrs = {}
    if formula:
        attrs["formula"] = formula
    if value == DIV0:
        # As LibreOffice writes an error result: a string typed as an error.
        cell = TableCell(valuetype="string", **attrs)
        cell.addElement(P(text=DIV0))
        return cell
    if isinstance(value, bool):
        cell = TableCell(valuetype="boolean", booleanvalue="true" if value else "false", **attrs)
    elif isinstance(value, dt.datetime):
        cell = TableCell(valuetype="date", datevalue=text(value), **attrs)
    elif isinstance(value, dt.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat(), **attrs)
    elif isinstance(value, (int, float)):
        cell = TableCell(valuetype="float", value=number_text(value), **attrs)
    else:
        cell = TableCell(valuetype="string", **attrs)
        for line in value.split("\n"):
            cell.addElement(P(text=line))
        return cell
    cell.addElement(P(text=text(value)))
    return cell


def ods_row(cells):
    row = TableRow()
    for cell in cells:
        row.addElement(cell)
    return row


def write_ods(rows):
    doc = OpenDocumentSpreadsheet()
    cover = Table(name="Cover")
    cover.addElement(ods_row([TableCell()]))
    doc.spreadsheet.addElement(cover)
    t = Table(name="Orders")
    t.addElement(ods_row([ods_cell(TITLE)]))
    t.addElement(ods_row([TableCell()]))
    t.addElement(ods_row([ods_cell(h) for h in HEADER]))
    for r in sorted(rows):
        cells = rows[r]
        if cells is None:
            t.addElement(ods_row([TableCell()]))
            continue
        out = []
        for h in HEADER:
            formula = None
            if h == "line_total":
                formula = f"of:=[.F{r}]*[.G{r}]"
            elif h == "total" and cells[h] == DIV0:
                formula = "of:=1/0"
            out.append(ods_cell(cells[h], formula))
        t.addElement(ods_row(out))
    doc.spreadsheet.addElement(t)
    refunds = Table(name="Refunds")
    refunds.addElement(ods_row([ods_cell(h) for h in REFUNDS_HEADER]))
    for row in REFUNDS:
        refunds.addElement(ods_row([ods_cell(v) for v in row]))
    doc.spreadsheet.addElement(refunds)
    doc.save(str(OUT / "orders.ods"))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rows = orders()
    write_csv(rows)
    write_xlsx(OUT / "orders.xlsx", rows)
    write_xlsx(OUT / "orders-1904.xlsx", rows, date_1904=True, with_other_sheets=False)
    write_xls(rows)
    write_ods(rows)


if __name__ == "__main__":
    main()
