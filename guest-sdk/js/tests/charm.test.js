// main(): a charm class becomes the component's exports; each export runs
// its handler with the right event; errors become the export's error.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { FakeHost, MODEL_UUID, actionEvent, hookEvent, runExport } from "./fake/host.js";
import * as ops from "../src/index.js";

/** @type {[string, any][]} */
let seen = [];

class Recorder extends ops.CharmBase {
  onInstall(event) {
    seen.push(["install", event]);
  }
  onConfigChanged(event) {
    seen.push(["config-changed", event]);
    this.unit.status = new ops.ActiveStatus(`port ${this.config.port}`);
  }
  onDbRelationChanged(event) {
    seen.push(["db-relation-changed", event]);
  }
  onDbRelationDeparted(event) {
    seen.push(["db-relation-departed", event]);
  }
  onSecretRemove(event) {
    seen.push(["secret-remove", event]);
  }
  onSecretChanged(event) {
    seen.push(["secret-changed", event]);
  }
  onDataStorageAttached(event) {
    seen.push(["data-storage-attached", event]);
  }
  onWebPebbleReady(event) {
    seen.push(["web-pebble-ready", event]);
  }
  onSnapshotDatabaseAction(event) {
    seen.push(["snapshot-database", event]);
    event.setResults({ snapshot: { filename: event.params.filename, steps: 3 } });
  }
  onHelperThing() {
    // Not a hook name: left alone by main().
  }
  helper() {}
}

describe("main", () => {
  /** @type {FakeHost} */
  let host;
  let exports;
  beforeEach(() => {
    host = new FakeHost().install();
    seen = [];
    exports = ops.main(Recorder);
  });

  it("gives an export, in componentize-qjs's camelCase, per handler method", () => {
    assert.deepEqual(Object.keys(exports).sort(), [
      "configChanged",
      "dataStorageAttached",
      "dbRelationChanged",
      "dbRelationDeparted",
      "install",
      "secretChanged",
      "secretRemove",
      "snapshotDatabase",
      "webPebbleReady",
    ]);
  });

  it("runs a hook's on method with its event class", () => {
    host.eventInfo = hookEvent("install");
    const { install } = exports;
    assert.equal(runExport(install), null);
    const [[name, event]] = seen;
    assert.equal(name, "install");
    assert.ok(event instanceof ops.InstallEvent);
    assert.equal(event.name, "install");
  });

  it("reads config and sets status in config-changed", () => {
    host.eventInfo = hookEvent("config-changed");
    host.config = { port: 5432 };
    assert.equal(runExport(exports.configChanged), null);
    assert.deepEqual(host.unitStatus, { status: "active", message: "port 5432" });
  });

  it("gives a relation hook its relation, remote app and unit", () => {
    host.addRelation(7, "db", "client", ["client/0", "client/1"], { "client/1": { want: "db" } });
    host.eventInfo = hookEvent("db-relation-changed", { relation: { endpoint: "db", id: 7 }, remoteUnit: "client/1", remoteApp: "client" });
    assert.equal(runExport(exports.dbRelationChanged), null);
    const [[, event]] = seen;
    assert.ok(event instanceof ops.RelationChangedEvent);
    assert.deepEqual([event.relation.name, event.relation.id, event.relation.active], ["db", 7, true]);
    assert.equal(event.app.name, "client");
    assert.equal(event.unit.name, "client/1");
    assert.deepEqual(event.relation.data.get(event.unit).toObject(), { want: "db" });
  });

  it("keeps a departing unit's bag readable", () => {
    host.addRelation(7, "db", "client", ["client/0"], { "client/1": { bye: "yes" } });
    host.eventInfo = hookEvent("db-relation-departed", {
      relation: { endpoint: "db", id: 7 },
      remoteUnit: "client/1",
      remoteApp: "client",
      departingUnit: "client/1",
    });
    assert.equal(runExport(exports.dbRelationDeparted), null);
    const [[, event]] = seen;
    assert.ok(event instanceof ops.RelationDepartedEvent);
    assert.equal(event.departingUnit.name, "client/1");
    assert.equal(event.relation.data.get(event.unit).get("bye"), "yes");
    assert.ok(!event.relation.units.includes(event.unit));
  });

  it("gives secret hooks their secret and revision", () => {
    const uri = host.addSecret({ password: "one" }, { label: "pw" });
    host.eventInfo = hookEvent("secret-remove", { secretId: uri, secretLabel: "pw", secretRevision: 1 });
    assert.equal(runExport(exports.secretRemove), null);
    const [[, event]] = seen;
    assert.ok(event instanceof ops.SecretRemoveEvent);
    assert.deepEqual([event.secret.id, event.secret.label, event.revision], [uri, "pw", 1]);
    event.removeRevision();
    assert.ok(!host.secrets.has(uri));
  });

  it("makes a bare secret id a URI of this model", () => {
    host.eventInfo = hookEvent("secret-changed", { secretId: "cq3rldnmp25c7bvnhim0" });
    runExport(exports.secretChanged);
    const [[, event]] = seen;
    assert.equal(event.secret.id, `secret://${MODEL_UUID}/cq3rldnmp25c7bvnhim0`);
    assert.equal(event.secret.uniqueIdentifier, "cq3rldnmp25c7bvnhim0");
  });

  it("names what storage and workload hooks concern", () => {
    host.eventInfo = hookEvent("data-storage-attached", { storageId: "data/3" });
    runExport(exports.dataStorageAttached);
    host.eventInfo = hookEvent("web-pebble-ready", { workload: "web" });
    runExport(exports.webPebbleReady);
    const [[, storage], [, workload]] = seen;
    assert.deepEqual([storage.storageName, storage.storageId], ["data", "data/3"]);
    assert.ok(workload instanceof ops.PebbleReadyEvent);
    assert.equal(workload.workload, "web");
  });

  it("runs an action's on<Name>Action method with its id", () => {
    host.eventInfo = actionEvent("snapshot-database");
    host.params = { filename: "db.snap" };
    host.env = { JUJU_ACTION_UUID: "42" };
    assert.equal(runExport(exports.snapshotDatabase), null);
    const [[, event]] = seen;
    assert.ok(event instanceof ops.ActionEvent);
    assert.deepEqual([event.name, event.id], ["snapshot-database", "42"]);
    assert.deepEqual(host.results, { "snapshot.filename": "db.snap", "snapshot.steps": "3" });
  });

  it("refuses, at build time, an export the class does not handle", () => {
    assert.throws(() => {
      const { greet } = exports; // what `export const { greet } = main(Recorder)` does
      return greet;
    }, /Recorder has no handler for action "greet" \(export greet\): add a method onGreetAction\(event\)/);
    assert.throws(() => exports.dbRelationJoined, /hook "db-relation-joined".*onDbRelationJoined\(event\)/);
  });

  it("takes a CharmBase class", () => {
    assert.throws(() => ops.main(class {}), TypeError);
  });
});

describe("errors", () => {
  /** @type {FakeHost} */
  let host;
  let exports;
  beforeEach(() => {
    host = new FakeHost().install();
    class Charm extends ops.CharmBase {
      onInstall() {
        throw new RangeError("no disk");
      }
      onCheckAction() {
        throw new ops.ActionError("path must not be empty");
      }
      onCrashAction() {
        this.model.getSecret({ id: "secret:nope" });
      }
      onThrowStringAction() {
        throw "just a string";
      }
    }
    exports = ops.main(Charm);
  });

  it("fails an action with an ActionError's message as given", (t) => {
    const error = t.mock.method(console, "error", () => {});
    host.eventInfo = actionEvent("check");
    assert.equal(runExport(exports.check), "path must not be empty");
    assert.equal(error.mock.callCount(), 0);
    assert.deepEqual(host.log, []);
  });

  it("fails with '<Name>: <message>' and sends the stack to stderr and the debug log", (t) => {
    const error = t.mock.method(console, "error", () => {});
    host.eventInfo = hookEvent("install");
    assert.equal(runExport(exports.install), "RangeError: no disk");
    assert.match(error.mock.calls[0].arguments[0], /^RangeError: no disk\n.*onInstall/s);
    const [[level, message]] = host.log;
    assert.equal(level, "error");
    assert.match(message, /^Uncaught exception while in charm code:\nRangeError: no disk/);
  });

  it("fails with the host's words when a model call is refused", (t) => {
    t.mock.method(console, "error", () => {});
    host.eventInfo = actionEvent("crash");
    assert.equal(runExport(exports.crash), 'SecretNotFoundError: secret "secret:nope" not found');
  });

  it("passes a thrown string on", () => {
    host.eventInfo = actionEvent("throw-string");
    assert.equal(runExport(exports.throwString), "just a string");
  });
});

describe("defer", () => {
  /** @type {FakeHost} */
  let host;
  beforeEach(() => {
    host = new FakeHost().install();
  });

  it("tells the host once and the handler carries on", () => {
    const after = [];
    class Charm extends ops.CharmBase {
      onUpdateStatus(event) {
        event.defer();
        event.defer();
        after.push(event.deferred);
      }
    }
    host.eventInfo = hookEvent("update-status");
    assert.equal(runExport(ops.main(Charm).updateStatus), null);
    assert.equal(host.deferred, true);
    assert.equal(host.count("defer"), 1);
    assert.deepEqual(after, [true]);
  });

  it("says so for events ops cannot defer", (t) => {
    t.mock.method(console, "error", () => {});
    class Charm extends ops.CharmBase {
      onStop(event) {
        event.defer();
      }
      onRemove(event) {
        event.defer();
      }
      onSecretExpired(event) {
        event.defer();
      }
      onSecretRotate(event) {
        event.defer();
      }
      onBackupAction(event) {
        event.defer();
      }
    }
    const exports = ops.main(Charm);
    const uri = host.addSecret({ key: "value" });
    for (const [hook, fn, why] of [
      ["stop", exports.stop, "Error: cannot defer stop events"],
      ["remove", exports.remove, "Error: cannot defer remove events"],
      ["secret-expired", exports.secretExpired, "Error: cannot defer secret-expired events"],
      ["secret-rotate", exports.secretRotate, "Error: Cannot defer secret rotation events. Juju will keep firing this event until you create a new revision."],
    ]) {
      host.eventInfo = hookEvent(hook, { secretId: uri, secretRevision: 1 });
      assert.equal(runExport(fn), why);
    }
    host.eventInfo = actionEvent("backup");
    assert.equal(runExport(exports.backup), "Error: cannot defer action events");
    assert.equal(host.count("defer"), 0);
    assert.equal(host.deferred, false);
  });
});
