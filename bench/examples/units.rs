//! The in-process half of `bench/units.sh`: one operation of the Rust
//! example's `greet` on N units, as `charmbox run CHARM greet --num-units N`
//! runs it once its charm is loaded (the engine built as the CLI builds it
//! for N tasks): prepared, recorded, run, every record committed. What the
//! CLI adds to this is the process: its start, the engine, loading the
//! charm, and printing the results.
//!
//! `units CHARM_DIR --units N --rounds R --state fresh|existing [--in DIR]`
//!
//! `fresh`: each round in a new, empty state directory (its units are new:
//! their directories and model records are made). `existing`: every round
//! in one state directory whose units ran once before the first round.
//! The state directories are made in `DIR` (default: the system's temporary
//! directory) and left there for the caller to delete after every run it
//! times: a filesystem making inodes just after deleting many is slower
//! than it is for a user, whose new units do not follow a mass deletion.
//! Prints one JSON line: each round's wall seconds, and its CPU seconds
//! (every thread's, user and system, from `getrusage`): on a machine
//! shared with other work, what the operation itself spent.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use charmbox::charm::Charm;
use charmbox::engine::{Engine, Pooling};
use charmbox::operation::{workers_for, OperationRequest, Operations, Silent, Units};
use charmbox::run::LimitHints;
use charmbox::sandbox::SandboxLimits;
use serde_json::json;

/// No front end's words: the benchmark hits no limit.
const HINTS: LimitHints = LimitHints {
    timeout: "",
    memory: "",
    disk: "",
};

struct Options {
    charm: String,
    units: u32,
    rounds: usize,
    fresh: bool,
    root: Option<std::path::PathBuf>,
}

fn options() -> Result<Options, String> {
    const USAGE: &str =
        "usage: units CHARM_DIR --units N --rounds R --state fresh|existing [--in DIR]";
    let mut args = std::env::args().skip(1);
    let charm = args.next().ok_or(USAGE)?;
    let mut options = Options {
        charm,
        units: 1000,
        rounds: 5,
        fresh: true,
        root: None,
    };
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(format!("{arg} needs a value; {USAGE}"))?;
        match arg.as_str() {
            "--units" => options.units = value.parse().map_err(|_| "--units takes a count")?,
            "--rounds" => options.rounds = value.parse().map_err(|_| "--rounds takes a count")?,
            "--state" => {
                options.fresh = match value.as_str() {
                    "fresh" => true,
                    "existing" => false,
                    _ => return Err(format!("--state takes fresh or existing, not {value}")),
                }
            }
            "--in" => options.root = Some(value.into()),
            _ => return Err(format!("unknown argument {arg}; {USAGE}")),
        }
    }
    Ok(options)
}

/// CPU time this process has spent so far, every thread, user and system.
fn cpu_seconds() -> f64 {
    // SAFETY: `getrusage` writes only into `usage`, which outlives the call.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// One operation on `units` units in `state`, timed (wall and CPU) from
/// opening the store to every record committed (the closing checkpoint,
/// which the CLI runs while it prints, is waited for outside the timing).
fn operation(charm: &Charm, charm_dir: &Path, state: &Path, units: u32) -> (f64, f64) {
    let start = Instant::now();
    let cpu = cpu_seconds();
    let operations = Operations::new(state);
    let store = operations.open_state().expect("the store opens");
    let prepared = operations
        .prepare(OperationRequest {
            charm,
            charm_path: charm_dir,
            action: "greet",
            // As `name=Ada` on the command line: defaults are filled in.
            params: json!({"name": "Ada"}),
            units: Units::Count(units),
            limits: SandboxLimits::default(),
        })
        .expect("greet is prepared");
    let finished = operations
        .run(&prepared, store, Arc::new(Silent), HINTS)
        .expect("the operation runs");
    let seconds = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    assert_eq!(finished.tasks.len(), units as usize);
    assert!(finished.all_completed(), "every task completes");
    finished.wait();
    (seconds, cpu)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    let charm_dir = Path::new(&options.charm);
    let tasks = options.units as usize;
    // As `charmbox run` builds its engine for this many tasks.
    let mut builder = Engine::builder();
    if tasks >= Pooling::WORTH_IT_FROM_RUNS {
        builder = builder.pooling(Pooling::for_workers(
            workers_for(tasks),
            SandboxLimits::default().memory_bytes,
        ));
    }
    let engine = builder.build()?;
    let charm = Charm::load(&engine, charm_dir)?;
    let root = options.root.unwrap_or_else(std::env::temp_dir);
    // Kept until the caller deletes them: see the module's doc.
    let state_dir = || tempfile::tempdir_in(&root).map(tempfile::TempDir::keep);
    let existing = state_dir()?;
    // Warm up (pool slots, page cache), and make the existing units.
    operation(&charm, charm_dir, &existing, options.units);
    let mut seconds = Vec::with_capacity(options.rounds);
    let mut cpu = Vec::with_capacity(options.rounds);
    for _ in 0..options.rounds {
        let (round_seconds, round_cpu) = if options.fresh {
            operation(&charm, charm_dir, &state_dir()?, options.units)
        } else {
            operation(&charm, charm_dir, &existing, options.units)
        };
        seconds.push(round_seconds);
        cpu.push(round_cpu);
    }
    println!("{}", json!({ "seconds": seconds, "cpu_seconds": cpu }));
    Ok(())
}
