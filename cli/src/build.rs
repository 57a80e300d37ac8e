//! `charmbox build [DIR]`: a charm project into its `charm.wasm`; see
//! `charmbox::project::build`. Each step is printed to stderr as it starts,
//! with the time since the build began; the tools' own output follows it.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;

use super::EXIT_COMPLETED;
use charmbox::cache::ComponentCache;
use charmbox::project::{build, BuildOptions, BuildProgress, JsEngine};

/// Arguments of `charmbox build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The charm project (default: the current directory).
    #[arg(default_value = ".")]
    dir: PathBuf,

    /// The engine of a JavaScript charm: starlingmonkey (componentize-js)
    /// or quickjs (jco --backend qjs, a smaller component).
    #[arg(long, default_value = "starlingmonkey", value_name = "ENGINE")]
    js_engine: JsEngine,

    /// Build even if nothing changed since the last build.
    #[arg(long)]
    force: bool,
}

/// Prints each step with the time since the build began.
struct Steps {
    started: Instant,
}

impl BuildProgress for Steps {
    fn step(&self, what: &str) {
        eprintln!(
            "build [{:>5.1}s]: {what}",
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Builds and says what was written.
pub fn execute(args: BuildArgs) -> anyhow::Result<u8> {
    let cache = super::CACHE_DIR
        .get()
        .cloned()
        .flatten()
        .or_else(ComponentCache::default_dir)
        .context("no cache directory to install the toolchains in: pass --cache-dir or set CHARMBOX_CACHE_DIR")?;
    let steps = Steps {
        started: Instant::now(),
    };
    let report = build(
        &args.dir,
        &BuildOptions {
            toolchains: cache.join("toolchains"),
            js_engine: args.js_engine,
            force: args.force,
        },
        &steps,
    )?;
    let size = report.bytes as f64 / 1e6;
    if report.up_to_date {
        println!(
            "{} is up to date ({size:.1} MB, {}; nothing changed since it was built)",
            report.component.display(),
            report.language
        );
    } else {
        println!(
            "built {} ({size:.1} MB, {}) in {:.1} s",
            report.component.display(),
            report.language,
            report.elapsed.as_secs_f64()
        );
    }
    Ok(EXIT_COMPLETED)
}
