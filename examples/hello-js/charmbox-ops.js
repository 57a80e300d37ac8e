// An ops-like surface for charmbox action handlers written in JavaScript,
// the counterpart of guest-sdk/python/charmbox_ops.py. Wrap each exported
// action with `action(handler)` and the handler gets an `event`:
//
//   export const greet = action((event) => {
//     event.log(`greeting ${event.params.name}`);
//     event.setResults({ greeting: { text: "hi" } });   // greeting.text
//   });
//
// - event.params: the params (an object; defaults filled in by charmbox);
// - event.log(msg): a progress message (Juju's action-log);
// - event.setResults(obj): nested objects become dotted keys, as in ops;
// - event.fail(msg): marks the action failed; the handler carries on;
// - event.id, event.name, event.unit.
//
// Throwing an ActionError fails the action with exactly its message; any
// other error fails it with "<Name>: <message>" and its stack on stderr. QuickJS has no `console`:
// importing this module defines console.log/info (to stdout, captured as the
// `stdout` result) and console.error/warn (to stderr).

import * as host from "juju:charm/action@0.2.0";
// WASI 0.2 as the QuickJS runtime of componentize-qjs imports it.
import * as environment from "wasi:cli/environment@0.2.12";
import * as stdoutApi from "wasi:cli/stdout@0.2.12";
import * as stderrApi from "wasi:cli/stderr@0.2.12";

/** UTF-8 bytes of a string (QuickJS has no TextEncoder). */
function utf8(text) {
  const bytes = [];
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(bytes);
}

function writer(getStream) {
  return (...args) => {
    const line = args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
    const bytes = utf8(line + "\n");
    const stream = getStream();
    // blocking-write-and-flush takes at most 4096 bytes at a time.
    for (let i = 0; i < bytes.length; i += 4096) {
      stream.blockingWriteAndFlush(bytes.subarray(i, i + 4096));
    }
  };
}

if (typeof globalThis.console === "undefined") {
  const out = writer(() => stdoutApi.getStdout());
  const err = writer(() => stderrApi.getStderr());
  globalThis.console = { log: out, info: out, debug: out, error: err, warn: err };
}

/** The process environment charmbox sets (JUJU_ACTION_NAME, ...). */
function env(key) {
  for (const [k, v] of environment.getEnvironment()) if (k === key) return v;
  return undefined;
}

export class ActionError extends Error {
  constructor(message) {
    super(message);
    this.name = "ActionError";
  }
}

export class ActionEvent {
  constructor(fallbackName) {
    /** The action's name, e.g. `snapshot-database`. */
    this.name = env("JUJU_ACTION_NAME") ?? fallbackName;
    /** The id of this run of the action (JUJU_ACTION_UUID). */
    this.id = env("JUJU_ACTION_UUID") ?? "";
    /** The unit the action runs on, e.g. `db/0`. */
    this.unit = env("JUJU_UNIT_NAME") ?? "";
    this._params = undefined;
  }

  /** The params the action was invoked with ({} when none). */
  get params() {
    if (this._params === undefined) {
      const text = host.actionGet(undefined);
      this._params = text ? JSON.parse(text) : {};
    }
    return this._params;
  }

  /** Logs a progress message for the operator (action-log). */
  log(message) {
    host.actionLog(String(message));
  }

  /**
   * Sets results; nested objects become dotted keys, as in ops. Values
   * become strings (numbers and booleans in their usual form, arrays and
   * null as JSON). All keys go to the host in one action-set. Throws if two
   * entries flatten to the same key, or if the host refuses a key.
   */
  setResults(results) {
    const pairs = flattenResults(results);
    if (pairs.length === 0) return;
    try {
      host.actionSet(pairs);
    } catch (e) {
      const why = e && e.payload !== undefined ? e.payload : e;
      throw new ActionError(
        `cannot set results of action ${JSON.stringify(this.name)}: ${why}`,
      );
    }
  }

  /** Marks the action failed (action-fail); the handler carries on. */
  fail(message = "") {
    host.actionFail(String(message));
  }
}

/** Flattens nested objects to [dotted key, string value] pairs, in order. */
export function flattenResults(results) {
  if (results === null || typeof results !== "object" || Array.isArray(results)) {
    throw new TypeError("results must be an object");
  }
  const pairs = [];
  const seen = new Set();
  const walk = (obj, prefix) => {
    for (const [key, value] of Object.entries(obj)) {
      const dotted = prefix ? `${prefix}.${key}` : key;
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        walk(value, dotted);
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

/**
 * Turns `handler(event)` into an export: builds the event, runs the handler
 * and turns an exception into the error string the host expects.
 */
export function action(handler) {
  return function () {
    const event = new ActionEvent(kebab(handler.name || ""));
    try {
      handler(event);
    } catch (e) {
      if (e instanceof ActionError) throw e.message;
      if (e instanceof Error) {
        // The stack goes to stderr, returned as the `stderr` result.
        console.error(`${e.name}: ${e.message}\n${e.stack ?? ""}`);
        throw `${e.name}: ${e.message}`;
      }
      throw String(e);
    }
  };
}

function kebab(name) {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
