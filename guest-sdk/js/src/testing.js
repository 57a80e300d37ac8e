// charmbox-ops/testing: testing a charm's actions from node's test runner,
// in the manner of ops.testing and of charmbox's Rust testing API. Each run
// goes through the `charmbox` binary, exactly as `charmbox run` does it, on
// the charm's BUILT component (params checked against charmcraft.yaml and
// defaults filled in, a fresh sandbox, the same results, log and output):
//
//   import { Context } from "charmbox-ops/testing";
//   const ctx = new Context(new URL("..", import.meta.url)); // builds once
//   const out = ctx.run("greet", { name: "Ada" });
//   assert.equal(out.results.greeting, "Hello, Ada!");
//   assert.deepEqual(out.logMessages, ["greeting Ada"]);
//   const failed = ctx.runFailing("greet", { name: "" });
//   assert.equal(failed.message, "name must not be empty");
//
// The binary is $CHARMBOX if set, else `charmbox` on PATH. A context builds
// the charm with `charmbox build` when it is made (once per process and
// charm; pass { build: false } to run charm.wasm as it is) and keeps its
// units' data in a temporary state directory of its own, removed at exit.
//
// This module runs in node, outside the component: it imports nothing from
// the component's world, and the charm's own module never imports it.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** charmbox run's exit status when an action ran and failed. */
const EXIT_FAILED = 1;
/** How charmbox's message starts when it refuses an action's params. */
const INVALID_PARAMS = "invalid params for action ";

/** Charm directories built by this process. */
const built = new Set();

/** charmbox could not build, load or run the charm; the message is charmbox's. */
export class CharmboxError extends Error {
  constructor(message) {
    super(message);
    this.name = "CharmboxError";
  }
}

/** The params do not fit the action's schema: charmbox refused them before
 * the sandbox started. The message names each param at fault. */
export class InvalidParams extends CharmboxError {
  /** @param {string} action @param {string} message */
  constructor(action, message) {
    super(message);
    this.name = "InvalidParams";
    this.action = action;
  }
}

/** What one run of an action reported, as `charmbox run` prints it. */
export class ActionOutput {
  /** @param {string} action @param {Record<string, any>} task */
  constructor(action, task) {
    this.action = action;
    /** The task id (the handler's `event.id`). */
    this.id = String(task.id ?? "");
    this.unit = task.unit ?? "";
    /** `completed` or `failed`. */
    this.status = task.status ?? "";
    /** Nested, as `juju run` shows them, with `return-code`, `stdout`, `stderr`. */
    this.results = task.results ?? {};
    /** Each line: `{ timestamp, message }`. */
    this.log = (task.log ?? []).map(logEntry);
    /** The failure message, for a failed run. */
    this.message = task.message;
    /** The task as `charmbox run --format json` printed it. */
    this.raw = task;
  }

  /** The log's messages, without their timestamps. */
  get logMessages() {
    return this.log.map((entry) => entry.message);
  }

  /** What the handler printed to stdout. */
  get stdout() {
    return String(this.results.stdout ?? "");
  }

  /** What the handler printed to stderr. */
  get stderr() {
    return String(this.results.stderr ?? "");
  }

  /** Juju's `return-code`: 0 unless the action failed. */
  get returnCode() {
    return Number(this.results["return-code"] ?? 0);
  }

  /** Only what the charm set (no `return-code`, `stdout`, `stderr`). */
  get charmResults() {
    const reserved = new Set(["return-code", "stdout", "stderr", "stdout-encoding", "stderr-encoding"]);
    return Object.fromEntries(Object.entries(this.results).filter(([k]) => !reserved.has(k)));
  }

  /** The result at a dotted key (`greeting.text`), or undefined. */
  result(key) {
    let value = this.results;
    for (const part of key.split(".")) {
      if (value === null || typeof value !== "object" || !Object.hasOwn(value, part)) return undefined;
      value = value[part];
    }
    return value;
  }
}

/** An action that ran and failed, with everything it reported (`output`). */
export class ActionFailed extends CharmboxError {
  /** @param {ActionOutput} output */
  constructor(output) {
    const log = output.logMessages.map((line) => `\n  ${line}`).join("") || " (none)";
    super(
      `action ${JSON.stringify(output.action)} failed: ${output.message ?? ""}\n` +
        `results: ${JSON.stringify(output.results, null, 2)}\nlog:${log}`,
    );
    this.name = "ActionFailed";
    this.output = output;
    this.message = output.message ?? "";
  }
}

/**
 * What one command fired (`Context.deploy`, `Context.runHook`), and the
 * unit's status after. `runs`: every hook run, in order (deferred events'
 * re-runs, the hook, what its relation writes fired on other units), each
 * `{ id, unit, hook, context, status, cause, message }` as `charmbox hooks
 * --format json` records it; `status`: the unit's workload status
 * `{ current, message }` (`error` while a hook failed).
 */
export class HookOutput {
  /** @param {any[]} runs @param {string} unit @param {{ current: string, message: string }} status */
  constructor(runs, unit, status) {
    this.runs = runs;
    this.unit = unit;
    this.status = status;
  }

  /** The hooks that ran on `unit`, by name. @returns {string[]} */
  get ran() {
    return this.runs.filter((run) => run.unit === this.unit).map((run) => run.hook);
  }

  /** Whether no run failed. */
  get succeeded() {
    return this.runs.every((run) => run.status !== "failed");
  }
}

/** One charm, built, with its own units' data. */
export class Context {
  /**
   * @param {string | URL} charmDir the charm's directory (charmcraft.yaml, charm.wasm once built)
   * @param {{ unit?: string, build?: boolean, timeout?: string, charmbox?: string }} [options]
   *   unit: the unit actions run on (default `<charm name>/0`); build: run
   *   `charmbox build` first (default true); timeout: `charmbox run --timeout`.
   */
  constructor(charmDir, options = {}) {
    this.charmDir = resolve(charmDir instanceof URL ? fileURLToPath(charmDir) : charmDir);
    this.unit = options.unit;
    this.timeout = options.timeout;
    this.charmbox = options.charmbox ?? process.env.CHARMBOX ?? "charmbox";
    /** The state directory the runs use (units' data, the task store). */
    this.stateDir = mkdtempSync(join(tmpdir(), "charmbox-test-"));
    process.once("exit", () => rmSync(this.stateDir, { recursive: true, force: true }));
    if ((options.build ?? true) && !built.has(this.charmDir)) {
      const done = this.#invoke(["build", this.charmDir]);
      if (done.status !== 0) {
        throw new CharmboxError(`building the charm failed (charmbox build ${this.charmDir}):\n${errorText(done.stderr)}`);
      }
      built.add(this.charmDir);
    }
  }

  /** A unit's `/data` on the host: seed files before a run, inspect them after. */
  dataDir(unit = this.unit) {
    if (!unit) throw new Error("name the unit: dataDir('my-app/0')");
    const [app, number] = unit.split("/");
    return join(this.stateDir, "units", `${app}-${number}`, "data");
  }

  /**
   * Runs `action` with `params` and returns what it reported; throws
   * ActionFailed if it failed, InvalidParams if charmbox refused the params,
   * CharmboxError if the charm could not be loaded or run.
   * @param {string} action @param {Record<string, any>} [params]
   */
  run(action, params = {}) {
    const output = this.#run(action, params);
    if (output.status !== "completed") throw new ActionFailed(output);
    return output;
  }

  /**
   * Runs `action`, expecting it to fail, and returns the failure; throws an
   * AssertionError-like Error if it completed.
   * @param {string} action @param {Record<string, any>} [params]
   */
  runFailing(action, params = {}) {
    const output = this.#run(action, params);
    if (output.status === "completed") {
      throw new Error(
        `action ${JSON.stringify(action)} completed, but the test expected it to fail; results: ${JSON.stringify(output.results)}`,
      );
    }
    return new ActionFailed(output);
  }

  /**
   * `charmbox deploy` of the charm with `units` units in the context's
   * model: each unit's setup hooks (install, the peer relations' hooks,
   * leader-elected, config-changed, start). The output's unit is the first.
   * @param {{ units?: number }} [options]
   * @returns {HookOutput}
   */
  deploy({ units = 1 } = {}) {
    const before = this.#lastHookId();
    const done = this.#invoke(["deploy", this.charmDir, "-n", String(units)]);
    if (done.status !== 0 && done.status !== EXIT_FAILED) {
      throw new CharmboxError(`charmbox deploy failed: ${errorText(done.stderr)}`);
    }
    this.#deployed = true;
    const runs = this.#hookRuns(before);
    const unit = runs.length > 0 ? runs[0].unit : "";
    return new HookOutput(runs, unit, this.#unitStatus(unit));
  }

  /**
   * Fires `hook` on `unit` (default: the context's unit, or the first) as
   * `charmbox run-hook` does, the unit's deferred events first; deploys one
   * unit first if `deploy` was not called. A relation hook takes the
   * endpoint's relation (`relation`, its id, when there are several) and
   * `remoteUnit`. A hook that fails is in the output (`succeeded` is false,
   * the status `error`); throws CharmboxError if charmbox refused to fire it.
   * @param {string} hook
   * @param {{ unit?: string, relation?: number, remoteUnit?: string }} [options]
   * @returns {HookOutput}
   */
  runHook(hook, { unit, relation, remoteUnit } = {}) {
    if (!this.#deployed) this.deploy();
    const on = unit ?? this.unit ?? this.#firstUnit();
    const before = this.#lastHookId();
    const args = ["run-hook", on, hook];
    if (relation !== undefined) args.push("--relation", String(relation));
    if (remoteUnit !== undefined) args.push("--remote-unit", remoteUnit);
    const done = this.#invoke(args);
    const runs = this.#hookRuns(before);
    if ((done.status !== 0 && done.status !== EXIT_FAILED) || (done.status === EXIT_FAILED && runs.length === 0)) {
      throw new CharmboxError(`charmbox run-hook ${on} ${hook} failed: ${errorText(done.stderr)}`);
    }
    return new HookOutput(runs, on, this.#unitStatus(on));
  }

  #deployed = false;

  #hookRuns(after) {
    const done = this.#invoke(["hooks", "--format", "json"]);
    if (done.status !== 0) throw new CharmboxError(`charmbox hooks failed: ${errorText(done.stderr)}`);
    return JSON.parse(done.stdout || "[]")
      .filter((run) => run.id > after)
      .map((run) => ({
        id: run.id,
        unit: run.unit,
        hook: run.hook,
        context: run.context ?? {},
        status: run.status,
        cause: run.cause ?? "",
        message: run.message ?? null,
      }));
  }

  #lastHookId() {
    if (!existsSync(join(this.stateDir, "hooks.db"))) return 0;
    const runs = this.#hookRuns(0);
    return runs.length > 0 ? runs[runs.length - 1].id : 0;
  }

  #status() {
    const done = this.#invoke(["status", "--format", "json"]);
    if (done.status !== 0) throw new CharmboxError(`charmbox status failed: ${errorText(done.stderr)}`);
    return JSON.parse(done.stdout);
  }

  #firstUnit() {
    for (const app of Object.values(this.#status().applications ?? {})) {
      for (const name of Object.keys(app.units ?? {})) return name;
    }
    throw new CharmboxError("the context's model has no unit: call deploy() first");
  }

  #unitStatus(unit) {
    for (const app of Object.values(this.#status().applications ?? {})) {
      const view = (app.units ?? {})[unit];
      if (view !== undefined) {
        const workload = view["workload-status"] ?? {};
        return { current: workload.current ?? "", message: workload.message ?? "" };
      }
    }
    return { current: "unknown", message: "" };
  }

  #run(action, params) {
    const file = join(this.stateDir, `params-${process.pid}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(params));
    const args = ["run", this.charmDir, action, "--params", file, "--format", "json"];
    if (this.unit) args.push("--unit", this.unit);
    if (this.timeout) args.push("--timeout", this.timeout);
    let done;
    try {
      done = this.#invoke(args);
    } finally {
      rmSync(file, { force: true });
    }
    if ((done.status !== 0 && done.status !== EXIT_FAILED) || !done.stdout.trim()) {
      const message = errorText(done.stderr);
      if (message.startsWith(INVALID_PARAMS)) throw new InvalidParams(action, message);
      throw new CharmboxError(`charmbox run ${action} failed: ${message}`);
    }
    const tasks = Object.values(JSON.parse(done.stdout));
    return new ActionOutput(action, tasks[0]);
  }

  #invoke(args) {
    const done = spawnSync(this.charmbox, args, {
      encoding: "utf8",
      env: { ...process.env, CHARMBOX_STATE_DIR: this.stateDir },
      maxBuffer: 64 << 20,
    });
    if (done.error) {
      throw new CharmboxError(
        done.error.code === "ENOENT"
          ? "cannot find the charmbox binary: put it on PATH (`cargo install --path <charmbox checkout>/cli`) or set CHARMBOX to its path"
          : `cannot run ${this.charmbox}: ${done.error.message}`,
      );
    }
    return done;
  }
}

/** A log line as `juju run` prints it: `2026-12-02 01:39:58 +0000 UTC
 * message` (a timestamp of four words, then the message). */
function logEntry(entry) {
  if (entry !== null && typeof entry === "object") {
    return { timestamp: String(entry.timestamp ?? ""), message: String(entry.message ?? "") };
  }
  const words = String(entry).split(" ");
  if (words.length < 5) return { timestamp: "", message: String(entry) };
  return { timestamp: words.slice(0, 4).join(" "), message: words.slice(4).join(" ") };
}

function errorText(stderr) {
  const text = String(stderr ?? "").trim();
  return text.startsWith("error: ") ? text.slice("error: ".length) : text;
}
