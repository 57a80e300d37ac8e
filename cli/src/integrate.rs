//! `charmbox integrate APP[:ENDPOINT] --remote FILE`, like `juju integrate`
//! with a remote application: relates a local application's endpoint to a
//! stand-in for a remote application, described in a YAML file (its name,
//! endpoint, units and every databag; see `charmbox::model::local::standin`).

use std::path::PathBuf;

use anyhow::bail;
use charmbox::model::local::operator::RelationTarget;
use charmbox::model::local::standin::StandIn;
use clap::Args;

use super::model::{explain, open_model};

/// Arguments of `charmbox integrate`.
#[derive(Debug, Args)]
pub struct IntegrateArgs {
    /// The local application, and the endpoint of its charm to relate on
    /// (needed when the charm has more than one that could be meant).
    #[arg(value_name = "APP[:ENDPOINT]")]
    application: String,

    /// A YAML file describing the remote application: `application`,
    /// `endpoint`, `interface`, `application-data`, and `units` with each
    /// unit's databag.
    #[arg(long, value_name = "FILE")]
    remote: PathBuf,
}

/// Adds the relation; returns the exit status.
pub fn execute(args: IntegrateArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let (application, endpoint) = match args.application.split_once(':') {
        Some((application, endpoint)) => (application, Some(endpoint)),
        None => (args.application.as_str(), None),
    };
    if application.is_empty() || endpoint == Some("") {
        bail!(
            "{:?} is not an application: give APP or APP:ENDPOINT, such as wordpress:db",
            args.application
        );
    }
    let stand_in = StandIn::read(&args.remote).map_err(anyhow::Error::msg)?;
    let relation = open_model(state_dir)?
        .integrate(application, endpoint, &RelationTarget::StandIn(stand_in))
        .map_err(explain)?;
    println!("Added relation {} ({})", relation.id, relation.key());
    Ok(0)
}
