// Tidies the generated segment_backfill.d.ts for the package:
// - drops wasm-bindgen's init declarations (InitInput, InitOutput, initSync,
//   the default export): the entry (index.d.ts) declares its own, which need
//   no DOM lib and do not expose the raw wasm exports;
// - drops `[Symbol.dispose]()` from the classes (the runtime still has it
//   where the engine does): its type needs lib esnext.disposable or Node's
//   types, and a project with neither would not compile;
// - turns Rust intra-doc links (`[`Foo`]`, `[`Foo`](crate::foo)`) into code
//   spans, which is what they mean to a JavaScript reader.
// Usage: node mk/pkg-types.mjs pkg
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const file = join(process.argv[2] ?? "pkg", "segment_backfill.d.ts");
let text = readFileSync(file, "utf8");
const init = text.indexOf("\nexport type InitInput");
if (init < 0) throw new Error(`${file}: no InitInput declaration (wasm-bindgen changed?)`);
text = text.slice(0, init + 1);
text = text.replace(/^\s*\[Symbol\.dispose\]\(\): void;\n/gm, "");
text = stripIntraDocLinks(text);
if (/\[`[^`]+`\]/.test(text)) throw new Error(`${file}: an intra-doc link is left`);
writeFileSync(file, text);

export function stripIntraDocLinks(s) {
  return s
    // [`Foo`](path) or [`Foo`][path] -> `Foo`
    .replace(/\[(`[^`\n]+`)\](\([^)\s]*\)|\[[^\]\s]*\])?/g, "$1")
    // [text](crate::path) or [text](Self::x) -> text
    .replace(/\[([^\]\n]+)\]\((?:crate|self|super|Self)::[^)\s]*\)/g, "$1");
}
