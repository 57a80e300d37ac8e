// The tests' host: a small model of one unit that answers the contract's
// calls as Juju's hook tools do for what the tests need, records every
// call, and checks every argument and result against the contract's WIT as
// componentize-qjs would convert it (wit.js). A refusal reaches the helper
// as componentize-qjs throws it: an Error whose `payload` is the message.

import { check, readContract } from "./wit.js";

const contract = readContract();

/** @type {FakeHost | null} */
let host = null;

/** The FakeHost the generated modules call. */
export function current() {
  if (host === null) throw new Error("no FakeHost installed: new FakeHost().install()");
  return host;
}

export const UNIT = "db/0";
export const MODEL_UUID = "8c3ef5a1-0000-4000-8000-00000000cafe";

/** Juju saying no: becomes the call's error. */
export class Refused extends Error {}

/**
 * The event the host gives for `name`.
 * @param {string} name
 * @param {Record<string, unknown>} [fields]
 */
export function hookEvent(name, fields = {}) {
  return {
    name,
    isAction: false,
    relation: null,
    remoteUnit: null,
    remoteApp: null,
    departingUnit: null,
    secretId: null,
    secretLabel: null,
    secretRevision: null,
    storageId: null,
    workload: null,
    ...fields,
  };
}

/** @param {string} name */
export function actionEvent(name) {
  return { ...hookEvent(name), isAction: true };
}

const sorted = (/** @type {[string, string][]} */ pairs) => [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export class FakeHost {
  constructor(unit = UNIT) {
    this.unit = unit;
    this.app = unit.split("/")[0];
    this.eventInfo = actionEvent("ping");
    /** @type {Record<string, unknown> | null} */
    this.params = null;
    /** @type {Record<string, string>} */
    this.results = {};
    /** @type {string | null} */
    this.failure = null;
    /** @type {string[]} */
    this.actionLog = [];
    /** @type {Record<string, unknown>} */
    this.config = {};
    this.leader = false;
    this.unitStatus = { status: "unknown", message: "" };
    this.appStatus = { status: "unknown", message: "" };
    /** @type {string | null} */
    this.workloadVersion = null;
    /** @type {[string, string][]} */
    this.log = [];
    /** @type {Map<string, string>} */
    this.state = new Map();
    /** @type {Map<number, {endpoint: string, app: string, units: string[], bags: Map<string, Map<string, string>>}>} */
    this.relations = new Map();
    /** @type {Map<string, any>} */
    this.secrets = new Map();
    /** @type {Set<string>} */
    this.ports = new Set();
    this.deferred = false;
    /** @type {Record<string, string>} */
    this.env = {};
    this.stdout = "";
    this.stderr = "";
    /** @type {[string, unknown[]][]} */
    this.calls = [];
    this.nextSecret = 1;
  }

  install() {
    host = this;
    return this;
  }

  /** @param {string} name */
  count(name) {
    return this.calls.filter(([n]) => n === name).length;
  }

  /** @param {string} name */
  argsOf(name) {
    return this.calls.filter(([n]) => n === name).map(([, a]) => a);
  }

  /**
   * @param {string} iface
   * @param {string} name
   * @param {unknown[]} args
   */
  call(iface, name, args) {
    const func = contract[iface].funcs[name];
    if (args.length !== func.params.length) {
      throw new TypeError(`${iface}.${name} takes ${func.params.length} arguments, got ${args.length}`);
    }
    func.params.forEach((/** @type {[string, any]} */ [p, ty], /** @type {number} */ n) =>
      check(contract, iface, ty, args[n], `${iface}.${name}(${p})`, false),
    );
    this.calls.push([name, args]);
    const handler = /** @type {any} */ (this)[name];
    if (typeof handler !== "function") throw new Error(`FakeHost does not answer ${name}`);
    const result = func.result;
    let value;
    try {
      value = handler.apply(this, args);
    } catch (e) {
      if (e instanceof Refused && result && result.kind === "result") {
        throw Object.assign(new Error(e.message), { payload: e.message });
      }
      throw e;
    }
    const returned = result && result.kind === "result" ? result.ok : result;
    if (returned === null) value = undefined;
    else check(contract, iface, returned, value, `${iface}.${name} result`, true);
    return value;
  }

  /** @param {"environment" | "stdout" | "stderr"} which */
  wasi(which) {
    if (which === "environment") return Object.entries(this.env);
    return {
      blockingWriteAndFlush: (/** @type {Uint8Array} */ bytes) => {
        if (bytes.length > 4096) throw new Error("blocking-write-and-flush takes at most 4096 bytes");
        this[which] += Buffer.from(bytes).toString("utf8");
      },
    };
  }

  /**
   * @param {number} id
   * @param {string} endpoint
   * @param {string} app
   * @param {string[]} units
   * @param {Record<string, Record<string, string>>} [bags]
   */
  addRelation(id, endpoint, app, units, bags = {}) {
    const relation = { endpoint, app, units, bags: new Map() };
    for (const member of [this.unit, this.app, app, ...units, ...Object.keys(bags)]) {
      relation.bags.set(member, new Map(Object.entries(bags[member] ?? {})));
    }
    this.relations.set(id, relation);
    return relation;
  }

  /**
   * @param {Record<string, string>} content
   * @param {{ owner?: string, label?: string | null }} [options]
   */
  addSecret(content, { owner = "application", label = null } = {}) {
    const uri = `secret://${MODEL_UUID}/s${String(this.nextSecret++).padStart(19, "0")}`;
    this.secrets.set(uri, {
      owner,
      label,
      description: null,
      expire: null,
      rotate: null,
      revisions: new Map([[1, { ...content }]]),
      tracked: null,
      consumerLabel: null,
      grants: new Set(),
    });
    return uri;
  }

  // -- action ---------------------------------------------------------------
  "action-get"() {
    return this.eventInfo.isAction ? JSON.stringify(this.params ?? {}) : null;
  }
  "action-set"(/** @type {[string, string][]} */ pairs) {
    if (!this.eventInfo.isAction) throw new Refused("action-set is not available outside an action");
    for (const [key] of pairs) {
      if (key === "stdout" || !/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(key)) {
        throw new Refused(`key "${key}" must start and end with lowercase alphanumeric`);
      }
    }
    for (const [k, v] of pairs) this.results[k] = v;
  }
  "action-log"(/** @type {string} */ message) {
    this.actionLog.push(message);
  }
  "action-fail"(/** @type {string} */ message) {
    this.failure = message;
  }

  // -- context --------------------------------------------------------------
  "unit-name"() {
    return this.unit;
  }
  "model-name"() {
    return "test-model";
  }
  "model-uuid"() {
    return MODEL_UUID;
  }
  "juju-version"() {
    return "3.6.1";
  }
  event() {
    return this.eventInfo;
  }
  defer() {
    if (this.eventInfo.isAction) throw new Refused(`cannot defer action "${this.eventInfo.name}"`);
    this.deferred = true;
  }

  // -- config, status, log --------------------------------------------------
  "config-get"(/** @type {string | null} */ key) {
    if (key === null || key === undefined) return JSON.stringify(this.config);
    return key in this.config ? JSON.stringify(this.config[key]) : null;
  }
  "is-leader"() {
    return this.leader;
  }
  "status-set"(/** @type {string} */ status, /** @type {string} */ message, /** @type {boolean} */ application) {
    if (application) {
      if (!this.leader) throw new Refused("this unit is not the leader");
      this.appStatus = { status, message };
    } else {
      this.unitStatus = { status, message };
    }
  }
  "status-get"(/** @type {boolean} */ application) {
    if (application) {
      if (!this.leader) throw new Refused("finding application status: this unit is not the leader");
      return { ...this.appStatus };
    }
    return { ...this.unitStatus };
  }
  "application-version-set"(/** @type {string} */ version) {
    this.workloadVersion = version;
  }
  "juju-log"(/** @type {string} */ level, /** @type {string} */ message) {
    this.log.push([level, message]);
  }

  // -- state ----------------------------------------------------------------
  "state-get"(/** @type {string} */ key) {
    return this.state.has(key) ? /** @type {string} */ (this.state.get(key)) : null;
  }
  "state-list"() {
    return sorted([...this.state.entries()]);
  }
  "state-set"(/** @type {[string, string][]} */ pairs) {
    for (const [k, v] of pairs) this.state.set(k, v);
  }
  "state-delete"(/** @type {string} */ key) {
    this.state.delete(key);
  }

  // -- relations ------------------------------------------------------------
  /** @param {number} id */
  relation(id) {
    const relation = this.relations.get(id);
    if (!relation) throw new Refused(`invalid value "${id}" for option -r: relation not found`);
    return relation;
  }
  "relation-ids"(/** @type {string} */ endpoint) {
    return [...this.relations.entries()]
      .filter(([, r]) => r.endpoint === endpoint)
      .sort(([a], [b]) => a - b)
      .map(([id, r]) => ({ endpoint: r.endpoint, id }));
  }
  "relation-list"(/** @type {number} */ id) {
    return [...this.relation(id).units].sort();
  }
  "relation-app"(/** @type {number} */ id) {
    return this.relation(id).app;
  }
  "relation-get"(/** @type {number} */ id, /** @type {string} */ member, /** @type {boolean} */ app) {
    const relation = this.relation(id);
    if (app && member === this.app && !this.leader && relation.app !== this.app) throw new Refused("permission denied");
    const bag = relation.bags.get(member);
    if (!bag) throw new Refused(`cannot read settings for unit "${member}": settings not found`);
    return sorted([...bag.entries()]);
  }
  "relation-set"(/** @type {number} */ id, /** @type {boolean} */ app, /** @type {[string, string][]} */ pairs) {
    const relation = this.relation(id);
    if (app && !this.leader) throw new Refused("cannot write relation settings");
    const bag = /** @type {Map<string, string>} */ (relation.bags.get(app ? this.app : this.unit));
    for (const [k, v] of pairs) {
      if (v === "") bag.delete(k);
      else bag.set(k, v);
    }
  }

  // -- secrets --------------------------------------------------------------
  /** @param {{tag: string, val: string}} ref */
  find(ref) {
    if (ref.tag === "id") {
      const secret = this.secrets.get(ref.val);
      if (!secret) throw new Refused(`secret "${ref.val}" not found`);
      return [ref.val, secret];
    }
    for (const [uri, s] of this.secrets) if (s.label === ref.val || s.consumerLabel === ref.val) return [uri, s];
    throw new Refused(`consumer label "${ref.val}" not found`);
  }
  "secret-get"(/** @type {any} */ ref, /** @type {string} */ mode, /** @type {string | null} */ label) {
    const [, s] = this.find(ref);
    if (label !== null && label !== undefined) s.consumerLabel = label;
    const latest = Math.max(...s.revisions.keys());
    let revision;
    if (mode === "peek") revision = latest;
    else if (mode === "refresh" || s.tracked === null) revision = s.tracked = latest;
    else revision = s.tracked;
    return sorted(Object.entries(s.revisions.get(revision)));
  }
  "secret-add"(/** @type {[string, string][]} */ content, /** @type {any} */ options, /** @type {boolean} */ ownerUnit) {
    if (!ownerUnit && !this.leader) throw new Refused("this unit is not the leader");
    const uri = this.addSecret(Object.fromEntries(content), { owner: ownerUnit ? "unit" : "application", label: options.label ?? null });
    const s = this.secrets.get(uri);
    s.description = options.description ?? null;
    s.expire = options.expire ?? null;
    s.rotate = options.rotate ?? null;
    return uri;
  }
  "secret-set"(/** @type {any} */ ref, /** @type {[string, string][] | null} */ content, /** @type {any} */ options) {
    const [, s] = this.find(ref);
    if (content !== null && content !== undefined) {
      const latest = Math.max(...s.revisions.keys());
      const next = Object.fromEntries(content);
      if (JSON.stringify(sorted(content)) !== JSON.stringify(sorted(Object.entries(s.revisions.get(latest))))) {
        s.revisions.set(latest + 1, next);
      }
    }
    for (const k of ["label", "description", "expire", "rotate"]) if (options[k] !== null && options[k] !== undefined) s[k] = options[k];
  }
  "secret-ids"() {
    return [...this.secrets.keys()].sort();
  }
  "secret-info-get"(/** @type {any} */ ref) {
    const [uri, s] = this.find(ref);
    return {
      id: uri.slice(uri.lastIndexOf("/") + 1),
      label: s.label,
      description: s.description,
      revision: Math.max(...s.revisions.keys()),
      rotation: s.rotate,
      expiry: s.expire,
      owner: s.owner,
    };
  }
  "secret-grant"(/** @type {any} */ ref, /** @type {number} */ id, /** @type {string | null} */ unit) {
    this.find(ref)[1].grants.add(`${id}:${unit ?? ""}`);
  }
  "secret-revoke"(/** @type {any} */ ref, /** @type {number} */ id, /** @type {string | null} */ unit) {
    this.find(ref)[1].grants.delete(`${id}:${unit ?? ""}`);
  }
  "secret-remove"(/** @type {any} */ ref, /** @type {number | null} */ revision) {
    const [uri, s] = this.find(ref);
    if (revision === null || revision === undefined) {
      this.secrets.delete(uri);
      return;
    }
    s.revisions.delete(revision);
    if (s.revisions.size === 0) this.secrets.delete(uri);
  }

  // -- ports ----------------------------------------------------------------
  "open-port"(/** @type {{protocol: string, from: number, to: number}} */ r) {
    this.ports.add(`${r.protocol} ${r.from} ${r.to}`);
  }
  "close-port"(/** @type {{protocol: string, from: number, to: number}} */ r) {
    this.ports.delete(`${r.protocol} ${r.from} ${r.to}`);
  }
  "opened-ports"() {
    return [...this.ports].sort().map((p) => {
      const [protocol, from, to] = p.split(" ");
      return { protocol, from: Number(from), to: Number(to) };
    });
  }
}

/**
 * Calls export `fn` (a function of main()'s result) as the host would:
 * null when it returns, the error string when it throws one.
 * @param {() => void} fn
 */
export function runExport(fn) {
  try {
    fn();
  } catch (e) {
    if (typeof e === "string") return e;
    throw e;
  }
  return null;
}
