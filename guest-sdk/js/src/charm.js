// The charm class and its events, as ops shapes them in JavaScript's idiom,
// and `main`, which turns a charm class into the functions the component
// exports.
//
// A component exports one function per action and per hook the charm
// handles, named as Juju names it; componentize-qjs looks each up as an
// export of the charm's module in camelCase (`db-relation-changed` →
// `dbRelationChanged`). `main(MyCharm)` gives an object with such a
// function for every handler method of the class — `on<Hook>` for a hook
// (`onInstall`, `onDbRelationChanged`), `on<Action>Action` for an action
// (`onSnapshotDatabaseAction`) — and the module exports them by name:
//
//   class MyCharm extends CharmBase {
//     onInstall(event) { this.unit.status = new ActiveStatus("installed"); }
//     onGreetAction(event) { event.setResults({ greeting: `hello, ${event.params.name}` }); }
//   }
//   export const { install, greet } = main(MyCharm);

import { call, env } from "./host.js";
import { ActionError } from "./errors.js";
import { camel, handlerName, isHook, kebab, splitHook } from "./hooks.js";
import { logger } from "./log.js";
import { canonicalSecretId, Model, Secret } from "./model.js";

/** What a charm is made with: the model of this run. */
export class Framework {
  /** @param {Model} model */
  constructor(model) {
    /** The model as this unit sees it. */
    this.model = model;
  }
}

/** The base of a charm class: handlers are its `on*` methods. */
export class CharmBase {
  /** @param {Framework} framework */
  constructor(framework) {
    /** The framework the charm was made with. */
    this.framework = framework;
  }

  /** The model as this unit sees it. */
  get model() {
    return this.framework.model;
  }

  /** This unit. */
  get unit() {
    return this.framework.model.unit;
  }

  /** This unit's application. */
  get app() {
    return this.framework.model.app;
  }

  /** The application's config (a frozen plain object). */
  get config() {
    return this.framework.model.config;
  }
}

// ---------------------------------------------------------------------------
// Events

/** An event a handler runs for. */
export class EventBase {
  /**
   * @param {Framework} framework
   * @param {string} name
   */
  constructor(framework, name) {
    this.framework = framework;
    /** The hook's or action's name, as Juju names it (`db-relation-changed`). */
    this.name = name;
    /** Whether defer() was called in this run. */
    this.deferred = false;
  }

  /**
   * Runs this event again, with the same context, before the next event on
   * this unit (hook or action), until a run of it does not defer. The
   * handler carries on: return after deferring.
   */
  defer() {
    if (!this.deferred) {
      call("context", "defer");
      this.deferred = true;
    }
  }
}

/** A hook's event. */
export class HookEvent extends EventBase {}

/** @param {string} name */
function cannotDefer(name) {
  return new Error(`cannot defer ${name} events`);
}

export class InstallEvent extends HookEvent {}
export class StartEvent extends HookEvent {}
/** `stop`: the unit is being torn down; cannot be deferred. */
export class StopEvent extends HookEvent {
  defer() {
    throw cannotDefer(this.name);
  }
}
/** `remove`: cannot be deferred. */
export class RemoveEvent extends HookEvent {
  defer() {
    throw cannotDefer(this.name);
  }
}
export class ConfigChangedEvent extends HookEvent {}
export class UpdateStatusEvent extends HookEvent {}
export class UpgradeCharmEvent extends HookEvent {}
export class LeaderElectedEvent extends HookEvent {}
export class LeaderDeposedEvent extends HookEvent {}
export class LeaderSettingsChangedEvent extends HookEvent {}
export class PreSeriesUpgradeEvent extends HookEvent {}
export class PostSeriesUpgradeEvent extends HookEvent {}

/** A relation hook's event: the relation, the remote application and, where Juju gives one, the remote unit. */
export class RelationEvent extends HookEvent {
  /**
   * @param {Framework} framework
   * @param {string} name
   * @param {import("./model.js").Relation} relation
   * @param {import("./model.js").Application | null} app
   * @param {import("./model.js").Unit | null} unit
   */
  constructor(framework, name, relation, app, unit) {
    super(framework, name);
    /** The relation. */
    this.relation = relation;
    /** The remote application. */
    this.app = app;
    /** The remote unit, or null. */
    this.unit = unit;
  }
}
export class RelationCreatedEvent extends RelationEvent {}
export class RelationJoinedEvent extends RelationEvent {}
/** `<endpoint>-relation-changed`: read `event.relation.data.get(event.unit)` (or `event.app`) for what changed. */
export class RelationChangedEvent extends RelationEvent {}
/** `<endpoint>-relation-departed`. */
export class RelationDepartedEvent extends RelationEvent {
  /**
   * @param {Framework} framework
   * @param {string} name
   * @param {import("./model.js").Relation} relation
   * @param {import("./model.js").Application | null} app
   * @param {import("./model.js").Unit | null} unit
   * @param {import("./model.js").Unit | null} departingUnit
   */
  constructor(framework, name, relation, app, unit, departingUnit) {
    super(framework, name, relation, app, unit);
    /** The unit leaving the relation. */
    this.departingUnit = departingUnit;
  }
}
export class RelationBrokenEvent extends RelationEvent {}

/** A secret hook's event. */
export class SecretEvent extends HookEvent {
  /**
   * @param {Framework} framework
   * @param {string} name
   * @param {Secret} secret
   */
  constructor(framework, name, secret) {
    super(framework, name);
    /** The secret (its content is read when asked for). */
    this.secret = secret;
  }
}
/** `secret-changed`: `event.secret.getContent({ refresh: true })` reads and tracks the new revision. */
export class SecretChangedEvent extends SecretEvent {}
/** `secret-rotate`: Juju fires it until the owner sets new content. */
export class SecretRotateEvent extends SecretEvent {
  defer() {
    throw new Error(
      "Cannot defer secret rotation events. Juju will keep firing this event until you create a new revision.",
    );
  }
}
class SecretRevisionEvent extends SecretEvent {
  /**
   * @param {Framework} framework
   * @param {string} name
   * @param {Secret} secret
   * @param {number} revision
   */
  constructor(framework, name, secret, revision) {
    super(framework, name, secret);
    /** The revision concerned. */
    this.revision = revision;
  }

  /** Removes `revision`. */
  removeRevision() {
    this.secret.removeRevision(this.revision);
  }
}
/** `secret-remove`: no consumer tracks `revision` any more. */
export class SecretRemoveEvent extends SecretRevisionEvent {}
/** `secret-expired`: `revision` expired; cannot be deferred. */
export class SecretExpiredEvent extends SecretRevisionEvent {
  defer() {
    throw cannotDefer(this.name);
  }
}

/** A storage hook's event. */
export class StorageEvent extends HookEvent {
  /**
   * @param {Framework} framework
   * @param {string} name
   * @param {string} storageName
   * @param {string | null} storageId
   */
  constructor(framework, name, storageName, storageId) {
    super(framework, name);
    /** The storage's name in the metadata (`data`). */
    this.storageName = storageName;
    /** The storage instance (`data/0`). */
    this.storageId = storageId;
  }
}
export class StorageAttachedEvent extends StorageEvent {}
export class StorageDetachingEvent extends StorageEvent {}

/** A workload container's (Pebble) event. */
export class WorkloadEvent extends HookEvent {
  /**
   * @param {Framework} framework
   * @param {string} name
   * @param {string} workload
   */
  constructor(framework, name, workload) {
    super(framework, name);
    /** The container's name. */
    this.workload = workload;
  }
}
export class PebbleReadyEvent extends WorkloadEvent {}
export class PebbleCustomNoticeEvent extends WorkloadEvent {}
export class PebbleCheckFailedEvent extends WorkloadEvent {}
export class PebbleCheckRecoveredEvent extends WorkloadEvent {}
export class PebbleChangeUpdatedEvent extends WorkloadEvent {}

/** A running action (like ops' ActionEvent). */
export class ActionEvent extends EventBase {
  /**
   * @param {Framework} framework
   * @param {string} name
   * @param {string} [id]
   */
  constructor(framework, name, id = "") {
    super(framework, name);
    /** This run's id (JUJU_ACTION_UUID): the task id `charmbox show-task` takes. */
    this.id = id;
    /** @type {Record<string, any> | undefined} */
    this._params = undefined;
  }

  /** Actions cannot be deferred: throws, as ops does. */
  defer() {
    throw new Error("cannot defer action events");
  }

  /** The params, with the schema's defaults filled in ({} when none). @returns {Record<string, any>} */
  get params() {
    if (this._params === undefined) {
      const text = call("action", "actionGet", null);
      this._params = text ? JSON.parse(text) : {};
    }
    return /** @type {Record<string, any>} */ (this._params);
  }

  /**
   * A progress message for the operator (action-log).
   * @param {unknown} message
   */
  log(message) {
    call("action", "actionLog", String(message));
  }

  /**
   * Sets results; nested objects become dotted keys, as in ops. Values
   * become strings (numbers and booleans in their usual form, arrays and
   * null as JSON). All keys go to the host in one action-set. Throws if two
   * entries flatten to the same key, or if the host refuses a key.
   * @param {Record<string, unknown>} results
   */
  setResults(results) {
    const pairs = flattenResults(results);
    if (pairs.length === 0) return;
    try {
      call("action", "actionSet", pairs);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new ActionError(`cannot set results of action ${JSON.stringify(this.name)}: ${why}`);
    }
  }

  /**
   * Marks the action failed (action-fail); the handler carries on, and
   * results set before and after are kept; the last message wins.
   * @param {unknown} [message]
   */
  fail(message = "") {
    call("action", "actionFail", String(message));
  }
}

/**
 * Flattens nested objects to [dotted key, string value] pairs, in order.
 * @param {Record<string, unknown>} results
 * @returns {[string, string][]}
 */
export function flattenResults(results) {
  if (results === null || typeof results !== "object" || Array.isArray(results)) {
    throw new TypeError("results must be an object");
  }
  /** @type {[string, string][]} */
  const pairs = [];
  const seen = new Set();
  const walk = (/** @type {Record<string, unknown>} */ obj, /** @type {string} */ prefix) => {
    for (const [key, value] of Object.entries(obj)) {
      const dotted = prefix ? `${prefix}.${key}` : key;
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        walk(/** @type {Record<string, unknown>} */ (value), dotted);
        continue;
      }
      if (seen.has(dotted)) {
        throw new ActionError(
          `duplicate result key ${JSON.stringify(dotted)}: two entries flatten to the same dotted key`,
        );
      }
      seen.add(dotted);
      pairs.push([dotted, typeof value === "string" ? value : String(JSON.stringify(value) ?? "null")]);
    }
  };
  walk(results, "");
  return pairs;
}

const UNIT_EVENTS = {
  install: InstallEvent,
  start: StartEvent,
  stop: StopEvent,
  remove: RemoveEvent,
  "config-changed": ConfigChangedEvent,
  "update-status": UpdateStatusEvent,
  "upgrade-charm": UpgradeCharmEvent,
  "leader-elected": LeaderElectedEvent,
  "leader-deposed": LeaderDeposedEvent,
  "leader-settings-changed": LeaderSettingsChangedEvent,
  "pre-series-upgrade": PreSeriesUpgradeEvent,
  "post-series-upgrade": PostSeriesUpgradeEvent,
};
const RELATION_EVENTS = {
  "relation-created": RelationCreatedEvent,
  "relation-joined": RelationJoinedEvent,
  "relation-changed": RelationChangedEvent,
  "relation-departed": RelationDepartedEvent,
  "relation-broken": RelationBrokenEvent,
};
const SECRET_EVENTS = {
  "secret-changed": SecretChangedEvent,
  "secret-rotate": SecretRotateEvent,
  "secret-remove": SecretRemoveEvent,
  "secret-expired": SecretExpiredEvent,
};
const STORAGE_EVENTS = { "storage-attached": StorageAttachedEvent, "storage-detaching": StorageDetachingEvent };
const WORKLOAD_EVENTS = {
  "pebble-ready": PebbleReadyEvent,
  "pebble-custom-notice": PebbleCustomNoticeEvent,
  "pebble-check-failed": PebbleCheckFailedEvent,
  "pebble-check-recovered": PebbleCheckRecoveredEvent,
  "pebble-change-updated": PebbleChangeUpdatedEvent,
};

/**
 * The framework and event of hook `name`, from the host's event context.
 * @param {string} name
 * @returns {[Framework, HookEvent]}
 */
function hookEvent(name) {
  const info = call("context", "event");
  const [kind, prefix] = /** @type {[string, string]} */ (splitHook(name));
  const model = new Model({ remoteUnitName: info.remoteUnit ?? null });
  const framework = new Framework(model);
  const pick = (/** @type {Record<string, any>} */ table) => table[kind];
  if (pick(UNIT_EVENTS)) return [framework, new (pick(UNIT_EVENTS))(framework, name)];
  if (pick(RELATION_EVENTS)) {
    if (!info.relation) throw new Error(`the host gave relation hook ${name} no relation`);
    const relation = /** @type {import("./model.js").Relation} */ (model.getRelation(info.relation.endpoint, info.relation.id));
    if (kind === "relation-broken") relation.active = false;
    const unit = info.remoteUnit ? model.getUnit(info.remoteUnit) : null;
    const app = info.remoteApp ? model.getApp(info.remoteApp) : unit ? unit.app : null;
    if (kind === "relation-departed") {
      const departing = info.departingUnit ? model.getUnit(info.departingUnit) : null;
      return [framework, new RelationDepartedEvent(framework, name, relation, app, unit, departing)];
    }
    return [framework, new (pick(RELATION_EVENTS))(framework, name, relation, app, unit)];
  }
  if (pick(SECRET_EVENTS)) {
    if (!info.secretId && !info.secretLabel) throw new Error(`the host gave secret hook ${name} no secret`);
    const id = info.secretId ? canonicalSecretId(info.secretId, model.uuid) : undefined;
    const secret = new Secret(model, { id, label: info.secretLabel ?? undefined });
    const Event = pick(SECRET_EVENTS);
    if (Event.prototype instanceof SecretRevisionEvent) {
      if (info.secretRevision === null || info.secretRevision === undefined) {
        throw new Error(`the host gave secret hook ${name} no revision`);
      }
      return [framework, new Event(framework, name, secret, info.secretRevision)];
    }
    return [framework, new Event(framework, name, secret)];
  }
  if (pick(STORAGE_EVENTS)) return [framework, new (pick(STORAGE_EVENTS))(framework, name, prefix, info.storageId ?? null)];
  return [framework, new (pick(WORKLOAD_EVENTS))(framework, name, info.workload ?? prefix)];
}

/**
 * @param {string} name
 * @returns {[Framework, ActionEvent]}
 */
function actionEvent(name) {
  const framework = new Framework(new Model());
  return [framework, new ActionEvent(framework, name, env("JUJU_ACTION_UUID") ?? "")];
}

/**
 * One export call: the charm handles event `name` with `method`; an error
 * becomes the export's error (the action's failure message, or the hook's
 * failure): an ActionError's message as it is, any other as
 * "<Name>: <message>", with its stack on stderr and in the debug log.
 * @param {new (framework: Framework) => CharmBase} CharmClass
 * @param {string} name
 * @param {string} method
 */
function run(CharmClass, name, method) {
  try {
    const [framework, event] = isHook(name) ? hookEvent(name) : actionEvent(name);
    const charm = new CharmClass(framework);
    /** @type {any} */ (charm)[method](event);
  } catch (e) {
    if (e instanceof ActionError) throw e.message;
    if (e instanceof Error) {
      const text = `${e.name}: ${e.message}`;
      console.error(`${text}\n${e.stack ?? ""}`);
      logger.error(`Uncaught exception while in charm code:\n${text}\n${e.stack ?? ""}`);
      throw text;
    }
    throw String(e);
  }
}

/**
 * The charm class's handler methods, by the export name each handles
 * (`on<Action>Action`, `on<Hook>`; a method `onX` where X is no hook is
 * left alone).
 * @param {Function} CharmClass
 * @returns {Map<string, string>}
 */
export function handlerMethods(CharmClass) {
  /** @type {Map<string, string>} */
  const found = new Map();
  for (let proto = CharmClass.prototype; proto && proto !== CharmBase.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const attr of Object.getOwnPropertyNames(proto)) {
      const m = /^on([A-Z][A-Za-z0-9]*)$/.exec(attr);
      if (!m || found.has(attr) || typeof Object.getOwnPropertyDescriptor(proto, attr)?.value !== "function") continue;
      const rest = kebab(m[1]).slice(1);
      if (rest.endsWith("-action") && !isHook(rest.slice(0, -"-action".length))) {
        found.set(rest.slice(0, -"-action".length), attr);
      } else if (isHook(rest)) {
        found.set(rest, attr);
      }
    }
  }
  return found;
}

/**
 * The component's exports for `CharmClass`, by their camelCase export
 * names (`install`, `dbRelationChanged`, `snapshotDatabase`): export them
 * from the charm's module,
 *
 *   export const { install, greet } = main(MyCharm);
 *
 * Each runs its handler with a new charm and its event. Asking for a name
 * the class has no handler for throws, naming the method to write, so the
 * build (which runs the module) fails with it.
 * @param {new (framework: Framework) => CharmBase} CharmClass
 * @returns {Record<string, () => void>}
 */
export function main(CharmClass) {
  if (typeof CharmClass !== "function" || !(CharmClass.prototype instanceof CharmBase)) {
    throw new TypeError(`main() takes a class extending CharmBase, not ${String(CharmClass)}`);
  }
  /** @type {Record<string, () => void>} */
  const exports = {};
  for (const [name, method] of handlerMethods(CharmClass)) {
    exports[camel(name)] = function () {
      run(CharmClass, name, method);
    };
  }
  return new Proxy(exports, {
    get(target, prop) {
      if (typeof prop !== "string" || prop in target || prop === "then") return Reflect.get(target, prop);
      const name = kebab(prop);
      const what = isHook(name) ? "hook" : "action";
      throw new TypeError(
        `${CharmClass.name} has no handler for ${what} ${JSON.stringify(name)} (export ${prop}): ` +
          `add a method ${handlerName(name)}(event)`,
      );
    },
  });
}
