// The package's types as a TypeScript project sees them: a consumer using
// every export and the docs' examples (tests/js/consumer/consumer.ts)
// type-checks with --strict and --exactOptionalPropertyTypes, in a Node
// project without the DOM lib and in a browser project with it (and
// without Node's types); the element's types (element.d.ts) in a browser
// project. tsc is the repo's devDependency.
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./helpers.mjs";

const TSC = join(root, "node_modules/typescript/bin/tsc");

/** A project whose node_modules holds the package (pkg/) and Node's types. */
function project() {
  const dir = mkdtempSync(join(tmpdir(), "sb-types-"));
  mkdirSync(join(dir, "node_modules/@types"), { recursive: true });
  symlinkSync(join(root, "pkg"), join(dir, "node_modules/segment-backfill"), "dir");
  symlinkSync(join(root, "node_modules/@types/node"), join(dir, "node_modules/@types/node"), "dir");
  // Node's types need undici-types beside them.
  symlinkSync(join(root, "node_modules/undici-types"), join(dir, "node_modules/undici-types"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  cpSync(join(root, "tests/js/consumer"), dir, { recursive: true });
  return dir;
}

function tsc(dir, args) {
  const run = spawnSync(process.execPath, [TSC, "-p", dir, ...args], { encoding: "utf8" });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

for (const [name, args] of [
  ["Node, no DOM lib", ["--lib", "es2022", "--types", "node"]],
  ["browser: the DOM lib, no Node types", ["--lib", "es2022,dom,dom.iterable"]],
]) {
  test(`a consumer of every export type-checks (${name}; strict, exactOptionalPropertyTypes)`, () => {
    const dir = project();
    try {
      const { status, out } = tsc(dir, args);
      assert.equal(status, 0, out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("the types catch what they should: a misspelled option, a Summary code that may be absent", () => {
  const dir = project();
  try {
    writeFileSync(join(dir, "consumer.ts"), `
import { Importer, type CodeTally } from "segment-backfill";
new Importer(null, { sentat: "2026-01-01T00:00:00Z" });
const tally: CodeTally = new Importer(null).summary().byCode.missing_identity;
export { tally };
`);
    const { status, out } = tsc(dir, ["--lib", "es2022", "--types", "node"]);
    assert.notEqual(status, 0);
    assert.match(out, /'sentat' does not exist in type 'ImporterOptions'/);
    assert.match(out, /'CodeTally \| undefined' is not assignable to type 'CodeTally'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the generated types carry no Rust intra-doc links and no DOM-only init types", () => {
  const dts = readFileSync(join(root, "pkg/segment_backfill.d.ts"), "utf8");
  assert.doesNotMatch(dts, /\[`[^`]+`\]/);
  assert.doesNotMatch(dts, /RequestInfo|BufferSource|InitOutput/);
});

test("the element's types (element.d.ts) with the DOM lib: its events' details, its properties, the tag map", () => {
  const dir = project();
  try {
    writeFileSync(join(dir, "consumer.ts"), `
import { SegmentBackfillImportElement, TAG, type MappedDetail } from "segment-backfill/element.js";
const el = document.querySelector("segment-backfill-import");
if (el) {
  const typed: SegmentBackfillImportElement = el;
  typed.addEventListener("done", (e) => { const rows: number = e.detail.rows; const kind = e.detail.stopped?.kind; void rows; void kind; });
  typed.addEventListener("mapped", (e) => { const d: MappedDetail = e.detail; const problems: string[] = d.problems; void problems; });
  typed.addEventListener("checked", (e) => { const valid: number = e.detail.valid; void valid; });
  typed.addEventListener("progress", (e) => { const done: number = e.detail.rowsDone; void done; });
  typed.addEventListener("failed", (e) => { const code: string = e.detail.code; void code; });
  typed.mapping = { type: "track", rules: [{ from: "email", to: "userId" }], rest: "properties" };
  typed.mapping = null;
  typed.importOptions = { concurrency: 2, auth: "basic" };
  const picked: File | null = typed.file;
  void picked;
}
const made = document.createElement(TAG);
export { made };
`);
    const ok = tsc(dir, ["--lib", "es2022,dom,dom.iterable"]);
    assert.equal(ok.status, 0, ok.out);
    writeFileSync(join(dir, "consumer.ts"), `
import "segment-backfill/element.js";
const el = document.createElement("segment-backfill-import");
el.addEventListener("done", (e) => e.detail.deliverd);
el.importOptions = { concurrensy: 2 };
`);
    const caught = tsc(dir, ["--lib", "es2022,dom,dom.iterable"]);
    assert.notEqual(caught.status, 0);
    assert.match(caught.out, /'deliverd' does not exist/);
    assert.match(caught.out, /'concurrensy' does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
