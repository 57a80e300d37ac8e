//! `charmbox init [--lang rust|python|js] DIR`: a new charm project; see
//! `charmbox::project::init`.

use std::path::PathBuf;

use clap::Args;

use super::EXIT_COMPLETED;
use charmbox::project::{init, CharmboxSource, InitOptions, Language};

/// Arguments of `charmbox init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory to make the charm in (new, or empty).
    dir: PathBuf,

    /// The language to write the charm in: rust, python or js.
    #[arg(long, default_value = "rust", value_name = "LANG")]
    lang: Language,

    /// The charm's name (default: the directory's name).
    #[arg(long)]
    name: Option<String>,

    /// The charmbox checkout the charm depends on by path (default:
    /// $CHARMBOX_SOURCE_DIR, else the one this charmbox was built from).
    #[arg(long, value_name = "DIR")]
    charmbox_dir: Option<PathBuf>,
}

/// Writes the project and says what to do next.
pub fn execute(args: InitArgs) -> anyhow::Result<u8> {
    let source = match &super::args::flag_or_env(args.charmbox_dir, "CHARMBOX_SOURCE_DIR") {
        Some(dir) => CharmboxSource::new(dir)?,
        None => CharmboxSource::built_in()?,
    };
    let report = init(
        &args.dir,
        &InitOptions {
            language: args.lang,
            name: args.name,
            source,
        },
    )?;
    println!(
        "made {}, a {} charm, in {}:",
        report.name,
        args.lang,
        report.dir.display()
    );
    for file in &report.files {
        println!("  {}", file.display());
    }
    let test = match args.lang {
        Language::Rust => "cargo test",
        Language::Python => {
            "python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt && .venv/bin/pytest"
        }
        Language::JavaScript => "npm test",
    };
    println!("next, in {}:", report.dir.display());
    println!("  charmbox build                 # -> charm.wasm");
    println!("  charmbox check .");
    println!("  charmbox run . greet name=Ada");
    println!("  {test}");
    Ok(EXIT_COMPLETED)
}
