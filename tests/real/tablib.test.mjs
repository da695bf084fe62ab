// The workbooks tablib 3.10.0 tests itself with (make real-data takes them
// out of its source archive on PyPI): written by Excel and LibreOffice, one
// repacked by Python's zipfile, one whose <dimension> is wrong, one holding
// Excel's error values. Read by the release CLI as a newcomer would.
//
// Env: CLI (the release binary), REAL_DATA (the folder make real-data fills).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const DATA = join(process.env.REAL_DATA ?? 'target/real-data', 'tablib');
const work = mkdtempSync(join(tmpdir(), 'real-workbooks-'));

function run(args) {
  return spawnSync(CLI, args, { encoding: 'utf8' });
}

function inspect(file) {
  const r = run(['inspect', join(DATA, file), '--json']);
  assert.equal(r.status, 0, `${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('founders.xlsx (a French Excel sheet): its header and its three rows', () => {
  const found = inspect('founders.xlsx');
  assert.equal(found.table.kind, 'xlsx');
  assert.equal(found.table.sheet, 'Feuille1');
  assert.deepEqual(found.headers, ['first_name', 'last_name', 'gpa']);
  assert.deepEqual(found.sampleRows, [
    ['John', 'Adams', '90'],
    ['George', 'Washington', '67'],
    ['Thomas', 'Jefferson', '50'],
  ]);
});

test('bad_dimensions.xlsx: the cells are read, not the size the sheet claims', () => {
  const found = inspect('bad_dimensions.xlsx');
  assert.deepEqual(found.headers, ['PN', 'Qty', 'Price']);
  assert.deepEqual(found.sampleRows, [
    ['EP00001', '10000', '0.0367'],
    ['EP00002', '', '1'],
    ['EP00004', '10000', '0.001'],
  ]);
});

test('book.ods (LibreOffice, repacked): read as a spreadsheet, dates and times as ISO 8601', () => {
  const found = inspect('book.ods');
  assert.equal(found.table.kind, 'ods');
  assert.deepEqual(found.table.sheets.map((s) => s.name), ['Sheet1', 'Sheet2']);
  assert.equal(found.settings.hasHeader, false, 'one row of values is data, not a header');
  assert.equal(found.sampleRows[0][0], '2023-03-12');
  assert.equal(found.sampleRows[0][1], '2023-03-14T13:43:00');
  assert.equal(found.sampleRows[0][2], '124');
});

test('dates.xls (Excel 97–2003): the date is a date', () => {
  const found = inspect('dates.xls');
  assert.equal(found.table.kind, 'xls');
  assert.deepEqual(found.headers, ['birth_date']);
  assert.deepEqual(found.sampleRows, [['2015-04-12']]);
});

test("errors.xls: Excel's error values are rejected with their own text, never sent as numbers", () => {
  const found = inspect('errors.xls');
  assert.deepEqual(found.sampleRows, [['#DIV/0!', '#NAME?', '#N/A', '#N/A']]);
  const mapping = join(work, 'errors.mapping.json');
  writeFileSync(mapping, JSON.stringify({
    type: 'track',
    missing: [],
    rules: [
      { value: 'u1', to: 'userId' },
      { value: 'Measured', to: 'event' },
      { from: 'div by 0', to: 'properties.ratio', as: 'number' },
    ],
  }));
  const r = run(['check', join(DATA, 'errors.xls'), '--mapping', mapping, '--json']);
  assert.equal(r.status, 4, `nothing valid to send: ${r.stderr}`);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.rows, 1);
  assert.equal(summary.rejected, 1);
  assert.match(summary.byCode.invalid_number.examples[0].message, /"#DIV\/0!" is not a number/);
});

test('unknown_value_type.ods: a cell of an unknown type leaves the sheet empty, and that is said', () => {
  const r = run(['inspect', join(DATA, 'unknown_value_type.ods')]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown_value_type\.ods: the workbook has no data/);
});
