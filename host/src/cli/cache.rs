//! `charmbox compile` and `charmbox cache clean`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cache::{CacheOutcome, SourceFile};
use crate::charm::Charm;

/// Arguments of `charmbox compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The charm directory or component.
    charm: PathBuf,
}

/// Compiles the charm's component into the cache.
pub fn compile(args: CompileArgs) -> anyhow::Result<u8> {
    let engine = super::engine()?;
    let Some(cache) = engine.cache() else {
        anyhow::bail!("no cache directory: pass --cache-dir or set CHARMBOX_CACHE_DIR");
    };
    let cache = cache.clone();
    let charm = Charm::load(&engine, &args.charm)?;
    let source = SourceFile::read(charm.component.path())?;
    let (_, outcome) = cache.load_or_compile_file(engine.wasmtime(), &source)?;
    let what = match outcome {
        CacheOutcome::Hit | CacheOutcome::Compiled => "compiled",
        CacheOutcome::Replaced => "recompiled (the cached artifact was unsound)",
    };
    println!(
        "{}: {what} into {}",
        charm.component.path().display(),
        cache
            .artifact_path(engine.wasmtime(), &source.bytes)
            .display()
    );
    Ok(0)
}

/// Arguments of `charmbox cache`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    command: CacheCommand,
}

#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// Remove every compiled component from the cache.
    Clean,
}

/// Runs a cache subcommand.
pub fn execute(args: CacheArgs) -> anyhow::Result<u8> {
    match args.command {
        CacheCommand::Clean => {
            let engine = super::engine()?;
            let Some(cache) = engine.cache() else {
                println!("no cache directory configured: nothing to clean");
                return Ok(0);
            };
            let removed = cache.clean()?;
            println!(
                "removed {removed} compiled components from {}",
                cache.dir().display()
            );
            Ok(0)
        }
    }
}
