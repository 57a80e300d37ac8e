//! Times one action run in-process through the charm authors' testing API,
//! as a charm's own `cargo test` would run it; prints JSON with the median.
//! Used by `bench/compare.sh` to set charmbox beside `ops.testing`.
//!
//! `cargo run --profile dist -p charmbox-bench --example inprocess -- CHARM_DIR`

use std::time::Instant;

use charmbox::testing::Context;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let charm = std::env::args()
        .nth(1)
        .ok_or("usage: inprocess CHARM_DIR (a charm directory with charm.wasm)")?;
    let ctx = Context::load(&charm)?;
    let params = json!({"name": "Ada", "language": "en"});
    // Warm up, then time.
    for _ in 0..50 {
        ctx.run("greet", &params)?;
    }
    let mut samples: Vec<f64> = (0..1000)
        .map(|_| {
            let start = Instant::now();
            let out = ctx.run("greet", &params).expect("greet runs");
            let elapsed = start.elapsed().as_secs_f64();
            assert!(out.completed());
            elapsed
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    println!(
        "{}",
        json!({"median_seconds": median, "runs": samples.len()})
    );
    Ok(())
}
