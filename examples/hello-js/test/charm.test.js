// hello-js's actions, run through the charmbox binary on the built component
// (`charmbox build` first), as `charmbox run` runs them:
// `node --test examples/hello-js/test/`.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Context, InvalidParams } from "charmbox-ops/testing";

const ctx = new Context(new URL("..", import.meta.url));

test("greet says hello in English by default", () => {
  const out = ctx.run("greet", { name: "Ada" });
  assert.equal(out.status, "completed");
  assert.deepEqual(out.results.greeting, { text: "Hello, Ada!", language: "en" });
  // Results are strings, as in Juju.
  assert.equal(out.results.length, "11");
  assert.equal(out.returnCode, 0);
  assert.deepEqual(out.logMessages, ["greeting Ada in en"]);
  assert.equal(out.unit, "hello-js/0");
});

test("greet in French with a style", () => {
  const out = ctx.run("greet", { name: "Ada", language: "fr", style: { uppercase: true, punctuation: "?" } });
  assert.equal(out.result("greeting.text"), "BONJOUR, ADA?");
});

test("snapshot-database logs each step and prints", () => {
  const out = ctx.run("snapshot-database", { filename: "db.snap" });
  assert.deepEqual(out.logMessages, [1, 2, 3].map((n) => `step ${n}/3: writing db.snap`));
  assert.equal(out.stdout, "snapshot written to db.snap\n");
  assert.deepEqual(out.charmResults, { snapshot: { filename: "db.snap", steps: "3" } });
});

test("restore-snapshot fails and keeps its results", () => {
  const failed = ctx.runFailing("restore-snapshot", { filename: "db.tar" });
  assert.equal(failed.message, "cannot restore db.tar: not a snapshot (expected a .snap file)");
  assert.equal(failed.output.status, "failed");
  assert.deepEqual(failed.output.results.checked, { filename: "db.tar", valid: "false" });
});

test("check-disk fails on an empty path", () => {
  const failed = ctx.runFailing("check-disk", { path: "" });
  assert.equal(failed.message, "path must not be empty");
  assert.equal(failed.output.returnCode, 1);
});

test("params outside the schema are refused before the run", () => {
  const refused = (pattern) => (e) => e instanceof InvalidParams && pattern.test(e.message);
  assert.throws(() => ctx.run("snapshot-database", { filename: "db.snap", steps: 11 }), refused(/steps/));
  assert.throws(() => ctx.run("greet", { nmae: "Ada" }), refused(/nmae/));
});

test("the action id is the task id", () => {
  assert.match(ctx.run("ping").id, /^\d+$/);
});

test("deploying two units leaves each active with its friend", () => {
  const ctx = new Context(new URL("..", import.meta.url));
  const out = ctx.deploy({ units: 2 });
  assert.ok(out.succeeded);
  assert.deepEqual(out.ran.slice(0, 2), ["install", "friends-relation-created"]);
  assert.ok(out.ran.includes("friends-relation-joined"));
  assert.deepEqual(out.status, { current: "active", message: "ready to greet in en, 1 friends" });
  assert.deepEqual(ctx.status("hello-js/1"), { current: "active", message: "ready to greet in en, 1 friends" });
});

test("install says the unit is installing", () => {
  const ctx = new Context(new URL("..", import.meta.url));
  const out = ctx.runHook("install");
  assert.deepEqual(out.ran, ["install"]);
  assert.deepEqual(out.status, { current: "maintenance", message: "installing" });
});

test("the greeting is shared from config in relation data, a secret and the status", () => {
  // A model of its own, set as an operator would with charmbox's commands:
  // deployed (its hooks run, its unit leads), config set (config-changed),
  // related to a stand-in listener (listeners-relation-joined).
  const model = new Context(new URL("..", import.meta.url));
  assert.deepEqual(model.status(), { current: "active", message: "ready to greet in en, 0 friends" });
  assert.deepEqual(model.secret("greeting").content, { greeting: "Hello" });
  model.setConfig({ greeting: "Hi", language: "fr" });
  assert.deepEqual(model.status(), { current: "active", message: "ready to greet in fr, 0 friends" });
  assert.deepEqual(model.secret("greeting").content, { greeting: "Hi" });
  assert.deepEqual(model.relations("listeners"), []);
  model.integrate("listeners", { application: "listener", endpoint: "greeting", units: { "listener/0": {} } });
  const [relation, ...others] = model.relations("listeners");
  assert.equal(others.length, 0);
  assert.deepEqual(relation.unitData, { greeting: "Hi" });
  assert.deepEqual(Object.keys(relation.remoteUnits), ["listener/0"]);
  assert.deepEqual(model.status(), { current: "active", message: "ready to greet in fr, 0 friends" });
  const secret = model.secret("greeting");
  assert.deepEqual([secret.content, secret.owner], [{ greeting: "Hi" }, "hello-js"]);
  // A reset brings the default back: a new revision of the one secret.
  model.resetConfig("greeting");
  assert.deepEqual(model.relations("listeners")[0].unitData, { greeting: "Hello" });
  const renewed = model.secret("greeting");
  assert.deepEqual([renewed.content, renewed.revision], [{ greeting: "Hello" }, 3]);
  assert.equal(model.secrets().length, 1);
  // A language the charm does not know blocks it; the greeting is still shared.
  model.setConfig({ greeting: "Hey", language: "xx" });
  assert.deepEqual(model.status(), {
    current: "blocked",
    message: 'config option "language" is "xx": it must be en, fr or de',
  });
  assert.deepEqual(model.relations("listeners")[0].unitData, { greeting: "Hey" });
});

test("a user secret granted to the charm is in the model", () => {
  const model = new Context(new URL("..", import.meta.url));
  const uri = model.addSecret("api-token", { token: "s3cret" });
  const secret = model.secret("api-token");
  assert.deepEqual([secret.uri, secret.owner, secret.content], [uri, "<model>", { token: "s3cret" }]);
});
