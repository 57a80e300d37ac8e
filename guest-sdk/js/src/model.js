// The Juju model as this unit sees it, shaped like ops.model in JavaScript's
// idiom: the unit and its application, config, status, relations and their
// databags, secrets, ports and the unit's own state, each over the
// contract's imports (src/host.js).
//
// Reads are made when first needed and kept for the rest of the handler run
// (as ops keeps them for a hook); leadership is asked each time, as ops
// asks.

import { call } from "./host.js";
import {
  InvalidStatusError,
  ModelError,
  RelationDataAccessError,
  RelationDataTypeError,
  TooManyRelatedAppsError,
} from "./errors.js";

/** The model as this unit sees it (`this.model` in a charm). */
export class Model {
  /** @param {{ remoteUnitName?: string | null }} [options] */
  constructor({ remoteUnitName = null } = {}) {
    /** @type {Map<string, Unit | Application>} */
    this._entities = new Map();
    /** @type {Unit} */
    this.unit = this.getUnit(call("context", "unitName"));
    /** This unit's application. */
    this.app = this.unit.app;
    /** The relations on each endpoint: `model.relations.get("db")`. */
    this.relations = new RelationMapping(this, remoteUnitName);
    /** @type {Record<string, boolean | number | string> | undefined} */
    this._config = undefined;
    /** @type {Record<string, string>} */
    this._identity = {};
  }

  /**
   * The application's config (`config-get`): each option that has a value
   * (set, or its default), read once per run; a frozen plain object.
   * @returns {Readonly<Record<string, boolean | number | string>>}
   */
  get config() {
    if (this._config === undefined) {
      const text = call("config", "configGet", null);
      const data = text ? JSON.parse(text) : {};
      if (data === null || typeof data !== "object" || Array.isArray(data)) {
        throw new ModelError(`config-get gave ${JSON.stringify(data)}, not an object`);
      }
      this._config = Object.freeze(data);
    }
    return /** @type {Readonly<Record<string, boolean | number | string>>} */ (this._config);
  }

  /** @param {"modelName" | "modelUuid" | "jujuVersion"} fn */
  _context(fn) {
    if (!(fn in this._identity)) this._identity[fn] = call("context", fn);
    return this._identity[fn];
  }

  /** The model's name. */
  get name() {
    return this._context("modelName");
  }

  /** The model's UUID. */
  get uuid() {
    return this._context("modelUuid");
  }

  /** The Juju version the unit agent runs (`3.6.1`). */
  get jujuVersion() {
    return this._context("jujuVersion");
  }

  /**
   * The unit named `name` (the same object each time).
   * @param {string} name
   * @returns {Unit}
   */
  getUnit(name) {
    const key = `unit:${name}`;
    let unit = this._entities.get(key);
    if (unit === undefined) {
      unit = new Unit(name, this);
      this._entities.set(key, unit);
    }
    return /** @type {Unit} */ (unit);
  }

  /**
   * The application named `name` (the same object each time).
   * @param {string} name
   * @returns {Application}
   */
  getApp(name) {
    const key = `app:${name}`;
    let app = this._entities.get(key);
    if (app === undefined) {
      app = new Application(name, this);
      this._entities.set(key, app);
    }
    return /** @type {Application} */ (app);
  }

  /**
   * The relation on endpoint `endpoint` with `id`; or, without an id, its
   * only relation (null when there is none; TooManyRelatedAppsError when
   * there are several).
   * @param {string} endpoint
   * @param {number} [id]
   * @returns {Relation | null}
   */
  getRelation(endpoint, id) {
    return this.relations._getUnique(endpoint, id);
  }

  /**
   * The secret with URI `id` or label `label`, its content read
   * (`secret-get`). With both, it is read by URI and `label` becomes this
   * unit's label for it, as in ops.
   * @param {{ id?: string, label?: string }} ref
   * @returns {Secret}
   */
  getSecret({ id, label } = {}) {
    if (!id && !label) throw new TypeError("Must provide an id or label, or both");
    const uri = id ? canonicalSecretId(id, this.uuid) : undefined;
    const secret = new Secret(this, { id: uri, label });
    secret._content = secret._get("tracked", uri ? label ?? null : null);
    return secret;
  }
}

/** An application: this unit's, or one it is related to. */
export class Application {
  /**
   * @param {string} name
   * @param {Model} model
   */
  constructor(name, model) {
    /** The application's name (`mysql`). */
    this.name = name;
    this._model = model;
    /** @type {StatusBase | undefined} */
    this._status = undefined;
  }

  _isOurs() {
    return this.name === this._model.unit.app.name;
  }

  /**
   * The application's status: read and set by the leader only (an Error
   * otherwise, as in ops); another application's is always unknown.
   * @returns {StatusBase}
   */
  get status() {
    if (!this._isOurs()) return new UnknownStatus();
    if (!this._model.unit.isLeader()) throw new Error("cannot get application status as a non-leader unit");
    if (this._status === undefined) this._status = statusGet(true);
    return this._status;
  }

  set status(value) {
    if (!(value instanceof StatusBase)) {
      throw new InvalidStatusError(`invalid value provided for application ${this.name} status: ${value}`);
    }
    if (!this._isOurs()) throw new Error(`cannot set status for a remote application ${this.name}`);
    if (!this._model.unit.isLeader()) throw new Error("cannot set application status as a non-leader unit");
    statusSet(value, true);
    this._status = value;
  }

  /**
   * A new secret owned by this application (leader only, as Juju says),
   * with `content` as its first revision.
   * @param {Record<string, string>} content
   * @param {SecretOptions} [options]
   * @returns {Secret}
   */
  addSecret(content, options = {}) {
    return Secret._add(this._model, content, options, false);
  }
}

/**
 * @typedef {object} SecretOptions
 * @property {string} [label] The label this unit knows it by.
 * @property {string} [description]
 * @property {Date | string} [expire] A time, or a duration from now (`24h`).
 * @property {string} [rotate] One of SecretRotate's values.
 */

/** A unit: this one, another of its application, or a related one. */
export class Unit {
  /**
   * @param {string} name
   * @param {Model} model
   */
  constructor(name, model) {
    /** The unit's name (`mysql/0`). */
    this.name = name;
    /** The unit's application. */
    this.app = model.getApp(name.split("/")[0]);
    this._model = model;
    /** @type {StatusBase | undefined} */
    this._status = undefined;
    /** @type {UnitState | undefined} */
    this._state = undefined;
  }

  _isOurs() {
    return this.name === this._model.unit.name;
  }

  /** @param {string} what */
  _oursOnly(what) {
    if (!this._isOurs()) throw new Error(`cannot ${what} for a remote unit ${this.name}`);
  }

  /**
   * This unit's status (`status-get`, `status-set`): set it to an
   * ActiveStatus, BlockedStatus, MaintenanceStatus or WaitingStatus.
   * Another unit's is always unknown.
   * @returns {StatusBase}
   */
  get status() {
    if (!this._isOurs()) return new UnknownStatus();
    if (this._status === undefined) this._status = statusGet(false);
    return this._status;
  }

  set status(value) {
    if (!(value instanceof StatusBase)) {
      throw new InvalidStatusError(`invalid value provided for unit ${this.name} status: ${value}`);
    }
    this._oursOnly("set status");
    statusSet(value, false);
    this._status = value;
  }

  /** Whether this unit leads its application now (`is-leader`); not kept. */
  isLeader() {
    if (!this._isOurs()) {
      throw new Error(`leadership status of remote units (${this.name}) is not visible to other applications`);
    }
    return Boolean(call("status", "isLeader"));
  }

  /**
   * The workload's version, shown by `juju status` (`application-version-set`).
   * @param {string} version
   */
  setWorkloadVersion(version) {
    if (typeof version !== "string") throw new TypeError(`workload version must be a string, not ${typeof version}`);
    this._oursOnly("set the workload version");
    call("status", "applicationVersionSet", version);
  }

  /**
   * A new secret owned by this unit (see Application#addSecret).
   * @param {Record<string, string>} content
   * @param {SecretOptions} [options]
   */
  addSecret(content, options = {}) {
    this._oursOnly("add a secret");
    return Secret._add(this._model, content, options, true);
  }

  /**
   * Opens `port` (or `port`–`toPort`) for "tcp" or "udp", or "icmp" with
   * no port (`open-port`).
   * @param {string} protocol
   * @param {number | null} [port]
   * @param {{ toPort?: number | null }} [options]
   */
  openPort(protocol, port = null, { toPort = null } = {}) {
    this._oursOnly("open a port");
    call("ports", "openPort", portRange(protocol, port, toPort));
  }

  /**
   * Closes a port opened with openPort (`close-port`).
   * @param {string} protocol
   * @param {number | null} [port]
   * @param {{ toPort?: number | null }} [options]
   */
  closePort(protocol, port = null, { toPort = null } = {}) {
    this._oursOnly("close a port");
    call("ports", "closePort", portRange(protocol, port, toPort));
  }

  /**
   * The ports this unit has open (`opened-ports`).
   * @returns {Port[]}
   */
  openedPorts() {
    this._oursOnly("list opened ports");
    return call("ports", "openedPorts").map((/** @type {{protocol: string, from: number, to: number}} */ r) => {
      if (r.protocol === "icmp") return new Port("icmp", null);
      return r.from === r.to ? new Port(r.protocol, r.from) : new Port(r.protocol, r.from, r.to);
    });
  }

  /**
   * Opens exactly `ports` (a number is a TCP port), closing the others, as
   * ops does.
   * @param {...(number | Port)} ports
   */
  setPorts(...ports) {
    const desired = ports.map((p) => (typeof p === "number" ? new Port("tcp", p) : p));
    const existing = this.openedPorts();
    const has = (/** @type {Port[]} */ list, /** @type {Port} */ p) => list.some((q) => q.equals(p));
    for (const p of existing) if (!has(desired, p)) this.closePort(p.protocol, p.port, { toPort: p.toPort });
    for (const p of desired) if (!has(existing, p)) this.openPort(p.protocol, p.port, { toPort: p.toPort });
  }

  /**
   * This unit's own key/value state, kept by Juju between hooks and across
   * the unit's machines or pods (`state-get`/`-set`/`-delete`).
   * @returns {UnitState}
   */
  get state() {
    this._oursOnly("read state");
    if (this._state === undefined) this._state = new UnitState();
    return this._state;
  }
}

// ---------------------------------------------------------------------------
// Status

/** A workload status; use ActiveStatus, BlockedStatus, MaintenanceStatus or WaitingStatus. */
export class StatusBase {
  /** @param {string} [message] */
  constructor(message = "") {
    if (new.target === StatusBase) throw new TypeError("cannot instantiate a base class");
    /** What the operator reads beside the status. */
    this.message = String(message);
  }

  /** The status's name (`active`). @returns {string} */
  get name() {
    return /** @type {any} */ (this.constructor).statusName;
  }

  /** @param {unknown} other */
  equals(other) {
    return other instanceof StatusBase && other.constructor === this.constructor && other.message === this.message;
  }

  toString() {
    return `${this.constructor.name}(${JSON.stringify(this.message)})`;
  }

  /**
   * The status named `name` with `message` (`unknown` has none).
   * @param {string} name
   * @param {string} message
   * @returns {StatusBase}
   */
  static fromName(name, message) {
    if (name === "unknown") return new UnknownStatus();
    const kind = STATUSES[name];
    if (kind === undefined) throw new ModelError(`unknown status ${JSON.stringify(name)}`);
    return new kind(message);
  }
}

/** No status set yet. Read only: setting it is an error. */
export class UnknownStatus extends StatusBase {
  static statusName = "unknown";
  constructor() {
    super("");
  }
}

/** A hook failed. Read only: setting it is an error. */
export class ErrorStatus extends StatusBase {
  static statusName = "error";
}

/** Ready and doing its job. */
export class ActiveStatus extends StatusBase {
  static statusName = "active";
}

/** Needs an operator to act. */
export class BlockedStatus extends StatusBase {
  static statusName = "blocked";
}

/** Busy with work of its own (installing, reconfiguring). */
export class MaintenanceStatus extends StatusBase {
  static statusName = "maintenance";
}

/** Waiting on a related application. */
export class WaitingStatus extends StatusBase {
  static statusName = "waiting";
}

/** @type {Record<string, new (message: string) => StatusBase>} */
const STATUSES = {
  error: ErrorStatus,
  active: ActiveStatus,
  blocked: BlockedStatus,
  maintenance: MaintenanceStatus,
  waiting: WaitingStatus,
};

const SETTABLE = ["maintenance", "blocked", "waiting", "active"];

/**
 * @param {StatusBase} value
 * @param {boolean} application
 */
function statusSet(value, application) {
  if (!SETTABLE.includes(value.name)) {
    // Juju's status-set wording.
    throw new InvalidStatusError(
      `invalid status "${value.name}", expected one of [maintenance blocked waiting active]`,
    );
  }
  call("status", "statusSet", value.name, value.message, application);
}

/** @param {boolean} application */
function statusGet(application) {
  const info = call("status", "statusGet", application);
  return StatusBase.fromName(info.status, info.message);
}

// ---------------------------------------------------------------------------
// Unit state

/** @param {unknown} value @param {string} what */
function requireString(value, what) {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string, not ${typeof value}`);
}

/**
 * This unit's key/value state (`state-get`, `state-set`, `state-delete`).
 * Each access is a host call; values are strings (an empty string is a
 * value, as in Juju).
 */
export class UnitState {
  /**
   * @param {string} key
   * @returns {string | undefined}
   */
  get(key) {
    requireString(key, "a state key");
    return call("state", "stateGet", key) ?? undefined;
  }

  /** @param {string} key */
  has(key) {
    return this.get(key) !== undefined;
  }

  /**
   * @param {string} key
   * @param {string} value
   */
  set(key, value) {
    this.update({ [key]: value });
    return this;
  }

  /**
   * Sets every pair in one `state-set`: all or nothing.
   * @param {Record<string, string>} pairs
   */
  update(pairs) {
    const list = Object.entries(pairs);
    for (const [key, value] of list) requireString(value, `the state value of ${JSON.stringify(key)}`);
    if (list.length > 0) call("state", "stateSet", list);
  }

  /**
   * Removes `key`; whether it was there.
   * @param {string} key
   */
  delete(key) {
    const had = this.has(key);
    if (had) call("state", "stateDelete", key);
    return had;
  }

  /** Every key and value. @returns {[string, string][]} */
  entries() {
    return call("state", "stateList");
  }

  keys() {
    return this.entries().map(([k]) => k);
  }

  get size() {
    return this.entries().length;
  }

  /** @returns {Record<string, string>} */
  toObject() {
    return Object.fromEntries(this.entries());
  }

  [Symbol.iterator]() {
    return this.entries()[Symbol.iterator]();
  }
}

// ---------------------------------------------------------------------------
// Relations

/**
 * The relations on each of the charm's endpoints: `relations.get("db")` is
 * an array of Relation (empty when the endpoint has none). The component
 * does not see the charm's metadata, so the endpoints cannot be listed.
 */
export class RelationMapping {
  /**
   * @param {Model} model
   * @param {string | null} remoteUnitName
   */
  constructor(model, remoteUnitName) {
    this._model = model;
    this._remoteUnitName = remoteUnitName;
    /** @type {Map<string, Relation[]>} */
    this._byEndpoint = new Map();
  }

  /**
   * @param {string} endpoint
   * @returns {Relation[]}
   */
  get(endpoint) {
    let relations = this._byEndpoint.get(endpoint);
    if (relations === undefined) {
      relations = call("relation", "relationIds", endpoint).map(
        (/** @type {{endpoint: string, id: number}} */ r) => new Relation(r.endpoint, r.id, this._model, this._remoteUnitName),
      );
      this._byEndpoint.set(endpoint, /** @type {Relation[]} */ (relations));
    }
    return /** @type {Relation[]} */ (relations);
  }

  /**
   * @param {string} endpoint
   * @param {number} [id]
   * @returns {Relation | null}
   */
  _getUnique(endpoint, id) {
    if (id !== undefined && id !== null) {
      if (!Number.isInteger(id)) throw new ModelError(`relation id ${id} must be an integer`);
      const found = this.get(endpoint).find((r) => r.id === id);
      // A relation that has gone (relation-broken) keeps its data readable.
      return found ?? new Relation(endpoint, id, this._model, this._remoteUnitName, { active: false });
    }
    const relations = this.get(endpoint);
    if (relations.length === 0) return null;
    if (relations.length > 1) throw new TooManyRelatedAppsError(endpoint, relations.length, 1);
    return relations[0];
  }
}

/** A relation between this application and another (or itself, for a peer relation). */
export class Relation {
  /**
   * @param {string} name
   * @param {number} id
   * @param {Model} model
   * @param {string | null} [remoteUnitName]
   * @param {{ active?: boolean }} [options]
   */
  constructor(name, id, model, remoteUnitName = null, { active = true } = {}) {
    /** The local endpoint (`db`). */
    this.name = name;
    /** The relation's id. */
    this.id = id;
    /** false in the `-relation-broken` hook of this relation. */
    this.active = active;
    this._model = model;
    this._remoteUnitName = remoteUnitName;
    /** @type {Unit[] | undefined} */
    this._units = undefined;
    /** @type {Application | undefined} */
    this._app = undefined;
    /** @type {RelationData | undefined} */
    this._data = undefined;
  }

  /** The remote units in the relation now (`relation-list`). @returns {Unit[]} */
  get units() {
    if (this._units === undefined) {
      this._units = call("relation", "relationList", this.id).map((/** @type {string} */ n) => this._model.getUnit(n));
    }
    return /** @type {Unit[]} */ (this._units);
  }

  /** The remote application (this application, for a peer relation). @returns {Application} */
  get app() {
    if (this._app === undefined) {
      const units = this.units;
      this._app = units.length > 0 ? units[0].app : this._model.getApp(call("relation", "relationApp", this.id));
    }
    return /** @type {Application} */ (this._app);
  }

  /**
   * The databags: `relation.data.get(this.unit)`, `.get(this.app)`,
   * `.get(remoteUnit)`, `.get(relation.app)`.
   * @returns {RelationData}
   */
  get data() {
    if (this._data === undefined) this._data = new RelationData(this);
    return this._data;
  }

  /** The event's remote unit, when it belongs to this relation (a departing
   * unit is no longer in `units` but its bag stays readable). */
  _remoteUnit() {
    if (this._remoteUnitName === null) return null;
    const unit = this._model.getUnit(this._remoteUnitName);
    return unit.app === this.app ? unit : null;
  }
}

/** The databags of a relation, by unit or application (a Map-like). */
export class RelationData {
  /** @param {Relation} relation */
  constructor(relation) {
    const model = relation._model;
    /** @type {(Unit | Application)[]} */
    const entities = [model.unit, model.app, ...[...relation.units].sort((a, b) => (a.name < b.name ? -1 : 1)), relation.app];
    const remote = relation._remoteUnit();
    if (remote !== null) entities.push(remote);
    /** @type {Map<Unit | Application, RelationDataContent>} */
    this._bags = new Map();
    for (const entity of entities) {
      if (!this._bags.has(entity)) this._bags.set(entity, new RelationDataContent(relation, entity));
    }
  }

  /**
   * The bag of `entity`; an Error for an entity not in the relation.
   * @param {Unit | Application} entity
   * @returns {RelationDataContent}
   */
  get(entity) {
    const bag = this._bags.get(entity);
    if (bag === undefined) throw new Error(`${entity && entity.name} has no databag in this relation`);
    return bag;
  }

  /** @param {Unit | Application} entity */
  has(entity) {
    return this._bags.has(entity);
  }

  keys() {
    return this._bags.keys();
  }

  get size() {
    return this._bags.size;
  }
}

/**
 * One databag (a Map-like of strings), read once (`relation-get`) and
 * written through (`relation-set`), with Juju's rules checked first as ops
 * checks them: any unit's bag is readable; an application's own bag only
 * by its leader (or in a peer relation); only this unit's bag, and this
 * application's when leader, are writable. An empty value deletes the key.
 */
export class RelationDataContent {
  /**
   * @param {Relation} relation
   * @param {Unit | Application} entity
   */
  constructor(relation, entity) {
    this.relation = relation;
    this._entity = entity;
    this._isApp = entity instanceof Application;
    /** @type {Map<string, string> | undefined} */
    this._cache = undefined;
  }

  get _model() {
    return this.relation._model;
  }

  /** @returns {Map<string, string>} */
  _data() {
    if (this._cache === undefined) {
      this._validateRead();
      this._cache = new Map(call("relation", "relationGet", this.relation.id, this._entity.name, this._isApp));
    }
    return /** @type {Map<string, string>} */ (this._cache);
  }

  _validateRead() {
    const model = this._model;
    if (!this._isApp || this._entity.name !== model.app.name) return;
    if (this.relation.app.name === model.app.name) return; // a peer relation's app bag
    if (!model.unit.isLeader()) {
      throw new RelationDataAccessError(`${model.unit.name} is not leader and cannot read its own application databag`);
    }
  }

  /** @param {Record<string, unknown>} data */
  _validateWrite(data) {
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== "string") {
        throw new RelationDataTypeError(`relation data values must be strings, not ${typeof value} (key ${JSON.stringify(key)})`);
      }
    }
    const model = this._model;
    if (this._isApp) {
      if (this._entity.name !== model.app.name) {
        throw new RelationDataAccessError(`${model.app.name} cannot write the data of remote application ${this._entity.name}`);
      }
      if (!model.unit.isLeader()) {
        throw new RelationDataAccessError(`${model.unit.name} is not leader and cannot write application data.`);
      }
    } else if (this._entity.name !== model.unit.name) {
      throw new RelationDataAccessError(`${model.unit.name} cannot write databag of ${this._entity.name}: not the same unit.`);
    }
  }

  /**
   * @param {string} key
   * @returns {string | undefined}
   */
  get(key) {
    return this._data().get(key);
  }

  /** @param {string} key */
  has(key) {
    return this._data().has(key);
  }

  /**
   * @param {string} key
   * @param {string} value
   */
  set(key, value) {
    this.update({ [key]: value });
    return this;
  }

  /**
   * Deletes `key` (sets it empty, as Juju does); whether it was there.
   * @param {string} key
   */
  delete(key) {
    const had = this.has(key);
    this.update({ [key]: "" });
    return had;
  }

  /**
   * Writes every changed key in one `relation-set`.
   * @param {Record<string, string>} data
   */
  update(data) {
    this._validateWrite(data);
    const current = this._data();
    const changes = Object.entries(data).filter(
      ([key, value]) => (current.has(key) ? current.get(key) !== value : value !== ""),
    );
    if (changes.length === 0) return;
    call("relation", "relationSet", this.relation.id, this._isApp, changes);
    for (const [key, value] of changes) {
      if (value === "") current.delete(key);
      else current.set(key, value);
    }
  }

  keys() {
    return this._data().keys();
  }

  entries() {
    return this._data().entries();
  }

  get size() {
    return this._data().size;
  }

  /** @returns {Record<string, string>} */
  toObject() {
    return Object.fromEntries(this._data());
  }

  [Symbol.iterator]() {
    return this._data()[Symbol.iterator]();
  }
}

// ---------------------------------------------------------------------------
// Secrets

/** How often Juju asks the owner to rotate a secret (`secret-rotate`). */
export const SecretRotate = Object.freeze({
  NEVER: "never",
  HOURLY: "hourly",
  DAILY: "daily",
  WEEKLY: "weekly",
  MONTHLY: "monthly",
  QUARTERLY: "quarterly",
  YEARLY: "yearly",
});

const SECRET_KEY = /^([a-z](?:-?[a-z0-9]){2,})$/; // Juju's rule

/**
 * `secret://<model-uuid>/<id>` for a bare id, as ops canonicalises it.
 * @param {string} id
 * @param {string} modelUuid
 */
export function canonicalSecretId(id, modelUuid) {
  const trimmed = id.trim();
  return trimmed.startsWith("secret:") ? trimmed : `secret://${modelUuid}/${trimmed}`;
}

/** @param {unknown} content */
function validateSecretContent(content) {
  if (content === null || typeof content !== "object" || Array.isArray(content)) {
    throw new TypeError("Secret content must be an object");
  }
  const entries = Object.entries(content);
  if (entries.length === 0) throw new Error("Secret content must not be empty");
  const badKeys = entries.map(([k]) => k).filter((k) => !SECRET_KEY.test(k));
  if (badKeys.length > 0) {
    throw new Error(
      `Invalid secret keys: ${JSON.stringify(badKeys)}. Keys should be lowercase letters and digits, at least 3 ` +
        "characters long, start with a letter, and not start or end with a hyphen.",
    );
  }
  const badValues = entries.filter(([, v]) => typeof v !== "string").map(([k]) => k);
  if (badValues.length > 0) {
    throw new TypeError(`Invalid secret values for keys: ${JSON.stringify(badValues)}. Values should be strings.`);
  }
}

/**
 * The contract's secret options.
 * @param {SecretOptions} options
 */
function secretOptions({ label, description, expire, rotate } = {}) {
  if (rotate !== undefined && rotate !== null && !Object.values(SecretRotate).includes(/** @type {any} */ (rotate))) {
    throw new TypeError(`rotate must be one of SecretRotate's values, not ${JSON.stringify(rotate)}`);
  }
  let expireText = null;
  if (expire instanceof Date) expireText = expire.toISOString();
  else if (typeof expire === "string") expireText = expire;
  else if (expire !== undefined && expire !== null) {
    throw new TypeError("expire must be a Date or a string (an RFC 3339 time, or a duration such as 24h)");
  }
  return { label: label ?? null, description: description ?? null, expire: expireText, rotate: rotate ?? null };
}

/**
 * @typedef {object} SecretInfo A secret's metadata, for its owner (`secret-info-get`).
 * @property {string} id
 * @property {string | null} label
 * @property {number} revision
 * @property {Date | null} expires
 * @property {string | null} rotation One of SecretRotate's values.
 * @property {string | null} description
 * @property {string} owner `application` or `unit`.
 */

/** A Juju secret: get one with model.getSecret, or make one with app.addSecret or unit.addSecret. */
export class Secret {
  /**
   * @param {Model} model
   * @param {{ id?: string, label?: string, content?: Record<string, string> }} fields
   */
  constructor(model, { id, label, content } = {}) {
    if (!id && !label) throw new TypeError("Must provide an id or label, or both");
    this._model = model;
    this._id = id ?? null;
    this._label = label ?? null;
    /** @type {Record<string, string> | null} */
    this._content = content ?? null;
  }

  /**
   * @param {Model} model
   * @param {Record<string, string>} content
   * @param {SecretOptions} options
   * @param {boolean} ownerUnit
   */
  static _add(model, content, options, ownerUnit) {
    validateSecretContent(content);
    const uri = call("secret", "secretAdd", Object.entries(content), secretOptions(options), ownerUnit);
    return new Secret(model, { id: uri, label: options.label, content: { ...content } });
  }

  /** The secret's URI (null when got by label only). */
  get id() {
    return this._id;
  }

  /** The secret's own id, without the URI's scheme and model. */
  get uniqueIdentifier() {
    if (this._id === null) return null;
    if (this._id.includes("/")) return this._id.slice(this._id.lastIndexOf("/") + 1);
    return this._id.startsWith("secret:") ? this._id.slice("secret:".length) : this._id;
  }

  /** The label this unit knows the secret by, if any. */
  get label() {
    return this._label;
  }

  _ref() {
    return this._id !== null ? { tag: "id", val: this._id } : { tag: "label", val: /** @type {string} */ (this._label) };
  }

  /**
   * @param {"tracked" | "peek" | "refresh"} mode
   * @param {string | null} [label]
   * @returns {Record<string, string>}
   */
  _get(mode, label = null) {
    return Object.fromEntries(call("secret", "secretGet", this._ref(), mode, label));
  }

  /**
   * The content of the revision this unit tracks (read once, then kept);
   * with `refresh`, the newest revision's, tracking it from now on.
   * @param {{ refresh?: boolean }} [options]
   */
  getContent({ refresh = false } = {}) {
    if (refresh || this._content === null) this._content = this._get(refresh ? "refresh" : "tracked");
    return { ...this._content };
  }

  /** The newest revision's content, without tracking it (not kept). */
  peekContent() {
    return this._get("peek");
  }

  /** The secret's metadata (owners only). @returns {SecretInfo} */
  getInfo() {
    const info = call("secret", "secretInfoGet", this._ref());
    let expires = null;
    if (info.expiry !== null && info.expiry !== undefined) {
      expires = new Date(info.expiry);
      if (Number.isNaN(expires.getTime())) throw new ModelError(`secret expiry ${JSON.stringify(info.expiry)} is not an RFC 3339 time`);
    }
    return {
      id: canonicalSecretId(info.id, this._model.uuid),
      label: info.label ?? null,
      revision: info.revision,
      expires,
      rotation: info.rotation ?? null,
      description: info.description ?? null,
      owner: info.owner,
    };
  }

  /**
   * A new revision with `content` (none when it is the newest's).
   * @param {Record<string, string>} content
   */
  setContent(content) {
    validateSecretContent(content);
    call("secret", "secretSet", this._ref(), Object.entries(content), secretOptions({}));
  }

  /**
   * Changes the secret's metadata (no new revision).
   * @param {SecretOptions} options
   */
  setInfo(options = {}) {
    const { label, description, expire, rotate } = options;
    if (label == null && description == null && expire == null && rotate == null) {
      throw new TypeError("Must provide a label, description, expiration time, or rotation policy");
    }
    call("secret", "secretSet", this._ref(), null, secretOptions(options));
    if (label != null) this._label = label;
  }

  /**
   * Lets `relation`'s remote application (or only `unit` of it) read the secret.
   * @param {Relation} relation
   * @param {{ unit?: Unit }} [options]
   */
  grant(relation, { unit } = {}) {
    call("secret", "secretGrant", this._ref(), relation.id, unit ? unit.name : null);
  }

  /**
   * Takes back what grant gave.
   * @param {Relation} relation
   * @param {{ unit?: Unit }} [options]
   */
  revoke(relation, { unit } = {}) {
    call("secret", "secretRevoke", this._ref(), relation.id, unit ? unit.name : null);
  }

  /**
   * Removes one revision (in `secret-remove` or `secret-expired`).
   * @param {number} revision
   */
  removeRevision(revision) {
    call("secret", "secretRemove", this._ref(), revision);
  }

  /** Removes the secret. */
  removeAllRevisions() {
    call("secret", "secretRemove", this._ref(), null);
  }
}

// ---------------------------------------------------------------------------
// Ports

/** An open port: `new Port("tcp", 80)`, a range `new Port("tcp", 8000, 8080)`, or `new Port("icmp", null)`. */
export class Port {
  /**
   * @param {string} protocol
   * @param {number | null} port
   * @param {number | null} [toPort]
   */
  constructor(protocol, port, toPort = null) {
    /** `tcp`, `udp` or `icmp`. */
    this.protocol = protocol;
    /** The port, or the range's first; null for icmp. */
    this.port = port;
    /** The range's last port; null for a single port. */
    this.toPort = toPort;
    Object.freeze(this);
  }

  /** @param {unknown} other */
  equals(other) {
    return other instanceof Port && other.protocol === this.protocol && other.port === this.port && other.toPort === this.toPort;
  }
}

/**
 * The contract's port range, checked as Juju's `open-port` checks it (and
 * with its wording).
 * @param {string} protocol
 * @param {number | null} port
 * @param {number | null} toPort
 */
function portRange(protocol, port, toPort) {
  const kind = String(protocol).toLowerCase();
  if (!["tcp", "udp", "icmp"].includes(kind)) {
    throw new ModelError(`invalid protocol "${kind}", expected "tcp", "udp", or "icmp"`);
  }
  if (kind === "icmp") {
    if (port !== null || toPort !== null) throw new ModelError(`protocol "icmp" doesn't support any ports; got "${port}"`);
    return { protocol: kind, from: 0, to: 0 };
  }
  if (port === null) throw new ModelError(`a ${kind} port needs a port number`);
  const last = toPort === null ? port : toPort;
  for (const p of [port, last]) {
    if (!Number.isInteger(p)) throw new TypeError(`a port must be an integer, not ${JSON.stringify(p)}`);
  }
  if (!(port >= 0 && port <= 65535 && last >= 0 && last <= 65535)) {
    throw new ModelError(`port range bounds must be between 0 and 65535, got ${port}-${last}`);
  }
  if (last < port) throw new ModelError(`invalid port range ${port}-${last}/${kind}`);
  return { protocol: kind, from: port, to: last };
}
