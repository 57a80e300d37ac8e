// QuickJS has no `console`: importing this module defines one over WASI
// stdout and stderr when none exists. console.log/info/debug write to stdout
// (an action's `stdout` result), console.error/warn to stderr.

import { wasi } from "./host.js";

/**
 * UTF-8 bytes of a string (QuickJS has no TextEncoder).
 * @param {string} text
 * @returns {Uint8Array}
 */
export function utf8(text) {
  const bytes = [];
  for (const ch of text) {
    const c = /** @type {number} */ (ch.codePointAt(0));
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(bytes);
}

/**
 * How console shows one argument: strings as they are, errors with their
 * stack, anything else as JSON.
 * @param {unknown} value
 */
export function show(value) {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text;
}

/** @param {() => { blockingWriteAndFlush(bytes: Uint8Array): void }} getStream */
function writer(getStream) {
  return (/** @type {unknown[]} */ ...args) => {
    const bytes = utf8(args.map(show).join(" ") + "\n");
    const stream = getStream();
    // blocking-write-and-flush takes at most 4096 bytes at a time.
    for (let i = 0; i < bytes.length; i += 4096) {
      stream.blockingWriteAndFlush(bytes.subarray(i, i + 4096));
    }
  };
}

const scope = /** @type {{ console?: unknown }} */ (globalThis);
if (typeof scope.console === "undefined") {
  const out = writer(() => wasi.stdout.getStdout());
  const err = writer(() => wasi.stderr.getStderr());
  scope.console = { log: out, info: out, debug: out, error: err, warn: err };
}
