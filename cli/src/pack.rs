//! `charmbox pack CHARM_DIR -o OUT_DIR`: a Juju-deployable charm directory;
//! see `charmbox::juju::pack`.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::EXIT_COMPLETED;
use charmbox::juju::pack::{pack, PackOptions, DEFAULT_TARGET};

/// Arguments of `charmbox pack`.
#[derive(Debug, Args)]
pub struct PackArgs {
    /// The charm directory: its metadata and charm.wasm.
    charm: PathBuf,

    /// The directory to write the deployable charm to (`juju deploy OUT_DIR`).
    #[arg(short, long = "output", value_name = "OUT_DIR")]
    output: PathBuf,

    /// The charmbox binary to put in the charm (default: this one). It runs
    /// on the unit: use a static build, e.g.
    /// target/x86_64-unknown-linux-musl/dist/charmbox.
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,

    /// Pack into a directory that is not empty, replacing the files pack
    /// writes.
    #[arg(long)]
    force: bool,

    /// The target triple of the units to precompile the component for
    /// (charm.cwasm, which a unit maps on its first run instead of
    /// compiling; a unit it does not fit compiles the component itself).
    #[arg(long, value_name = "TRIPLE", default_value = DEFAULT_TARGET)]
    target: String,

    /// Ship no precompiled component: each unit compiles it on its first
    /// run.
    #[arg(long, conflicts_with = "target")]
    no_precompile: bool,
}

/// Packs the charm and lists what was written; returns the exit status.
pub fn execute(args: PackArgs) -> anyhow::Result<u8> {
    let binary = match args.binary {
        Some(binary) => binary,
        None => std::env::current_exe()
            .context("cannot tell where this charmbox binary is: pass --binary PATH")?,
    };
    if let Some(stale) = charmbox::project::sources::stale(&args.charm) {
        eprintln!("warning: {stale}");
    }
    let engine = super::engine()?;
    let report = pack(
        &engine,
        &args.charm,
        &args.output,
        &PackOptions {
            binary,
            force: args.force,
            precompile_for: (!args.no_precompile).then_some(args.target),
        },
    )?;
    println!(
        "packed {} into {} (deploy with `juju deploy {}`):",
        report.name,
        args.output.display(),
        local_path(&args.output).display()
    );
    for file in &report.files {
        println!("  {}", file.display());
    }
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    Ok(EXIT_COMPLETED)
}

/// `dir` as `juju deploy` reads a local charm: a relative path must start
/// with `.`, or Juju takes it for a Charmhub name.
fn local_path(dir: &std::path::Path) -> PathBuf {
    if dir.is_absolute() || dir.starts_with(".") || dir.starts_with("..") {
        dir.to_owned()
    } else {
        std::path::Path::new(".").join(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_output_is_shown_as_a_local_path() {
        assert_eq!(local_path("out".as_ref()), PathBuf::from("./out"));
        assert_eq!(local_path("./out".as_ref()), PathBuf::from("./out"));
        assert_eq!(local_path("/tmp/out".as_ref()), PathBuf::from("/tmp/out"));
    }
}
