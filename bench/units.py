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
Prints medians of wall time and actions/s, of CPU time (every thread, user
and system: getrusage of the child, and of the operation in-process) and
actions per CPU-second, peak RSS (getrusage of the child), and each CLI
figure as a multiple of the in-process one of the same round. On a machine
shared with other work the wall figures carry its load; the CPU figures
are what charmbox itself spent.
"""

import json
import resource
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
    """Wall time (s), CPU time (s) and peak RSS (KiB) of one process; its
    stdout to a file, stderr kept for a failure's report."""
    with open(stdout, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit(f"{' '.join(argv)} failed: {err.read().decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


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
        self.cpu = {key: [] for key in self.samples}
        self.peaks = {key: 0 for key in self.samples}
        self.cli(self.existing)  # the existing units' first run

    def cli(self, state):
        argv = [self.binary, "--state-dir", state, "run", self.charm, "greet", "name=Ada",
                "--num-units", str(self.units), "--format", "json"]
        result = timed(argv, self.env, self.out)
        check_tasks(self.out, self.units)
        return result

    def in_process(self, state):
        argv = [self.inprocess, self.charm, "--units", str(self.units), "--rounds", "1",
                "--state", state, "--in", self.work]
        _, _, rss = timed(argv, self.env, self.out)
        with open(self.out) as f:
            result = json.load(f)
        [seconds], [cpu] = result["seconds"], result["cpu_seconds"]
        return seconds, cpu, rss

    def round(self, number):
        # A new state directory each round, none deleted before every round
        # has run: ext4 makes inodes slowly for seconds after many were
        # deleted, which a user's new units do not follow.
        fresh = os.path.join(self.work, f"fresh-{self.units}-{number}")
        for key, run in (
            ("cli-fresh", lambda: self.cli(fresh)),
            ("cli-existing", lambda: self.cli(self.existing)),
            ("in-fresh", lambda: self.in_process("fresh")),
            ("in-existing", lambda: self.in_process("existing")),
        ):
            seconds, cpu, rss = run()
            self.samples[key].append(seconds)
            self.cpu[key].append(cpu)
            self.peaks[key] = max(self.peaks[key], rss)

    def rows(self):
        for state in ("fresh", "existing"):
            cli, inproc = f"cli-{state}", f"in-{state}"
            ratios = [
                statistics.median(c / i for c, i in zip(figures[cli], figures[inproc]))
                for figures in (self.samples, self.cpu)
            ]
            for label, key in (("CLI", cli), ("in-process", inproc)):
                wall = statistics.median(self.samples[key])
                cpu = statistics.median(self.cpu[key])
                yield (f"{self.units} units, {state}", label, wall, cpu, self.peaks[key] / 1024,
                       ratios if label == "CLI" else None)


def main():
    binary, inprocess, charm = sys.argv[1:4]
    work = tempfile.mkdtemp(prefix="charmbox-units-")
    cache = os.path.join(work, "cache")
    try:
        sizes = [Size(n, binary, inprocess, charm, work, cache) for n in SIZES]
        for number in range(ROUNDS):
            for size in sizes:
                size.round(number)
        print(f"charmbox run hello greet name=Ada --num-units N --format json, "
              f"median of {ROUNDS} alternating rounds")
        print(f"(in-process: the same operation once the charm is loaded, bench/examples/units.rs)")
        print(f"{'':22} {'':11} {'wall':>9} {'actions/s':>10} {'CPU':>9} {'per CPU-s':>10} "
              f"{'peak RSS':>11} {'CLI/in-process wall':>20} {'CPU':>6}")
        misses = []
        for size in sizes:
            for what, label, wall, cpu, rss, ratios in size.rows():
                rate = size.units / wall
                ratio_text = f"x{ratios[0]:.2f} x{ratios[1]:.2f}" if ratios else ""
                print(f"{what:22} {label:11} {wall * 1e3:6.1f} ms {rate:10,.0f} "
                      f"{cpu * 1e3:6.1f} ms {size.units / cpu:10,.0f} "
                      f"{rss:7.1f} MiB {ratio_text:>27}")
                if label == "CLI" and rate < TARGET_RATE:
                    misses.append(f"{what}: {rate:,.0f} actions/s < {TARGET_RATE:,}")
                if label == "CLI" and rss > TARGET_RSS_MIB:
                    misses.append(f"{what}: peak RSS {rss:.1f} MiB > {TARGET_RSS_MIB} MiB")
        # Linux starts a child's peak RSS at its parent's when it execs (the
        # parent's pages are counted before the exec replaces them): a figure
        # at this floor means "at most this".
        floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS at {floor:.1f} MiB (this script's own) means at most that")
        print(f"targets (CLI): >= {TARGET_RATE:,} actions/s, peak RSS <= {TARGET_RSS_MIB} MiB: "
              + ("met" if not misses else "missed: " + "; ".join(misses)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
