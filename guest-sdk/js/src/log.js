// Juju's debug log (`juju-log`) for JavaScript charms: `logger.info(...)`
// and its siblings write one line at that level, the arguments shown as
// console shows them (strings as they are, anything else as JSON).

import { interfaces } from "./host.js";
import { show } from "./console.js";

/** The levels of `juju-log`, lowest first. */
export const LEVELS = Object.freeze(["trace", "debug", "info", "warning", "error", "critical"]);

/**
 * Writes `message` to the debug log at `level` (one of LEVELS).
 * @param {string} level
 * @param {string} message
 */
export function jujuLog(level, message) {
  if (!LEVELS.includes(level)) throw new TypeError(`juju-log level must be one of ${LEVELS.join(", ")}, not ${JSON.stringify(level)}`);
  interfaces.log.jujuLog(level, String(message));
}

/** @param {string} level */
const at = (level) => (/** @type {unknown[]} */ ...args) => jujuLog(level, args.map(show).join(" "));

/** The debug log, one method per level (`warn` is `warning`). */
export const logger = Object.freeze({
  trace: at("trace"),
  debug: at("debug"),
  info: at("info"),
  warning: at("warning"),
  warn: at("warning"),
  error: at("error"),
  critical: at("critical"),
});
