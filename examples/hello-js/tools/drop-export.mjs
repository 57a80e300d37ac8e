// Removes one top-level function export from a component's text form (WAT).
//
// componentize-qjs 0.4.5 (jco componentize --backend qjs) leaves the export
// `init: func(shim: string, script: string, entry-path: option<string>,
// disable-gc: bool) -> result<_, string>` in the component: the function
// Wizer ran at build time to load the script into the snapshot. charmbox
// treats every export as an action handler and refuses it, so the build drops
// it: `jco print` -> this script -> `jco parse`.
//
// Usage: node drop-export.mjs IN.wat OUT.wat [NAME=init]
//
// The outer component ends with `(alias export N "name" (func (;i;)))` and
// `(export (;j;) "name" (func i))` pairs; the pair for NAME is removed and
// the others are rewritten to refer to their alias by an identifier, so that
// dropping items does not shift the numeric indices they use.
import { readFileSync, writeFileSync } from "node:fs";

const [, , input, output, name = "init"] = process.argv;
if (!input || !output) {
  console.error("usage: node drop-export.mjs IN.wat OUT.wat [NAME]");
  process.exit(2);
}
const alias = /^  \(alias export (\d+) "([^"]+)" \(func \(;\d+;\)\)\)$/;
const exp = /^  \(export \(;\d+;\) "([^"]+)" \(func \d+\)\)$/;
let removed = 0;
const out = [];
for (const line of readFileSync(input, "utf8").split("\n")) {
  let m;
  if ((m = alias.exec(line))) {
    if (m[2] === name) {
      removed++;
      continue;
    }
    out.push(`  (alias export ${m[1]} "${m[2]}" (func $charmbox-${m[2]}))`);
  } else if ((m = exp.exec(line))) {
    if (m[1] === name) {
      removed++;
      continue;
    }
    out.push(`  (export "${m[1]}" (func $charmbox-${m[1]}))`);
  } else {
    out.push(line);
  }
}
if (removed === 0) {
  // Nothing to drop (a later componentize-qjs may not export it): copy.
  console.error(`drop-export: no export "${name}"; component unchanged`);
} else if (removed !== 2) {
  console.error(`drop-export: expected an alias and an export of "${name}", found ${removed} lines`);
  process.exit(1);
}
writeFileSync(output, out.join("\n"));
