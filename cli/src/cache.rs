//! `charmbox compile` and `charmbox cache clean`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use charmbox::cache::{CacheOutcome, SourceFile};
use charmbox::charm::Charm;

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
    // Loading through the engine's cache is the compile.
    let charm = Charm::load(&engine, &args.charm)?;
    let what = match charm.component.cache_outcome() {
        Some(CacheOutcome::Hit) => "already compiled",
        Some(CacheOutcome::Compiled) | None => "compiled",
        Some(CacheOutcome::Replaced) => "recompiled (the cached artifact was unsound)",
        Some(CacheOutcome::Packed) => "loaded the precompiled artifact packed with it, indexed",
    };
    if let Some(refused) = charm.component.packed_refused() {
        eprintln!("warning: {refused}; compiled the component here instead");
    }
    // The artifact is named by the component's content hash.
    let source = SourceFile::read(charm.component.path())?;
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
