// The charm's actions, run through charmbox as `charmbox run` runs them:
// the charm is built first (`charmbox build`), params are checked against
// charmcraft.yaml, and each run is a fresh sandbox. `npm test`.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Context, InvalidParams } from "charmbox-ops/testing";

const ctx = new Context(new URL("..", import.meta.url));

test("greet greets by name", () => {
  const out = ctx.run("greet", { name: "Ada" });
  assert.equal(out.status, "completed");
  assert.equal(out.results.greeting, "Hello, Ada!");
  assert.deepEqual(out.logMessages, ["greeting Ada"]);
});

test("greet fills in the default name", () => {
  assert.equal(ctx.run("greet").results.greeting, "Hello, world!");
});

test("greet fails on an empty name", () => {
  const failed = ctx.runFailing("greet", { name: "" });
  assert.equal(failed.message, "name must not be empty");
});

test("greet refuses an undeclared param", () => {
  assert.throws(() => ctx.run("greet", { nmae: "Ada" }), (e) => e instanceof InvalidParams && /nmae/.test(e.message));
});
