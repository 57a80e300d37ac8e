#!/usr/bin/env python3
"""charmbox beside Python ops, for the same small action.

Runs, alternating so that machine noise falls on both sides alike:
  - the ops charm as Juju runs it: a new process through `dispatch`, with
    stand-in hook tools on PATH;
  - the charmbox CLI on the Rust example (warm compiled-component cache), and
    on the Python and JavaScript examples when they have been built;
and, in-process, ops.testing against the charmbox testing API.
Prints medians, peak memory and ratios. Called by bench/compare.sh.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PARAMS = {"name": "Ada", "language": "en"}


def timed(argv, env, cwd=None):
    """Wall time (s) and peak RSS (KiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed: {proc.stderr.read().decode()}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss


def ops_process(charm_dir):
    env = {
        "PATH": os.path.join(HERE, "hook-tools") + ":/usr/bin:/bin",
        "BENCH_PYTHON": sys.executable,
        "BENCH_PARAMS": json.dumps(PARAMS),
        "JUJU_CHARM_DIR": charm_dir,
        "JUJU_DISPATCH_PATH": "actions/greet",
        "JUJU_ACTION_NAME": "greet",
        "JUJU_ACTION_UUID": str(uuid.uuid4()),
        "JUJU_UNIT_NAME": "hello/0",
        "JUJU_MODEL_NAME": "bench",
        "JUJU_VERSION": "3.6.0",
    }
    return lambda: timed(["./dispatch"], env, cwd=charm_dir)


def charmbox_process(binary, charm_dir, state, cache):
    env = dict(os.environ, CHARMBOX_STATE_DIR=state, CHARMBOX_CACHE_DIR=cache)
    argv = [binary, "run", charm_dir, "greet", "name=Ada", "--format", "json"]
    timed(argv, env)  # warm the cache
    return lambda: timed(argv, env)


def ops_testing_in_process(rounds=300):
    sys.path.insert(0, os.path.join(HERE, "ops-charm", "src"))
    from charm import HelloCharm  # noqa: E402
    from ops import testing

    ctx = testing.Context(
        HelloCharm,
        meta={"name": "hello"},
        actions={"greet": {"params": {"name": {"type": "string"}, "language": {"type": "string"}}}},
    )
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        ctx.run(ctx.on.action("greet", params=PARAMS), testing.State())
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def fmt_time(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def main():
    binary, rust_charm = sys.argv[1], sys.argv[2]
    extra = sys.argv[3:]  # label=charm_dir for other languages
    work = tempfile.mkdtemp(prefix="charmbox-bench-")
    ops_dir = os.path.join(work, "ops-charm")
    shutil.copytree(os.path.join(HERE, "ops-charm"), ops_dir)
    cache = os.path.join(work, "cache")

    contenders = [("ops charm process (Juju dispatch)", ops_process(ops_dir))]
    contenders.append(
        ("charmbox CLI, Rust charm", charmbox_process(binary, rust_charm, os.path.join(work, "s1"), cache))
    )
    for item in extra:
        label, charm = item.split("=", 1)
        contenders.append(
            (f"charmbox CLI, {label} charm", charmbox_process(binary, charm, os.path.join(work, "s-" + label), cache))
        )
    samples = {label: [] for label, _ in contenders}
    peaks = {label: 0 for label, _ in contenders}
    for _ in range(ROUNDS):
        for label, run in contenders:
            elapsed, rss = run()
            samples[label].append(elapsed)
            peaks[label] = max(peaks[label], rss)

    base = statistics.median(samples[contenders[0][0]])
    print(f"whole processes, median of {ROUNDS} alternating rounds:")
    print(f"{'':40} {'median':>11} {'peak RSS':>10} {'faster than ops':>16}")
    for label, _ in contenders:
        med = statistics.median(samples[label])
        print(f"{label:40} {fmt_time(med):>11} {peaks[label] / 1024:>7.1f} MiB {base / med:>15.1f}x")

    print("\nin-process, one action:")
    ops_testing = ops_testing_in_process()
    print(f"{'ops.testing (Scenario)':40} {fmt_time(ops_testing):>11}")
    inprocess = os.environ.get("BENCH_INPROCESS")
    if inprocess:
        result = json.loads(subprocess.check_output(inprocess.split() + [rust_charm], text=True))
        median = result["median_seconds"]
        print(
            f"{'charmbox testing API, Rust charm':40} {fmt_time(median):>11} "
            f"{'':10} {ops_testing / median:>15.1f}x"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
