// Real exports that nobody here wrote (make real-data fetches them), through
// the release CLI's inspect and check, asserting what a user would check:
// what the suggested mapping takes as the timestamp and as numbers, what
// happens to R's `NA`, and that every row is counted exactly once.
//
// Env: CLI (the release binary), REAL_DATA (the folder make real-data fills).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = process.env.CLI ?? 'target/release/segment-backfill';
const DATA = process.env.REAL_DATA ?? 'target/real-data';
const FLIGHTS = join(DATA, 'flights.csv');
const ECOM = join(DATA, 'ecom.csv.gz');
const work = mkdtempSync(join(tmpdir(), 'real-files-'));

function json(args) {
  const run = spawnSync(CLI, [...args, '--json'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

function mappingFile(name, mapping) {
  const path = join(work, name);
  writeFileSync(path, JSON.stringify(mapping));
  return path;
}

const ruleFrom = (mapping, column) => mapping.rules.find((r) => r.from === column);

test('flights.csv: the suggestion reads time_hour as the time and the delays as numbers', () => {
  const found = json(['inspect', FLIGHTS]);
  const m = found.suggestedMapping;
  assert.equal(ruleFrom(m, 'time_hour')?.to, 'timestamp');
  for (const column of ['dep_delay', 'arr_delay', 'distance', 'air_time']) {
    assert.equal(ruleFrom(m, column)?.as, 'number', `${column} as a number`);
  }
  for (const column of ['carrier', 'tailnum', 'origin', 'dest']) {
    assert.notEqual(ruleFrom(m, column)?.as, 'number', `${column} stays text`);
  }
});

test('flights.csv: an NA tail number is a missing id, an NA delay is left out, every row counted once', () => {
  const suggested = json(['inspect', FLIGHTS]).suggestedMapping;
  const mapping = {
    ...suggested,
    type: 'track',
    rules: [
      { from: 'tailnum', to: 'userId' },
      { value: 'Flight Departed', to: 'event' },
      ...suggested.rules.filter((r) => r.from !== 'tailnum'),
    ],
  };
  const summary = json(['check', FLIGHTS, '--mapping', mappingFile('flights.json', mapping)]);
  assert.equal(summary.rows, 336776);
  assert.equal(summary.rejected, 2512, 'the flights whose tail number is NA');
  assert.equal(summary.valid, 336776 - 2512);
  assert.equal(summary.byCode.missing_identity.count, 2512);
  assert.match(summary.byCode.missing_identity.examples[0].message, /"NA"/);
  assert.equal(summary.byCode.invalid_number, undefined, 'NA is no longer "not a number"');
  // What became empty is said, per column, with R's counts of NA.
  const na = Object.fromEntries(summary.missingValues.map((m) => [`${m.column} ${m.token}`, m.count]));
  assert.deepEqual(na, {
    'arr_delay NA': 9430,
    'air_time NA': 9430,
    'arr_time NA': 8713,
    'dep_time NA': 8255,
    'dep_delay NA': 8255,
    'tailnum NA': 2512,
  });
  assert.equal(summary.firstTimestamp, '2013-01-01T10:00:00.000Z');
  assert.equal(summary.lastTimestamp, '2014-01-01T04:00:00.000Z');
});

test('flights.csv: with no missing-value tokens, NA is refused as a number, not sent', () => {
  const mapping = {
    type: 'track',
    missing: [],
    rules: [
      { from: 'tailnum', to: 'userId' },
      { value: 'Flight Departed', to: 'event' },
      { from: 'time_hour', to: 'timestamp' },
      { from: 'dep_delay', to: 'properties.dep_delay', as: 'number' },
    ],
    rest: 'ignore',
  };
  const summary = json(['check', FLIGHTS, '--mapping', mappingFile('no-missing.json', mapping)]);
  assert.equal(summary.byCode.invalid_number.count, 8255);
  assert.equal(summary.rejected, 8255);
  // Asked to keep a bad value out instead of rejecting the row:
  mapping.rules[3].invalid = 'drop';
  const dropped = json(['check', FLIGHTS, '--mapping', mappingFile('drop.json', mapping)]);
  assert.equal(dropped.rejected, 0);
  assert.equal(dropped.byCode.value_dropped.count, 8255);
});

test('ecom.csv.gz clickstream: user, event and time suggested, all 31,106 rows valid', () => {
  const found = json(['inspect', ECOM]);
  const m = found.suggestedMapping;
  assert.equal(ruleFrom(m, 'user_id')?.to, 'userId');
  assert.equal(ruleFrom(m, 'event')?.to, 'event');
  assert.equal(ruleFrom(m, 'timestamp')?.to, 'timestamp');
  const summary = json(['check', ECOM, '--mapping', mappingFile('ecom.json', m)]);
  assert.equal(summary.rows, 31106);
  assert.equal(summary.valid, 31106);
  assert.equal(summary.rejected, 0);
});
