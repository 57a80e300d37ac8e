// Where the helper meets the host: the contract's imports as the QuickJS
// runtime of componentize-qjs gives them (one ES module per interface,
// functions in camelCase), and the host's refusals turned into the errors
// ops raises. Every other module of the package reaches the host through
// here.
//
// The charm's world must include juju:charm/charm@0.2.0 (ES imports are
// static, so each interface is imported whether the charm uses it or not),
// and the WASI interfaces below: QuickJS has no console or environment of
// its own.

import * as action from "juju:charm/action@0.2.0";
import * as config from "juju:charm/config@0.2.0";
import * as context from "juju:charm/context@0.2.0";
import * as log from "juju:charm/log@0.2.0";
import * as ports from "juju:charm/ports@0.2.0";
import * as relation from "juju:charm/relation@0.2.0";
import * as secret from "juju:charm/secret@0.2.0";
import * as state from "juju:charm/state@0.2.0";
import * as status from "juju:charm/status@0.2.0";
import * as environment from "wasi:cli/environment@0.2.12";
import * as stderr from "wasi:cli/stderr@0.2.12";
import * as stdout from "wasi:cli/stdout@0.2.12";

import { ModelError, RelationNotFoundError, SecretNotFoundError } from "./errors.js";

/** The contract this version of the helper speaks. */
export const CONTRACT = "juju:charm@0.2.0";

/** The contract's interfaces, by name. */
export const interfaces = { action, config, context, log, ports, relation, secret, state, status };

/** WASI 0.2's stdio and environment. */
export const wasi = { environment, stderr, stdout };

/**
 * The error a call of interface `name` failed with, by ops' rule: a secret
 * call that says "not found" is a SecretNotFoundError, a relation call that
 * says "relation not found" a RelationNotFoundError, anything else a
 * ModelError; each carries the host's message.
 * @param {string} name
 * @param {string} message
 * @returns {ModelError}
 */
export function errorFor(name, message) {
  const lowered = message.toLowerCase();
  if (name === "secret" && lowered.includes("not found")) return new SecretNotFoundError(message);
  if (name === "relation" && lowered.includes("relation not found")) {
    return new RelationNotFoundError(message);
  }
  return new ModelError(message);
}

/**
 * Calls `fn` of interface `name`. componentize-qjs throws an Error whose
 * `payload` is the contract's error string when the host refuses; that
 * becomes the error ops raises (see errorFor). Anything else (a TypeError
 * of the charm's own making) passes through.
 * @param {keyof typeof interfaces} name
 * @param {string} fn
 * @param {...any} args
 */
export function call(name, fn, ...args) {
  try {
    return interfaces[name][fn](...args);
  } catch (e) {
    const payload = e !== null && typeof e === "object" ? /** @type {{ payload?: unknown }} */ (e).payload : undefined;
    if (typeof payload === "string") throw errorFor(name, payload);
    throw e;
  }
}

/**
 * The value of environment variable `key` charmbox set (JUJU_ACTION_UUID…).
 * @param {string} key
 * @returns {string | undefined}
 */
export function env(key) {
  for (const [k, v] of environment.getEnvironment()) if (k === key) return v;
  return undefined;
}
