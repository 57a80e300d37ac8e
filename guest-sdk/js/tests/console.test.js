// Where QuickJS has no console (as in a component), importing the package
// defines one over WASI stdout and stderr. Run in its own process by
// `node --test`, with node's console taken away before the import.
import assert from "node:assert/strict";
import { it } from "node:test";

import { FakeHost } from "./fake/host.js";

it("writes console.log to stdout and console.error to stderr, as UTF-8, in 4 KiB writes", async () => {
  const host = new FakeHost().install();
  const nodeConsole = globalThis.console;
  // @ts-ignore: as in QuickJS
  delete globalThis.console;
  try {
    await import("../src/index.js");
    const ours = globalThis.console;
    assert.notEqual(ours, nodeConsole);
    ours.log("snapshot written to", "db.snap", { steps: 3 });
    ours.info("Straße 🦀");
    ours.error("oops");
    ours.warn("careful");
    ours.log("x".repeat(10000));
    assert.equal(host.stdout, `snapshot written to db.snap {"steps":3}\nStraße 🦀\n${"x".repeat(10000)}\n`);
    assert.equal(host.stderr, "oops\ncareful\n");
  } finally {
    globalThis.console = nodeConsole;
  }
});
