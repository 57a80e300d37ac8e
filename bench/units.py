#!/usr/bin/env python3
"""Many units through the CLI, as a user runs them, beside the same work
in-process. Called by bench/units.sh.

For each size (BENCH_UNITS_SIZES, default 1000,10000), each round runs, one
after the other so that machine noise falls on all alike:
  - `charmbox run CHARM greet name=Ada --num-units N --format json` on fresh
    units (a new state directory) and on existing units (one state directory
    whose units have run before; every run adds an operation to its store),
    stdout and stderr to files, every task checked completed afterwards;
  - the in-process operation on the same units (bench/examples/units.rs):
    the CLI's work once the charm is loaded, in a process of its own.
Prints medians of wall time, actions/s, peak RSS (getrusage of the child)
and each CLI figure as a multiple of the in-process one of the same round.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = int(os.environ.get("BENCH_UNITS_ROUNDS", "5"))
SIZES = [int(n) for n in os.environ.get("BENCH_UNITS_SIZES", "1000,10000").split(",")]
# Issue 22's targets.
TARGET_RATE = 20_000
TARGET_RSS_MIB = 256


def timed(argv, env, stdout):
    """Wall time (s) and peak RSS (KiB) of one process; its stdout to a
    file, stderr kept for a failure's report."""
    with open(stdout, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"{' '.join(argv)} failed: {err.read().decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss


def check_tasks(path, units):
    """Every unit's task is in the JSON output, completed."""
    with open(path) as f:
        tasks = json.load(f)
    completed = sum(1 for t in tasks.values() if t.get("status") == "completed")
    if len(tasks) != units or completed != units:
        sys.exit(f"expected {units} completed tasks in {path}, found {completed} of {len(tasks)}")


class Size:
    def __init__(self, units, binary, inprocess, charm, work, cache):
        self.units = units
        self.binary, self.inprocess, self.charm = binary, inprocess, charm
        self.work = work
        self.env = dict(os.environ, CHARMBOX_CACHE_DIR=cache)
        self.out = os.path.join(work, f"out-{units}.json")
        self.existing = os.path.join(work, f"existing-{units}")
        self.samples = {key: [] for key in ("cli-fresh", "cli-existing", "in-fresh", "in-existing")}
        self.peaks = {key: 0 for key in self.samples}
        self.cli(self.existing)  # the existing units' first run

    def cli(self, state):
        argv = [self.binary, "--state-dir", state, "run", self.charm, "greet", "name=Ada",
                "--num-units", str(self.units), "--format", "json"]
        elapsed, rss = timed(argv, self.env, self.out)
        check_tasks(self.out, self.units)
        return elapsed, rss

    def in_process(self, state):
        argv = [self.inprocess, self.charm, "--units", str(self.units), "--rounds", "1",
                "--state", state]
        elapsed, rss = timed(argv, self.env, self.out)
        with open(self.out) as f:
            [seconds] = json.load(f)["seconds"]
        return seconds, rss

    def round(self):
        fresh = os.path.join(self.work, f"fresh-{self.units}")
        for key, run in (
            ("cli-fresh", lambda: self.cli(fresh)),
            ("cli-existing", lambda: self.cli(self.existing)),
            ("in-fresh", lambda: self.in_process("fresh")),
            ("in-existing", lambda: self.in_process("existing")),
        ):
            seconds, rss = run()
            self.samples[key].append(seconds)
            self.peaks[key] = max(self.peaks[key], rss)
            shutil.rmtree(fresh, ignore_errors=True)

    def rows(self):
        for state in ("fresh", "existing"):
            cli = self.samples[f"cli-{state}"]
            inproc = self.samples[f"in-{state}"]
            ratio = statistics.median(c / i for c, i in zip(cli, inproc))
            for label, key, times in (("CLI", f"cli-{state}", cli), ("in-process", f"in-{state}", inproc)):
                median = statistics.median(times)
                yield (f"{self.units} units, {state}", label, median, self.units / median,
                       self.peaks[key] / 1024, ratio if label == "CLI" else None)


def main():
    binary, inprocess, charm = sys.argv[1:4]
    work = tempfile.mkdtemp(prefix="charmbox-units-")
    cache = os.path.join(work, "cache")
    try:
        sizes = [Size(n, binary, inprocess, charm, work, cache) for n in SIZES]
        for _ in range(ROUNDS):
            for size in sizes:
                size.round()
        print(f"charmbox run hello greet name=Ada --num-units N --format json, "
              f"median of {ROUNDS} alternating rounds")
        print(f"(in-process: the same operation once the charm is loaded, bench/examples/units.rs)")
        print(f"{'':22} {'':11} {'wall':>9} {'actions/s':>10} {'peak RSS':>11} {'CLI / in-process':>17}")
        misses = []
        for size in sizes:
            for what, label, median, rate, rss, ratio in size.rows():
                ratio_text = f"x{ratio:.2f}" if ratio is not None else ""
                print(f"{what:22} {label:11} {median * 1e3:6.1f} ms {rate:10,.0f} "
                      f"{rss:7.1f} MiB {ratio_text:>17}")
                if label == "CLI" and rate < TARGET_RATE:
                    misses.append(f"{what}: {rate:,.0f} actions/s < {TARGET_RATE:,}")
                if label == "CLI" and rss > TARGET_RSS_MIB:
                    misses.append(f"{what}: peak RSS {rss:.1f} MiB > {TARGET_RSS_MIB} MiB")
        print(f"targets (CLI): >= {TARGET_RATE:,} actions/s, peak RSS <= {TARGET_RSS_MIB} MiB: "
              + ("met" if not misses else "missed: " + "; ".join(misses)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
