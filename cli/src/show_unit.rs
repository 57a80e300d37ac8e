//! `charmbox show-unit UNIT...`, like `juju show-unit`: each unit's
//! relations with every bag in them, leadership, open ports, workload
//! version and status, and (charmbox shows it) the unit's own state.

use std::collections::BTreeMap;
use std::path::PathBuf;

use charmbox::unit::UnitName;
use clap::Args;

use super::model::{explain, open_model};
use super::output::{print, Format};

/// Arguments of `charmbox show-unit`.
#[derive(Debug, Args)]
pub struct ShowUnitArgs {
    /// The units.
    #[arg(required = true, value_name = "UNIT")]
    units: Vec<UnitName>,

    /// Only the relation data of this endpoint.
    #[arg(long)]
    endpoint: Option<String>,

    /// Only the application data of each relation.
    #[arg(long)]
    app: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,
}

/// Prints the units; returns the exit status.
pub fn execute(args: ShowUnitArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let model = open_model(state_dir)?;
    let mut shown = BTreeMap::new();
    for unit in &args.units {
        let mut info = model.show_unit(unit).map_err(explain)?;
        if let Some(endpoint) = &args.endpoint {
            info.relation_info.retain(|r| &r.endpoint == endpoint);
        }
        if args.app {
            for relation in &mut info.relation_info {
                relation.local_unit.data.clear();
                relation.related_units.clear();
            }
        }
        shown.insert(unit.to_string(), info);
    }
    print(&shown, args.format)?;
    Ok(0)
}
