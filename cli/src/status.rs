//! `charmbox status`, like `juju status`: the model, its applications with
//! their status, version and charm, their units with workload status and
//! message (`*` marks the leader) and open ports, stand-ins for remote
//! applications, and relations.

use std::path::PathBuf;
use std::time::SystemTime;

use charmbox::model::local::views::{format_since, ModelStatus};
use charmbox::model::{PortRange, Protocol};
use clap::Args;

use super::model::open_model;
use super::output::{print, Format, ListFormat};
use super::table::Table;

/// Arguments of `charmbox status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Tabular)]
    format: ListFormat,
}

/// Prints the model's status; returns the exit status.
pub fn execute(args: StatusArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let mut status = open_model(state_dir.clone())?.status()?;
    let state_dir = super::run::require_state_dir(state_dir)?;
    // A model no hook has fired in has no record to read (nor to make).
    if state_dir
        .join(charmbox::events::log::HOOKS_DATABASE_FILE)
        .exists()
    {
        let log = charmbox::events::HookLog::open(&state_dir);
        charmbox::events::status::add_hook_record(&mut status, &log)?;
    }
    match args.format {
        ListFormat::Yaml => print(&status, Format::Yaml)?,
        ListFormat::Json => print(&status, Format::Json)?,
        ListFormat::Tabular => print!("{}", tabular(&status)),
    }
    Ok(0)
}

/// The tabular form, section by section as Juju prints them.
fn tabular(status: &ModelStatus) -> String {
    let mut sections = Vec::new();
    let mut model = Table::new(&[
        "Model",
        "Controller",
        "Cloud/Region",
        "Version",
        "Timestamp",
    ]);
    let now = format_since(SystemTime::now());
    model.row(vec![
        status.model.name.clone(),
        "charmbox".into(),
        "local".into(),
        status.model.version.into(),
        // "01 Dec 2026 22:05:35Z": Juju shows the time of day.
        now.split(' ').nth(3).unwrap_or_default().to_owned(),
    ]);
    sections.push(model.render());

    if !status.stand_ins.is_empty() {
        let mut saas = Table::new(&["SAAS", "Status", "Store", "URL"]);
        for name in status.stand_ins.keys() {
            saas.row(vec![
                name.clone(),
                "active".into(),
                "stand-in".into(),
                String::new(),
            ]);
        }
        sections.push(saas.render());
    }

    if status.applications.is_empty() {
        sections.push(
            "Model \"local\" is empty: `charmbox deploy CHARM` adds an application (or its \
             units' first `charmbox run` does).\n"
                .into(),
        );
    } else {
        let mut apps = Table::new(&["App", "Version", "Status", "Scale", "Charm", "Message"]);
        let mut units = Table::new(&["Unit", "Workload", "Agent", "Ports", "Last hook", "Message"]);
        for (name, app) in &status.applications {
            apps.row(vec![
                name.clone(),
                app.version.clone(),
                app.status.current.to_string(),
                app.scale.to_string(),
                app.charm_name.clone(),
                app.status.message.clone(),
            ]);
            for (unit_name, unit) in &app.units {
                let marker = if unit.leader { "*" } else { "" };
                units.row(vec![
                    format!("{unit_name}{marker}"),
                    unit.workload_status.current.to_string(),
                    unit.juju_status.current.as_str().into(),
                    ports(&unit.open_ports),
                    unit.last_hook.clone().unwrap_or_default(),
                    unit.workload_status.message.clone(),
                ]);
            }
        }
        sections.push(apps.render());
        if !units.is_empty() {
            sections.push(units.render());
        }
    }

    if !status.relations.is_empty() {
        let mut relations = Table::new(&["Integration provider", "Requirer", "Interface", "Type"]);
        let mut sorted = status.relations.clone();
        sorted.sort_by(|a, b| (&a.provider, &a.requirer).cmp(&(&b.provider, &b.requirer)));
        for relation in sorted {
            relations.row(vec![
                relation.provider,
                relation.requirer,
                relation.interface,
                relation.kind.into(),
            ]);
        }
        sections.push(relations.render());
    }
    sections.join("\n")
}

/// Open ports as Juju's status prints them: ports of a protocol joined by
/// commas before it (`80,443/tcp 53/udp icmp`).
fn ports(ranges: &[PortRange]) -> String {
    let mut groups: Vec<String> = Vec::new();
    for protocol in [Protocol::Icmp, Protocol::Tcp, Protocol::Udp] {
        let of: Vec<String> = ranges
            .iter()
            .filter(|r| r.protocol == protocol)
            .map(|r| {
                if r.from == r.to {
                    r.from.to_string()
                } else {
                    format!("{}-{}", r.from, r.to)
                }
            })
            .collect();
        match (protocol, of.is_empty()) {
            (_, true) => {}
            (Protocol::Icmp, false) => groups.push("icmp".into()),
            (Protocol::Tcp, false) => groups.push(format!("{}/tcp", of.join(","))),
            (Protocol::Udp, false) => groups.push(format!("{}/udp", of.join(","))),
        }
    }
    groups.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_grouped_by_protocol_as_juju_prints_them() {
        let range = |protocol, from, to| PortRange { protocol, from, to };
        let ranges = [
            range(Protocol::Icmp, 0, 0),
            range(Protocol::Tcp, 80, 80),
            range(Protocol::Tcp, 443, 443),
            range(Protocol::Udp, 1000, 2000),
        ];
        assert_eq!(ports(&ranges), "icmp 80,443/tcp 1000-2000/udp");
    }
}
