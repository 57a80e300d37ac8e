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
// Hooks run in a local model in the context's own state directory, as
// `charmbox deploy` and `charmbox run-hook` run them, and the model around
// the charm is set and read as an operator would (`charmbox config`,
// `integrate`, `add-secret`; `status`, `show-unit`, `secrets`):
//
//   const out = ctx.deploy({ units: 2 });     // install, ..., start on each unit
//   assert.deepEqual(out.status, { current: "active", message: "ready to greet in en, 1 friends" });
//   assert.deepEqual(ctx.runHook("start").ran, ["start"]);      // on <app>/0
//
//   ctx.setConfig({ greeting: "Hi", language: "fr" });          // config in
//   ctx.integrate("listeners", { application: "listener", units: { "listener/0": {} } });
//   assert.deepEqual(ctx.status(), { current: "active", message: "ready to greet in fr, 0 friends" });
//   assert.deepEqual(ctx.relations("listeners")[0].unitData, { greeting: "Hi" });
//   assert.deepEqual(ctx.secret("greeting").content, { greeting: "Hi" });
//
// A model call (or runHook) made before deploy deploys one unit first (its
// install, leader-elected, config-changed and start hooks run), so that unit
// leads.
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
 * `{ current, message }`, as `Context.status` gives it (`error` while a hook
 * failed).
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

  // Hooks, in the context's local model.

  /**
   * `charmbox deploy` of the charm with `units` units in the context's
   * model: each unit's setup hooks (install, the peer relations' hooks,
   * leader-elected, config-changed, start); its first unit leads. Records
   * the application (`app`). The output's unit is the first. Throws
   * CharmboxError if charmbox refused (the charm deployed already, for one).
   * @param {{ units?: number }} [options]
   * @returns {HookOutput}
   */
  deploy({ units = 1 } = {}) {
    const before = this.#lastHookId();
    const done = this.#invoke(["deploy", this.charmDir, "-n", String(units)]);
    if (done.status !== 0 && done.status !== EXIT_FAILED) {
      throw new CharmboxError(`charmbox deploy failed: ${errorText(done.stderr)}`);
    }
    const app = this.#appOfCharm();
    if (app === undefined) {
      throw new CharmboxError(`charmbox deploy ${this.charmDir} left no application of it in the model`);
    }
    this.#app = app;
    const runs = this.#hookRuns(before);
    const unit = runs.length > 0 ? runs[0].unit : this.#defaultUnit();
    return new HookOutput(runs, unit, this.status(unit));
  }

  /**
   * Fires `hook` on `unit` (default: the context's unit, or the
   * application's first) as `charmbox run-hook` does, the unit's deferred
   * events first; deploys one unit first if `deploy` was not called. A
   * relation hook takes the endpoint's relation (`relation`, its id, when
   * there are several) and `remoteUnit`. A hook that fails is in the output
   * (`succeeded` is false, the status `error`); throws CharmboxError if
   * charmbox refused to fire it.
   * @param {string} hook
   * @param {{ unit?: string, relation?: number, remoteUnit?: string }} [options]
   * @returns {HookOutput}
   */
  runHook(hook, { unit, relation, remoteUnit } = {}) {
    this.#deployedApp();
    const on = unit ?? this.#defaultUnit();
    const before = this.#lastHookId();
    const args = ["run-hook", on, hook];
    if (relation !== undefined) args.push("--relation", String(relation));
    if (remoteUnit !== undefined) args.push("--remote-unit", remoteUnit);
    const done = this.#invoke(args);
    const runs = this.#hookRuns(before);
    if ((done.status !== 0 && done.status !== EXIT_FAILED) || (done.status === EXIT_FAILED && runs.length === 0)) {
      throw new CharmboxError(`charmbox run-hook ${on} ${hook} failed: ${errorText(done.stderr)}`);
    }
    return new HookOutput(runs, on, this.status(on));
  }

  // The local model: what the charm reads, set before a run; what it wrote,
  // read after. Each goes through the operator's command.

  /** The charm's application in the model: the one `deploy` made, or, when none was, one unit deployed now. */
  get app() {
    return this.#deployedApp();
  }

  /** Sets config options, as `charmbox config APP key=value` (typed as Juju types them; config-changed runs). */
  setConfig(values) {
    const pairs = Object.entries(values).map(([key, value]) => `${key}=${String(value)}`);
    this.#charmbox(["config", this.app, ...pairs], "setting config");
  }

  /** Resets config options to their defaults. */
  resetConfig(...keys) {
    this.#charmbox(["config", this.app, "--reset", keys.join(",")], "resetting config");
  }

  /**
   * Relates the charm's `endpoint` to a stand-in remote application
   * (`charmbox integrate APP:ENDPOINT --remote FILE`): `remote` is that
   * file's content (`application`, `endpoint`, `interface`,
   * `application-data`, `units` with each unit's databag).
   */
  integrate(endpoint, remote) {
    const file = join(this.stateDir, `remote-${process.pid}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(remote));
    try {
      this.#charmbox(["integrate", `${this.app}:${endpoint}`, "--remote", file], `relating ${endpoint}`);
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** Adds a user secret (`charmbox add-secret`), granted to the charm's application unless `grant` is false; returns its URI. */
  addSecret(name, content, { grant = true } = {}) {
    const pairs = Object.entries(content).map(([key, value]) => `${key}=${value}`);
    const done = this.#charmbox(["add-secret", name, ...pairs], "adding a secret");
    if (grant) this.#charmbox(["grant-secret", name, this.app], "granting the secret");
    return done.stdout.trim();
  }

  /** A unit's workload status `{ current, message }` (default: the context's unit, or the application's first). */
  status(unit = this.#defaultUnit()) {
    const apps = Object.values(this.#modelStatus().applications ?? {});
    for (const info of apps) {
      const view = (info.units ?? {})[unit];
      if (view !== undefined) return statusOf(view["workload-status"]);
    }
    const known = apps.flatMap((info) => Object.keys(info.units ?? {})).sort();
    throw new CharmboxError(`unit ${unit} is not in the model; its units are ${JSON.stringify(known)}`);
  }

  /** The application's status `{ current, message }`. */
  appStatus() {
    return statusOf(this.#statusOfApp()["application-status"]);
  }

  /**
   * A unit's relations on `endpoint` with their databags, as `charmbox
   * show-unit` shows them: `{ id, endpoint, remoteEndpoint, unitData,
   * appData, remoteAppData, remoteUnits }` (values are strings; default
   * unit: the context's, or the application's first).
   */
  relations(endpoint, unit = this.#defaultUnit()) {
    const shown = this.#json(["show-unit", unit, "--format", "json"], `showing ${unit}`);
    return (shown[unit]?.["relation-info"] ?? [])
      .filter((info) => info.endpoint === endpoint)
      .map((info) => ({
        id: Number(info["relation-id"]),
        endpoint,
        remoteEndpoint: info["related-endpoint"] ?? "",
        unitData: { ...(info["local-unit"]?.data ?? {}) },
        appData: { ...(info["local-application-data"] ?? {}) },
        remoteAppData: { ...(info["application-data"] ?? {}) },
        remoteUnits: Object.fromEntries(
          Object.entries(info["related-units"] ?? {}).map(([name, bag]) => [name, { ...(bag.data ?? {}) }]),
        ),
      }));
  }

  /** Every secret of the model, content revealed. */
  secrets() {
    const listed = this.#json(["secrets", "--format", "json"], "listing secrets");
    return Object.keys(listed).map((uri) => this.secret(uri));
  }

  /**
   * A secret by URI, name (a user secret) or label (a charm's own), content
   * revealed: `{ uri, owner, label, revision, content, raw }`.
   */
  secret(name) {
    const listed = this.#json(["secrets", "--format", "json"], "listing secrets");
    const uri =
      Object.entries(listed).find(([uri, info]) => [uri, info.name, info.label].includes(name))?.[0] ?? name;
    const shown = this.#json(["show-secret", uri, "--reveal", "--format", "json"], `showing secret ${name}`);
    const [[found, info]] = Object.entries(shown);
    return {
      uri: found,
      owner: String(info.owner ?? ""),
      label: info.label ?? info.name,
      revision: Number(info.revision ?? 0),
      content: { ...(info.content ?? {}) },
      raw: info,
    };
  }

  /** The charm's application, once known. */
  #app;

  /** The charm's application, deploying one unit of it first when the model has none. */
  #deployedApp() {
    this.#app ??= this.#appOfCharm();
    if (this.#app === undefined) this.deploy();
    return this.#app;
  }

  /** The application in the model running this charm directory, if any (by its charm's path). */
  #appOfCharm() {
    for (const [app, info] of Object.entries(this.#modelStatus().applications ?? {})) {
      if (info.charm && resolve(info.charm) === this.charmDir) return app;
    }
    return undefined;
  }

  /** The context's unit, or the first unit of the charm's application (deployed first when it is not yet). */
  #defaultUnit() {
    if (this.unit) return this.unit;
    const units = Object.keys(this.#statusOfApp().units ?? {});
    if (units.length === 0) throw new CharmboxError(`the application ${this.app} has no unit in the model`);
    return units[0];
  }

  #hookRuns(after) {
    const done = this.#charmbox(["hooks", "--format", "json"], "listing the hook runs");
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

  #modelStatus() {
    return this.#json(["status", "--format", "json"], "reading the status");
  }

  #statusOfApp() {
    const app = this.app; // deployed first, if need be, before the status is read
    return this.#modelStatus().applications?.[app] ?? {};
  }

  #json(args, what) {
    const done = this.#charmbox(args, what);
    return done.stdout.trim() ? JSON.parse(done.stdout) : {};
  }

  #charmbox(args, what) {
    const done = this.#invoke(args);
    if (done.status !== 0) {
      throw new CharmboxError(`${what} failed (charmbox ${args.join(" ")}):\n${errorText(done.stderr)}`);
    }
    return done;
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

/** A status `{ current, message }` as `charmbox status --format json` shows it
 * (`current`: active, blocked, maintenance, waiting, error...; the message
 * is "" when none was set). */
function statusOf(shown = {}) {
  return { current: String(shown.current ?? ""), message: String(shown.message ?? "") };
}

function errorText(stderr) {
  const text = String(stderr ?? "").trim();
  return text.startsWith("error: ") ? text.slice("error: ".length) : text;
}
