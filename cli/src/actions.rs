//! `charmbox actions CHARM`: the declared actions, like `juju actions`.

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
