// The model over the faked imports: what each ops-like call sends the host
// and what it gives back.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { FakeHost, MODEL_UUID, actionEvent } from "./fake/host.js";
import * as ops from "../src/index.js";

/** @type {FakeHost} */
let host;
/** @type {ops.Model} */
let model;
beforeEach(() => {
  host = new FakeHost().install();
  model = new ops.Model();
});

describe("status", () => {
  it("sends status-set when unit status is set", () => {
    model.unit.status = new ops.MaintenanceStatus("installing");
    assert.deepEqual(host.unitStatus, { status: "maintenance", message: "installing" });
    model.unit.status = new ops.ActiveStatus();
    assert.deepEqual(host.unitStatus, { status: "active", message: "" });
    assert.ok(model.unit.status.equals(new ops.ActiveStatus()));
  });

  it("sets each settable status and refuses the read-only ones", () => {
    for (const status of [new ops.ActiveStatus("a"), new ops.BlockedStatus("b"), new ops.WaitingStatus("w"), new ops.MaintenanceStatus("m")]) {
      model.unit.status = status;
      assert.deepEqual(host.unitStatus, { status: status.name, message: status.message });
    }
    for (const status of [new ops.UnknownStatus(), new ops.ErrorStatus("x")]) {
      assert.throws(() => (model.unit.status = status), { name: "InvalidStatusError", message: new RegExp(`invalid status "${status.name}"`) });
    }
    assert.throws(() => (model.unit.status = /** @type {any} */ ("active")), ops.InvalidStatusError);
  });

  it("reads status once", () => {
    host.unitStatus = { status: "blocked", message: "set a port" };
    assert.ok(model.unit.status.equals(new ops.BlockedStatus("set a port")));
    model.unit.status;
    assert.equal(host.count("status-get"), 1);
    assert.equal(String(model.unit.status), 'BlockedStatus("set a port")');
  });

  it("compares statuses by kind and message", () => {
    assert.ok(new ops.ActiveStatus("x").equals(new ops.ActiveStatus("x")));
    assert.ok(!new ops.ActiveStatus("x").equals(new ops.BlockedStatus("x")));
    assert.ok(ops.StatusBase.fromName("unknown", "ignored").equals(new ops.UnknownStatus()));
    assert.throws(() => new ops.StatusBase("x"), TypeError);
  });

  it("lets only the leader read and set app status", () => {
    assert.throws(() => (model.app.status = new ops.ActiveStatus("ready")), { message: "cannot set application status as a non-leader unit" });
    assert.equal(host.count("status-set"), 0);
    host.leader = true;
    model.app.status = new ops.ActiveStatus("ready");
    assert.deepEqual(host.appStatus, { status: "active", message: "ready" });
    assert.ok(model.app.status.equals(new ops.ActiveStatus("ready")));
  });

  it("shows remote status as unknown and refuses to set it", () => {
    const other = model.getUnit("client/0");
    assert.ok(other.status.equals(new ops.UnknownStatus()));
    assert.ok(model.getApp("client").status.equals(new ops.UnknownStatus()));
    assert.throws(() => (other.status = new ops.ActiveStatus()), /remote unit client\/0/);
  });

  it("asks leadership each time", () => {
    assert.equal(model.unit.isLeader(), false);
    host.leader = true;
    assert.equal(model.unit.isLeader(), true);
    assert.equal(host.count("is-leader"), 2);
    assert.throws(() => model.getUnit("db/1").isLeader());
  });

  it("sets the workload version", () => {
    model.unit.setWorkloadVersion("14.2");
    assert.equal(host.workloadVersion, "14.2");
    assert.throws(() => model.unit.setWorkloadVersion(/** @type {any} */ (14)), TypeError);
  });
});

describe("config and identity", () => {
  it("reads config once, with JSON types, frozen", () => {
    host.config = { port: 5432, ratio: 0.5, tls: true, name: "main" };
    const config = model.config;
    assert.deepEqual({ ...config }, host.config);
    assert.equal(config.missing, undefined);
    assert.ok(Object.isFrozen(config));
    assert.equal(model.config, config);
    assert.equal(host.count("config-get"), 1);
  });

  it("takes the model's identity from the context", () => {
    assert.equal(model.unit.name, "db/0");
    assert.equal(model.app.name, "db");
    assert.deepEqual([model.name, model.uuid, model.jujuVersion], ["test-model", MODEL_UUID, "3.6.1"]);
    assert.equal(model.getUnit("db/0"), model.unit);
    assert.equal(model.getUnit("client/0").app, model.getApp("client"));
  });
});

describe("relations", () => {
  beforeEach(() => {
    host.addRelation(3, "db", "client", ["client/0", "client/1"], {
      "client/0": { host: "10.0.0.9" },
      client: { database: "orders" },
      db: { "secret-id": "s1" },
    });
    host.addRelation(4, "cluster", "db", ["db/1"], { db: { members: "2" } });
  });

  it("lists relations by endpoint", () => {
    const [relation] = model.relations.get("db");
    assert.deepEqual([relation.name, relation.id, relation.app.name], ["db", 3, "client"]);
    assert.deepEqual(relation.units.map((u) => u.name).sort(), ["client/0", "client/1"]);
    assert.deepEqual(model.relations.get("cache"), []);
    assert.equal(model.getRelation("db"), relation);
    assert.equal(model.getRelation("cache"), null);
  });

  it("needs an id when an endpoint has several", () => {
    host.addRelation(9, "db", "other", ["other/0"]);
    assert.throws(() => model.getRelation("db"), ops.TooManyRelatedAppsError);
    assert.equal(model.getRelation("db", 9).app.name, "other");
    assert.equal(model.getRelation("db", 99).active, false);
  });

  it("reads each remote bag once", () => {
    const relation = model.getRelation("db");
    const client0 = model.getUnit("client/0");
    assert.equal(relation.data.get(client0).get("host"), "10.0.0.9");
    assert.deepEqual(relation.data.get(client0).toObject(), { host: "10.0.0.9" });
    assert.deepEqual(relation.data.get(relation.app).toObject(), { database: "orders" });
    assert.deepEqual(host.argsOf("relation-get"), [[3, "client/0", false], [3, "client", true]]);
    assert.throws(() => relation.data.get(model.getUnit("stranger/0")), /no databag/);
  });

  it("writes only changes to our unit's bag; an empty value deletes", () => {
    const bag = model.getRelation("db").data.get(model.unit);
    bag.set("address", "10.0.0.1");
    bag.update({ address: "10.0.0.1", port: "5432" });
    assert.deepEqual(host.argsOf("relation-set"), [[3, false, [["address", "10.0.0.1"]]], [3, false, [["port", "5432"]]]]);
    assert.equal(bag.delete("port"), true);
    assert.deepEqual(Object.fromEntries(host.relations.get(3).bags.get("db/0")), { address: "10.0.0.1" });
    assert.equal(bag.has("port"), false);
    bag.set("address", "");
    assert.equal(bag.size, 0);
  });

  it("wants string values", () => {
    const bag = model.getRelation("db").data.get(model.unit);
    assert.throws(() => bag.set("port", /** @type {any} */ (5432)), ops.RelationDataTypeError);
    assert.equal(host.count("relation-set"), 0);
  });

  it("refuses other units' and the remote app's bags", () => {
    const relation = model.getRelation("db");
    assert.throws(() => relation.data.get(model.getUnit("client/0")).set("x", "y"), {
      name: "RelationDataAccessError",
      message: "db/0 cannot write databag of client/0: not the same unit.",
    });
    assert.throws(() => relation.data.get(relation.app).set("x", "y"), { message: "db cannot write the data of remote application client" });
  });

  it("keeps our app's bag for the leader", () => {
    const relation = model.getRelation("db");
    const bag = relation.data.get(model.app);
    assert.throws(() => bag.set("secret-id", "s2"), { message: "db/0 is not leader and cannot write application data." });
    assert.throws(() => bag.get("secret-id"), { message: "db/0 is not leader and cannot read its own application databag" });
    assert.equal(host.count("relation-get"), 0, "refused before asking the host");
    host.leader = true;
    bag.set("secret-id", "s2");
    assert.deepEqual(Object.fromEntries(host.relations.get(3).bags.get("db")), { "secret-id": "s2" });
  });

  it("lets every unit read a peer relation's app bag", () => {
    const [peers] = model.relations.get("cluster");
    assert.equal(peers.app, model.app);
    assert.equal(peers.data.get(model.app).get("members"), "2");
    assert.ok(peers.data.has(model.getUnit("db/1")));
  });

  it("says relation not found for a relation that went", () => {
    const relation = model.getRelation("db");
    host.relations.delete(3);
    assert.throws(() => relation.data.get(model.getUnit("client/1")).get("x"), { name: "RelationNotFoundError", message: /relation not found/ });
  });
});

describe("secrets", () => {
  it("adds an app secret as leader and keeps its content", () => {
    host.leader = true;
    const secret = model.app.addSecret(
      { password: "one" },
      { label: "db-password", description: "the admin password", expire: "24h", rotate: ops.SecretRotate.MONTHLY },
    );
    assert.ok(secret.id.startsWith(`secret://${MODEL_UUID}/`));
    const stored = host.secrets.get(secret.id);
    assert.deepEqual([stored.owner, stored.label, stored.description, stored.expire, stored.rotate], ["application", "db-password", "the admin password", "24h", "monthly"]);
    assert.deepEqual(secret.getContent(), { password: "one" });
    assert.equal(host.count("secret-get"), 0);
  });

  it("needs leadership for an app secret", () => {
    assert.throws(() => model.app.addSecret({ password: "one" }), { name: "ModelError", message: "this unit is not the leader" });
  });

  it("adds a unit secret with an expiry time", () => {
    const secret = model.unit.addSecret({ token: "abc" }, { expire: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)) });
    const stored = host.secrets.get(secret.id);
    assert.deepEqual([stored.owner, stored.expire], ["unit", "2030-01-02T03:04:05.000Z"]);
  });

  it("checks content as Juju does", () => {
    for (const content of [{}, { pw: "x" }, { Password: "x" }, { password: 1 }, "x", null]) {
      assert.throws(() => model.unit.addSecret(/** @type {any} */ (content)), undefined, JSON.stringify(content));
    }
    assert.throws(() => model.unit.addSecret({ password: "x" }, { rotate: "sometimes" }), TypeError);
    assert.equal(host.count("secret-add"), 0);
  });

  it("gets by id or label and tracks revisions", () => {
    const uri = host.addSecret({ password: "one" }, { label: "pw" });
    const byId = model.getSecret({ id: uri });
    assert.deepEqual(byId.getContent(), { password: "one" });
    host.secrets.get(uri).revisions.set(2, { password: "two" });
    assert.deepEqual(byId.getContent(), { password: "one" }, "kept");
    assert.deepEqual(model.getSecret({ label: "pw" }).getContent(), { password: "one" }, "still tracks 1");
    assert.deepEqual(byId.peekContent(), { password: "two" });
    assert.equal(host.secrets.get(uri).tracked, 1);
    assert.deepEqual(byId.getContent({ refresh: true }), { password: "two" });
    assert.equal(host.secrets.get(uri).tracked, 2);
    assert.deepEqual(host.argsOf("secret-get").map(([, mode]) => mode), ["tracked", "tracked", "peek", "refresh"]);
  });

  it("labels a secret got by id and label", () => {
    const uri = host.addSecret({ password: "one" });
    const secret = model.getSecret({ id: uri, label: "theirs" });
    assert.equal(host.secrets.get(uri).consumerLabel, "theirs");
    assert.equal(secret.label, "theirs");
    assert.throws(() => model.getSecret(), TypeError);
  });

  it("says a missing secret is not found", () => {
    assert.throws(() => model.getSecret({ label: "nope" }), ops.SecretNotFoundError);
  });

  it("sets content and info, grants, revokes and removes", () => {
    const uri = host.addSecret({ password: "one" }, { label: "pw" });
    const secret = model.getSecret({ label: "pw" });
    secret.setContent({ password: "two" });
    assert.deepEqual([...host.secrets.get(uri).revisions.keys()], [1, 2]);
    secret.setInfo({ description: "rotated", rotate: ops.SecretRotate.DAILY });
    assert.throws(() => secret.setInfo(), TypeError);
    assert.deepEqual(secret.getInfo(), { id: uri, label: "pw", revision: 2, expires: null, rotation: "daily", description: "rotated", owner: "application" });
    host.addRelation(3, "db", "client", ["client/0"]);
    const relation = model.getRelation("db");
    secret.grant(relation);
    secret.grant(relation, { unit: model.getUnit("client/0") });
    assert.deepEqual([...host.secrets.get(uri).grants].sort(), ["3:", "3:client/0"]);
    secret.revoke(relation);
    assert.deepEqual([...host.secrets.get(uri).grants], ["3:client/0"]);
    secret.removeRevision(1);
    assert.deepEqual([...host.secrets.get(uri).revisions.keys()], [2]);
    secret.removeAllRevisions();
    assert.ok(!host.secrets.has(uri));
  });

  it("gives the expiry as a Date", () => {
    const uri = host.addSecret({ password: "one" });
    host.secrets.get(uri).expire = "2030-01-02T03:04:05Z";
    assert.deepEqual(model.getSecret({ id: uri }).getInfo().expires, new Date(Date.UTC(2030, 0, 2, 3, 4, 5)));
  });
});

describe("ports", () => {
  const keys = (/** @type {ops.Port[]} */ ports) => ports.map((p) => `${p.protocol} ${p.port} ${p.toPort}`).sort();

  it("opens, closes and lists", () => {
    const unit = model.unit;
    unit.openPort("tcp", 80);
    unit.openPort("UDP", 53);
    unit.openPort("icmp");
    unit.openPort("tcp", 8000, { toPort: 8080 });
    assert.deepEqual(keys(unit.openedPorts()), ["icmp null null", "tcp 80 null", "tcp 8000 8080", "udp 53 null"]);
    unit.closePort("tcp", 80);
    assert.ok(!unit.openedPorts().some((p) => p.equals(new ops.Port("tcp", 80))));
  });

  it("sets exactly the ports given", () => {
    model.unit.openPort("tcp", 22);
    model.unit.setPorts(80, new ops.Port("udp", 53));
    assert.deepEqual(keys(model.unit.openedPorts()), ["tcp 80 null", "udp 53 null"]);
  });

  it("refuses bad ports with Juju's words before any call", () => {
    for (const [args, why] of [
      [["sctp", 1], 'invalid protocol "sctp", expected "tcp", "udp", or "icmp"'],
      [["icmp", 80], "protocol \"icmp\" doesn't support any ports; got \"80\""],
      [["tcp"], "a tcp port needs a port number"],
      [["tcp", 70000], "port range bounds must be between 0 and 65535, got 70000-70000"],
      [["tcp", 90, { toPort: 80 }], "invalid port range 90-80/tcp"],
    ]) {
      assert.throws(() => model.unit.openPort(...args), { name: "ModelError", message: why });
    }
    assert.equal(host.count("open-port"), 0);
  });
});

describe("unit state", () => {
  it("is a Map-like over the state calls", () => {
    const state = model.unit.state;
    state.set("leader-seen", "yes");
    state.update({ a: "1", b: "" });
    assert.deepEqual(Object.fromEntries(host.state), { "leader-seen": "yes", a: "1", b: "" });
    assert.equal(state.get("b"), "", "an empty value is a value");
    assert.deepEqual(state.toObject(), Object.fromEntries(host.state));
    assert.equal(state.size, 3);
    assert.equal(state.delete("a"), true);
    assert.equal(state.delete("a"), false);
    assert.equal(state.get("a"), undefined);
    assert.throws(() => state.set("n", /** @type {any} */ (1)), TypeError);
    assert.deepEqual(host.argsOf("state-set"), [[[["leader-seen", "yes"]]], [[["a", "1"], ["b", ""]]]]);
    assert.throws(() => model.getUnit("db/1").state);
  });
});

describe("logger", () => {
  it("writes juju-log lines at each level", () => {
    ops.logger.trace("t");
    ops.logger.debug("d");
    ops.logger.info("port", 80, { tls: true });
    ops.logger.warn("w");
    ops.logger.warning("w2");
    ops.logger.error("e");
    ops.logger.critical("c");
    assert.deepEqual(host.log, [
      ["trace", "t"],
      ["debug", "d"],
      ["info", 'port 80 {"tls":true}'],
      ["warning", "w"],
      ["warning", "w2"],
      ["error", "e"],
      ["critical", "c"],
    ]);
    assert.throws(() => ops.jujuLog("loud", "x"), TypeError);
  });
});

describe("action event", () => {
  it("reads params once, logs, sets results, fails", () => {
    host.eventInfo = actionEvent("greet");
    host.params = { name: "Ada" };
    const event = new ops.ActionEvent(new ops.Framework(model), "greet", "7");
    assert.deepEqual(event.params, { name: "Ada" });
    event.log("greeting");
    event.setResults({ greeting: { text: "Hello, Ada!" } });
    event.fail("on purpose");
    assert.deepEqual([host.actionLog, host.results, host.failure], [["greeting"], { "greeting.text": "Hello, Ada!" }, "on purpose"]);
    assert.throws(() => event.setResults({ stdout: "x" }), {
      name: "ActionError",
      message: 'cannot set results of action "greet": key "stdout" must start and end with lowercase alphanumeric',
    });
    event.params;
    assert.equal(host.count("action-get"), 1);
  });

  it("flattens nested objects to dotted keys with string values", () => {
    assert.deepEqual(ops.flattenResults({ a: { b: 1, c: { d: true } }, e: null, f: [1, "x"], g: 1.5, h: {} }), [
      ["a.b", "1"],
      ["a.c.d", "true"],
      ["e", "null"],
      ["f", '[1,"x"]'],
      ["g", "1.5"],
    ]);
    assert.throws(() => ops.flattenResults({ a: { b: 1 }, "a.b": 2 }), /duplicate result key "a.b"/);
    assert.throws(() => ops.flattenResults(/** @type {any} */ ([["a", "b"]])), TypeError);
  });
});
