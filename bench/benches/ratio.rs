//! `cargo bench -p charmbox-bench --bench ratio`: charmbox's in-process run of the
//! Rust example's `greet` against the bare host running it, and of its
//! empty `ping` against the floor, taking turns.
//!
//! Criterion measures one benchmark after another; on a shared machine the
//! load drifts between them, and a ratio of two of its figures carries the
//! drift. Here the four runs alternate in short batches (the order turned
//! each round), each round's ratios are taken between batches a few
//! milliseconds apart, and the report is the median over the rounds:
//!
//! - `floor`: a bare host instantiating the component and calling its empty
//!   `ping` export (fresh store each time);
//! - `ping`: charmbox running `ping` ([`charmbox::run::run_handler`]): its
//!   whole cost for an action that does nothing, against `floor` the
//!   empty-action floor ratio;
//! - `bare_greet`: that bare host calling `greet`, its imports answering
//!   with canned params and storing nothing;
//! - `greet`: charmbox running `greet` ([`charmbox::run::run_handler`]):
//!   sandbox, params, validated results, log, report; against
//!   `bare_greet`, charmbox's share of a real action.
//!
//! All four use one pooled engine. Options (after `--`): `--rounds N`
//! (default 60), `--batch N` iterations per batch (default 300), and
//! `--only NAME --seconds S` to run one of them alone, for a profiler.

use std::time::{Duration, Instant};

use charmbox::action::ActionParams;
use charmbox::charm::Charm;
use charmbox::run::run_handler;
use charmbox_bench::{
    backends, bare_call, bare_pre, greet_params, hello_charm, pooled, request, GREET_PARAMS,
};

const NAMES: [&str; 4] = ["floor", "ping", "bare_greet", "greet"];

struct Options {
    rounds: usize,
    batch: usize,
    only: Option<(usize, Duration)>,
}

fn options() -> Options {
    let mut options = Options {
        rounds: 60,
        batch: 300,
        only: None,
    };
    let mut only = None;
    let mut seconds = 10.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().unwrap_or_else(|| panic!("{arg} needs {what}"));
        match arg.as_str() {
            "--rounds" => options.rounds = value("a count").parse().expect("--rounds N"),
            "--batch" => options.batch = value("a count").parse().expect("--batch N"),
            "--seconds" => seconds = value("seconds").parse().expect("--seconds S"),
            "--only" => {
                let name = value("a name");
                only = Some(
                    NAMES
                        .iter()
                        .position(|n| *n == name)
                        .unwrap_or_else(|| panic!("--only takes one of {NAMES:?}")),
                );
            }
            // `cargo bench` passes `--bench`, and a filter for other targets.
            _ => {}
        }
    }
    options.only = only.map(|i| (i, Duration::from_secs_f64(seconds)));
    options
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let options = options();
    let charm_dir = hello_charm();
    let engine = pooled();
    let charm = Charm::load(&engine, charm_dir.path()).unwrap();
    let params = greet_params();
    let greet_request = request("greet");
    let ping_request = request("ping");
    let no_params = ActionParams::from(serde_json::json!({}));

    let component = charm.component.component();
    let floor_pre = bare_pre(engine.wasmtime(), component, "{}").unwrap();
    let bare_greet_pre = bare_pre(engine.wasmtime(), component, GREET_PARAMS).unwrap();
    let ping = component.get_export_index(None, "ping").unwrap();
    let greet = component.get_export_index(None, "greet").unwrap();

    let run = |which: usize| match which {
        0 => assert!(bare_call(&engine, &floor_pre, &ping).is_ok()),
        1 => {
            let report =
                run_handler(&charm.component, &ping_request, backends(&no_params)).unwrap();
            assert!(report.message.is_none(), "{:?}", report.message);
        }
        2 => assert!(bare_call(&engine, &bare_greet_pre, &greet).is_ok()),
        _ => {
            let report = run_handler(&charm.component, &greet_request, backends(&params)).unwrap();
            assert!(report.message.is_none(), "{:?}", report.message);
        }
    };

    if let Some((which, seconds)) = options.only {
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < seconds {
            for _ in 0..100 {
                run(which);
            }
            count += 100;
        }
        let per_run = start.elapsed().as_secs_f64() / count as f64 * 1e6;
        println!("{}: {count} runs, {per_run:.2} µs each", NAMES[which]);
        return;
    }

    // Warm up every path (pool slots, caches) before measuring.
    for which in 0..NAMES.len() {
        for _ in 0..options.batch {
            run(which);
        }
    }
    let mut micros: [Vec<f64>; 4] = Default::default();
    for round in 0..options.rounds {
        for step in 0..NAMES.len() {
            let which = (round + step) % NAMES.len();
            let start = Instant::now();
            for _ in 0..options.batch {
                run(which);
            }
            micros[which].push(start.elapsed().as_secs_f64() * 1e6 / options.batch as f64);
        }
    }
    let ratio = |a: usize, b: usize| {
        let mut ratios: Vec<f64> = micros[a]
            .iter()
            .zip(&micros[b])
            .map(|(a, b)| a / b)
            .collect();
        median(&mut ratios)
    };
    println!(
        "{} rounds of {} runs each, alternating (medians):",
        options.rounds, options.batch
    );
    for (which, name) in NAMES.iter().enumerate() {
        let mut values = micros[which].clone();
        println!("  {name:<11} {:8.2} µs", median(&mut values));
    }
    println!(
        "  greet / bare_greet   x{:.3}  (charmbox's share of an action)",
        ratio(3, 2)
    );
    println!(
        "  ping / floor         x{:.3}  (the empty-action floor ratio)",
        ratio(1, 0)
    );
    println!("  greet / floor        x{:.3}", ratio(3, 0));
    println!("  bare_greet / floor   x{:.3}", ratio(2, 0));
}
