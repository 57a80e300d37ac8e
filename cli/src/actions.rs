//! `charmbox actions CHARM`: the declared actions, like `juju actions`;
//! in the tabular form, with what the charm's component can reach (as
//! `charmbox check` words it) when the directory has one.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Map, Value};

use super::output::{print, Format, ListFormat};
use charmbox::charm::Charm;

/// Arguments of `charmbox actions`.
#[derive(Debug, Args)]
pub struct ActionsArgs {
    /// The charm directory.
    charm: PathBuf,

    /// Show each action's full params schema.
    #[arg(long)]
    schema: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Tabular)]
    format: ListFormat,
}

/// Lists the actions; returns the exit status.
pub fn execute(args: ActionsArgs) -> anyhow::Result<u8> {
    let metadata = Charm::read_metadata(&args.charm)?;
    let format = match (args.format, args.schema) {
        (ListFormat::Json, _) => Format::Json,
        (ListFormat::Yaml, _) | (ListFormat::Tabular, true) => Format::Yaml,
        (ListFormat::Tabular, false) => {
            if metadata.actions.is_empty() {
                println!("No actions defined for {}.", metadata.name);
                return Ok(0);
            }
            let width = metadata
                .actions
                .keys()
                .map(String::len)
                .max()
                .unwrap_or(0)
                .max(6);
            println!("{:width$}  Description", "Action");
            for (name, spec) in &metadata.actions {
                println!("{name:width$}  {}", spec.description);
            }
            print_reach(&args.charm)?;
            return Ok(0);
        }
    };
    let mut out = Map::new();
    for (name, spec) in &metadata.actions {
        let value = if args.schema {
            spec.params.as_json().clone()
        } else {
            json!(spec.description)
        };
        out.insert(name.clone(), value);
    }
    print(&Value::Object(out), format)?;
    Ok(0)
}

/// What the component of the charm directory `charm` can reach, after the
/// table; nothing when there is no component yet (the actions are read from
/// the metadata alone).
fn print_reach(charm: &std::path::Path) -> anyhow::Result<()> {
    if charm.is_dir() && !charm.join(charmbox::charm::COMPONENT_FILE).exists() {
        return Ok(());
    }
    let engine = super::engine()?;
    match Charm::load(&engine, charm) {
        Ok(charm) => {
            println!();
            super::check::print_reach(&charm);
        }
        Err(e) => {
            eprintln!("note: cannot tell what the charm can reach: {e}; `charmbox check` says more")
        }
    }
    Ok(())
}
