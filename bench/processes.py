#!/usr/bin/env python3
"""Whole-process figures of issue 22, each a ratio against a baseline
measured in the same run (alternating, so that machine noise falls on both
sides alike), with each process's peak memory beside its time:

  - a warm `charmbox run` of the Rust example's `greet` against a bare
    wasmtime host process mapping the same component precompiled and
    running the same export (bench/examples/bare_host.rs);
  - through a packed charm's `dispatch` (as Juju runs it, stand-in hook
    tools on PATH): a unit's first run (fresh state and cache) against a
    warm run, for each language's example, packed with its precompiled
    component and, as before, without it;
  - hook-tool calls per action under `dispatch`, with the read cache and
    without it (`--no-model-cache`), counted from the stand-in tools' log.

Called by bench/compare.sh:
  processes.py CHARMBOX BARE_HOST WORK_DIR rust=DIR [python=DIR] [js=DIR]
where each DIR is a charm directory (metadata and charm.wasm).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
FIRST_RUN_ROUNDS = int(os.environ.get("BENCH_FIRST_RUN_ROUNDS", "10"))
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GREET = {"name": "Ada", "language": "en", "style": {"uppercase": False, "punctuation": "!"}}


def timed(argv, env, cwd=None):
    """Wall time (s) and peak RSS (KiB, the largest single process) of one
    process and what it waited for."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed: {err}")
    return elapsed, usage.ru_maxrss


def fmt_time(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


class Series:
    def __init__(self, label):
        self.label = label
        self.times = []
        self.peak = 0

    def add(self, sample):
        elapsed, rss = sample
        self.times.append(elapsed)
        self.peak = max(self.peak, rss)

    def median(self):
        return statistics.median(self.times)

    def row(self, base=None):
        ratio = f"{self.median() / base.median():>8.2f}x" if base else f"{'':>9}"
        return f"  {self.label:44} {fmt_time(self.median()):>10} {self.peak / 1024:>7.1f} MiB {ratio}"


def header():
    return f"  {'':44} {'median':>10} {'peak RSS':>11} {'ratio':>9}"


def cli_against_bare_host(charmbox, bare_host, rust_charm, work):
    env = dict(
        os.environ,
        CHARMBOX_STATE_DIR=os.path.join(work, "cli-state"),
        CHARMBOX_CACHE_DIR=os.path.join(work, "cli-cache"),
    )
    cli = [charmbox, "run", rust_charm, "greet", "name=Ada", "--format", "json"]
    artifact = os.path.join(work, "bare-host.cwasm")
    bare = [bare_host, os.path.join(rust_charm, "charm.wasm"), artifact, "greet"]
    timed(cli, env)  # compiles into the cache
    timed(bare, env)  # compiles the bare host's artifact
    a, b = Series("charmbox run (warm), Rust greet"), Series("bare wasmtime host process")
    for _ in range(ROUNDS):
        a.add(timed(cli, env))
        b.add(timed(bare, env))
    print(f"target 2: a warm CLI run against a bare host process ({ROUNDS} rounds)")
    print(header())
    print(b.row())
    print(a.row(b))
    print(f"  -> charmbox run / bare host = {a.median() / b.median():.2f}x (target <= 1.2x)")


def pack(charmbox, source, out, precompile):
    argv = [charmbox, "pack", source, "-o", out, "--force"]
    if not precompile:
        argv.append("--no-precompile")
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def dispatch_env(charm, unit_dir, tools, calls=None):
    params = os.path.join(unit_dir, "params.json")
    with open(params, "w") as f:
        json.dump(GREET, f)
    env = {
        "PATH": tools + ":/usr/bin:/bin",
        "BENCH_PARAMS": json.dumps(GREET),
        "FAKE_JUJU_PARAMS": params,
        "JUJU_CHARM_DIR": charm,
        "JUJU_DISPATCH_PATH": "actions/greet",
        "JUJU_ACTION_NAME": "greet",
        "JUJU_ACTION_UUID": "1",
        "JUJU_UNIT_NAME": "hello/0",
        "JUJU_MODEL_NAME": "bench",
        "JUJU_VERSION": "3.6.0",
        "CHARMBOX_STATE_DIR": os.path.join(unit_dir, "state"),
        "CHARMBOX_CACHE_DIR": os.path.join(unit_dir, "cache"),
    }
    if calls:
        env["FAKE_JUJU_CALLS"] = calls
    return env


def first_runs_through_dispatch(charmbox, charms, work):
    # The cheapest stand-in tools (shell), so that charmbox's share shows.
    tools = os.path.join(HERE, "hook-tools")
    print(
        f"\ntarget 4: a unit's first run through dispatch against a warm one "
        f"(first runs: {FIRST_RUN_ROUNDS} fresh units; warm: {ROUNDS} runs)"
    )
    print(header())
    for label, source in charms:
        for precompile in (True, False):
            kind = "packed with charm.cwasm" if precompile else "packed without (before)"
            packed = os.path.join(work, f"packed-{label}-{'pre' if precompile else 'none'}")
            pack(charmbox, source, packed, precompile)
            argv = [os.path.join(packed, "dispatch")]
            warm_unit = tempfile.mkdtemp(dir=work)
            warm_env = dispatch_env(packed, warm_unit, tools)
            timed(argv, warm_env)  # the warm unit's own first run
            first = Series(f"{label}, first run, {kind}")
            warm = Series(f"{label}, warm run, {kind}")
            for i in range(max(ROUNDS, FIRST_RUN_ROUNDS)):
                if i < FIRST_RUN_ROUNDS:
                    fresh = tempfile.mkdtemp(dir=work)
                    first.add(timed(argv, dispatch_env(packed, fresh, tools)))
                    shutil.rmtree(fresh, ignore_errors=True)
                warm.add(timed(argv, warm_env))
            print(warm.row())
            print(first.row(warm))
            target = " (target <= 1.5x)" if precompile else ""
            print(f"  -> {label} {kind}: first / warm = {first.median() / warm.median():.2f}x{target}")


def calls_of(argv, env):
    calls = env["FAKE_JUJU_CALLS"]
    if os.path.exists(calls):
        os.remove(calls)
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(calls) as f:
        return [json.loads(line) for line in f if line.strip()]


def hook_tool_calls(charmbox, rust_charm, work):
    """Calls per action with the stand-in tools of tests/hook-tools (which
    log every call), on the Rust example and on juju-probe's
    read-repeatedly (the same reads five times)."""
    tools = os.path.join(REPO, "tests", "hook-tools")
    print("\ntarget 5: hook-tool calls per action under dispatch (from the stand-in tools' log)")
    print(f"  {'action':44} {'--no-model-cache':>17} {'cached (default)':>17}")
    packed = os.path.join(work, "packed-rust-calls")
    pack(charmbox, rust_charm, packed, True)
    rows = [("hello greet", packed, "greet", GREET, None)]
    probe = os.environ.get("BENCH_PROBE_CHARM")
    if probe:
        packed_probe = os.path.join(work, "packed-probe")
        pack(charmbox, probe, packed_probe, True)
        model = os.path.join(REPO, "bench", "probe-model.json")
        rows.append(("juju-probe read-repeatedly (times=5)", packed_probe, "read-repeatedly", {"times": 5}, model))
    for label, charm, action, params, model in rows:
        counts = []
        for uncached in (True, False):
            unit = tempfile.mkdtemp(dir=work)
            env = dispatch_env(charm, unit, tools, os.path.join(unit, "calls.jsonl"))
            env["JUJU_DISPATCH_PATH"] = f"actions/{action}"
            env["JUJU_ACTION_NAME"] = action
            env["JUJU_UNIT_NAME"] = "hello/0" if action == "greet" else "juju-probe/0"
            env["JUJU_MODEL_UUID"] = "deadbeef-0bad-400d-8000-4b1d0d06f00d"
            with open(env["FAKE_JUJU_PARAMS"], "w") as f:
                json.dump(params, f)
            if model:
                copy = os.path.join(unit, "model.json")
                shutil.copy(model, copy)
                env["FAKE_JUJU_MODEL"] = copy
            argv = [os.path.join(charm, "dispatch")] + (["--no-model-cache"] if uncached else [])
            counts.append(len(calls_of(argv, env)))
        print(f"  {label:44} {counts[0]:>17} {counts[1]:>17}")


def main():
    charmbox, bare_host, work = sys.argv[1], sys.argv[2], sys.argv[3]
    charms = [tuple(item.split("=", 1)) for item in sys.argv[4:]]
    rust = dict(charms).get("rust")
    os.makedirs(work, exist_ok=True)
    # BENCH_SECTIONS=4 (say) for one of them.
    sections = os.environ.get("BENCH_SECTIONS", "2,4,5").split(",")
    if "2" in sections:
        cli_against_bare_host(charmbox, bare_host, rust, work)
    if "4" in sections:
        first_runs_through_dispatch(charmbox, charms, work)
    if "5" in sections:
        hook_tool_calls(charmbox, rust, work)


if __name__ == "__main__":
    main()
