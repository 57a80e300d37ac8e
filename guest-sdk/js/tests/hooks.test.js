// Hook names: the same list as charmbox's host (host/src/charm/hooks.rs),
// and the handler method and export name each goes to.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import * as hooks from "../src/hooks.js";
import { handlerMethods, CharmBase } from "../src/charm.js";

const HOOKS_RS = new URL("../../../host/src/charm/hooks.rs", import.meta.url);

/** The quoted names of the Rust constant `name`. @param {string} name */
function rustTable(name) {
  const text = readFileSync(HOOKS_RS, "utf8");
  const body = new RegExp(`const ${name}: \\[[^\\]]*\\] =\\s*\\[([\\s\\S]*?)\\];`).exec(text);
  assert.ok(body, `${name} not found in hooks.rs`);
  return [...body[1].matchAll(/\("([a-z-]+)"/g)].map((m) => m[1]);
}

describe("hook names", () => {
  it("are the host's", () => {
    assert.deepEqual(hooks.UNIT_HOOKS, rustTable("UNIT_HOOKS"));
    assert.deepEqual(hooks.SECRET_HOOKS, rustTable("SECRET_HOOKS"));
    assert.deepEqual(hooks.RELATION_SUFFIXES, rustTable("RELATION_HOOKS"));
    assert.deepEqual(hooks.STORAGE_SUFFIXES, rustTable("STORAGE_HOOKS"));
    assert.deepEqual(hooks.WORKLOAD_SUFFIXES, rustTable("WORKLOAD_HOOKS"));
  });

  it("split into kind and prefix, and name their handlers and exports", () => {
    const cases = {
      install: ["install", "", "onInstall", "install"],
      "config-changed": ["config-changed", "", "onConfigChanged", "configChanged"],
      "secret-rotate": ["secret-rotate", "", "onSecretRotate", "secretRotate"],
      "db-relation-changed": ["relation-changed", "db", "onDbRelationChanged", "dbRelationChanged"],
      "object-store-relation-broken": ["relation-broken", "object-store", "onObjectStoreRelationBroken", "objectStoreRelationBroken"],
      "s3-relation-joined": ["relation-joined", "s3", "onS3RelationJoined", "s3RelationJoined"],
      "data-storage-detaching": ["storage-detaching", "data", "onDataStorageDetaching", "dataStorageDetaching"],
      "web-pebble-check-failed": ["pebble-check-failed", "web", "onWebPebbleCheckFailed", "webPebbleCheckFailed"],
    };
    for (const [name, [kind, prefix, method, exported]] of Object.entries(cases)) {
      assert.deepEqual(hooks.splitHook(name), [kind, prefix], name);
      assert.equal(hooks.handlerName(name), method, name);
      assert.equal(hooks.camel(name), exported, name);
      assert.equal(hooks.kebab(exported), name, name);
    }
    for (const action of ["snapshot-database", "greet", "relation-changed", "install-now"]) {
      assert.equal(hooks.splitHook(action), null, action);
      assert.equal(hooks.handlerName(action), `on${hooks.camel(action).replace(/^./, (c) => c.toUpperCase())}Action`);
    }
  });

  it("find a class's handlers, inherited ones too", () => {
    class Base extends CharmBase {
      onInstall() {}
      onGreetAction() {}
    }
    class Charm extends Base {
      onS3RelationChanged() {}
      onSnapshotDatabaseAction() {}
      onLookup() {} // not a hook: left alone
      helper() {}
    }
    assert.deepEqual(Object.fromEntries(handlerMethods(Charm)), {
      install: "onInstall",
      greet: "onGreetAction",
      "s3-relation-changed": "onS3RelationChanged",
      "snapshot-database": "onSnapshotDatabaseAction",
    });
  });
});
