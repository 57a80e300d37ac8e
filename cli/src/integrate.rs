//! `charmbox integrate APP[:ENDPOINT] OTHER[:ENDPOINT]`, like `juju
//! integrate`: relates two local applications; or, with `--remote FILE`, a
//! local application's endpoint to a stand-in for a remote application,
//! described in a YAML file (its name, endpoint, units and every databag;
//! see `charmbox::model::local::standin`). Then the relation's hooks fire
//! on each local side.

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

    /// Another local application, and its endpoint (when more than one
    /// could be meant).
    #[arg(
        value_name = "OTHER[:ENDPOINT]",
        required_unless_present = "remote",
        conflicts_with = "remote"
    )]
    other: Option<String>,

    /// A YAML file describing the remote application: `application`,
    /// `endpoint`, `interface`, `application-data`, and `units` with each
    /// unit's databag.
    #[arg(long, value_name = "FILE")]
    remote: Option<PathBuf>,

    #[command(flatten)]
    limits: super::args::LimitArgs,
}

/// `APP` or `APP:ENDPOINT`, split; an empty part is refused.
fn split_endpoint(text: &str) -> anyhow::Result<(&str, Option<&str>)> {
    let (application, endpoint) = match text.split_once(':') {
        Some((application, endpoint)) => (application, Some(endpoint)),
        None => (text, None),
    };
    if application.is_empty() || endpoint == Some("") {
        bail!("{text:?} is not an application: give APP or APP:ENDPOINT, such as wordpress:db");
    }
    Ok((application, endpoint))
}

/// Adds the relation and fires its hooks on the local side(s); returns the
/// exit status.
pub fn execute(args: IntegrateArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let (application, endpoint) = split_endpoint(&args.application)?;
    let engine = super::engine()?;
    let events = super::events::open_events(&engine, state_dir.clone(), &args.limits)?;
    let (relation, fired) = match (&args.other, &args.remote) {
        (Some(other), _) => {
            let (other, other_endpoint) = split_endpoint(other)?;
            events.integrate_local(application, endpoint, other, other_endpoint)?
        }
        (None, Some(remote)) => {
            let stand_in = StandIn::read(remote).map_err(anyhow::Error::msg)?;
            let relation = open_model(state_dir)?
                .integrate(application, endpoint, &RelationTarget::StandIn(stand_in))
                .map_err(explain)?;
            let fired = events.integrated(&relation)?;
            (relation, fired)
        }
        (None, None) => bail!("give the other application, or --remote FILE for a stand-in"),
    };
    println!("Added relation {} ({})", relation.id, relation.key());
    Ok(super::events::report(&fired))
}
