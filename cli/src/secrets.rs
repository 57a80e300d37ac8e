//! User secrets and what charms made, like Juju's secret commands:
//! `charmbox add-secret NAME key=value...` (a secret a charm may read once
//! granted; prints its URI), `charmbox grant-secret NAME|URI APP[,APP...]`,
//! `charmbox revoke-secret`, `charmbox secrets` and `charmbox show-secret
//! NAME|URI [--reveal]`.

use std::path::PathBuf;

use anyhow::bail;
use charmbox::model::local::operator::user_secret_content;
use charmbox::model::local::views::SecretView;
use clap::Args;

use super::model::{explain, open_model};
use super::output::{print, Format, ListFormat};
use super::table::Table;

/// Arguments of `charmbox add-secret`.
#[derive(Debug, Args)]
pub struct AddSecretArgs {
    /// The secret's name.
    name: String,

    /// Its content: `key=value`, `key#base64=VALUE` (value as base64) or
    /// `key#file=PATH` (value from a file). Keys are at least three
    /// lowercase letters, digits and hyphens.
    #[arg(required = true, value_name = "KEY=VALUE")]
    content: Vec<String>,

    /// A description.
    #[arg(long)]
    info: Option<String>,
}

/// Arguments of `charmbox update-secret`.
#[derive(Debug, Args)]
pub struct UpdateSecretArgs {
    /// The secret: its name or URI.
    secret: String,

    /// Its new content, as `add-secret` takes it.
    #[arg(value_name = "KEY=VALUE")]
    content: Vec<String>,

    /// A new description.
    #[arg(long)]
    info: Option<String>,

    #[command(flatten)]
    limits: super::args::LimitArgs,
}

/// Arguments of `charmbox grant-secret` and `revoke-secret`.
#[derive(Debug, Args)]
pub struct GrantSecretArgs {
    /// The secret: its name or URI.
    secret: String,

    /// The applications, comma-separated.
    #[arg(value_name = "APP[,APP...]")]
    applications: String,
}

/// Arguments of `charmbox secrets`.
#[derive(Debug, Args)]
pub struct SecretsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Tabular)]
    format: ListFormat,
}

/// Arguments of `charmbox show-secret`.
#[derive(Debug, Args)]
pub struct ShowSecretArgs {
    /// The secret: its URI or ID, a user secret's name, or a charm's
    /// secret's label.
    secret: String,

    /// Show its latest content too.
    #[arg(long)]
    reveal: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,
}

/// Adds a user secret and prints its URI; returns the exit status.
pub fn add(args: AddSecretArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let content = user_secret_content(&args.content).map_err(explain)?;
    let uri = open_model(state_dir)?
        .add_user_secret(&args.name, &content, args.info.as_deref())
        .map_err(explain)?;
    println!("{uri}");
    Ok(0)
}

/// Updates a user secret (a new revision), then fires `secret-changed` on
/// the units that read it; returns the exit status.
pub fn update(args: UpdateSecretArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let content = user_secret_content(&args.content).map_err(explain)?;
    let revision = open_model(state_dir.clone())?
        .update_user_secret(&args.secret, &content, args.info.as_deref())
        .map_err(explain)?;
    match revision {
        Some(revision) => println!("{} has revision {revision}", args.secret),
        None if content.is_empty() => println!("{} updated", args.secret),
        None => println!(
            "{}: the content is the latest revision's already; no new revision",
            args.secret
        ),
    }
    let engine = super::engine()?;
    let events = super::events::open_events(&engine, state_dir, &args.limits)?;
    let fired = events.fire_bag_writes(Vec::new())?;
    Ok(super::events::report(&fired))
}

/// Grants a user secret; returns the exit status.
pub fn grant(args: GrantSecretArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let applications = applications(&args.applications)?;
    open_model(state_dir)?
        .grant_user_secret(&args.secret, &applications)
        .map_err(explain)?;
    Ok(0)
}

/// Revokes a user secret; returns the exit status.
pub fn revoke(args: GrantSecretArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let applications = applications(&args.applications)?;
    open_model(state_dir)?
        .revoke_user_secret(&args.secret, &applications)
        .map_err(explain)?;
    Ok(0)
}

/// Lists every secret; returns the exit status.
pub fn list(args: SecretsArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let secrets = open_model(state_dir)?.secrets(false)?;
    match args.format {
        ListFormat::Tabular => {
            if secrets.is_empty() {
                println!("No secrets to display.");
                return Ok(0);
            }
            let mut table = Table::new(&[
                "ID",
                "Name",
                "Owner",
                "Rotation",
                "Revision",
                "Last updated",
            ]);
            for secret in &secrets {
                table.row(vec![
                    secret.uri.clone(),
                    secret
                        .name
                        .clone()
                        .or(secret.label.clone())
                        .unwrap_or("-".into()),
                    secret.owner.clone(),
                    secret.rotation.clone(),
                    secret.revision.to_string(),
                    secret.updated.clone(),
                ]);
            }
            print!("{}", table.render());
        }
        ListFormat::Yaml => print(&by_uri(&secrets), Format::Yaml)?,
        ListFormat::Json => print(&by_uri(&secrets), Format::Json)?,
    }
    Ok(0)
}

/// Shows one secret; returns the exit status.
pub fn show(args: ShowSecretArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let found = open_model(state_dir)?
        .show_secret(&args.secret, args.reveal)
        .map_err(explain)?;
    print(&by_uri(&found), args.format)?;
    Ok(0)
}

fn by_uri(secrets: &[SecretView]) -> std::collections::BTreeMap<&str, &SecretView> {
    secrets.iter().map(|s| (s.uri.as_str(), s)).collect()
}

fn applications(list: &str) -> anyhow::Result<Vec<String>> {
    let applications: Vec<String> = list
        .split(',')
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    if applications.is_empty() {
        bail!("missing secret URI or application name");
    }
    Ok(applications)
}
