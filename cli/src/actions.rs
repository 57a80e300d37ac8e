//! `charmbox actions CHARM` (the actions, like `juju actions`; in the
//! tabular form, with what the charm's component can reach, as `charmbox
//! check` words it) and `charmbox show-action CHARM ACTION` (one action,
//! like `juju show-action`). CHARM is a charm directory, a bare component,
//! or the name of an application that has run here (its latest charm).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use serde_json::{json, Map, Value};

use super::output::{print, yaml, Format, ListFormat};
use super::{EXIT_COMPLETED, EXIT_FAILED};
use charmbox::charm::{ActionSpec, Charm};
use charmbox::store::TaskStore;

/// Arguments of `charmbox actions`.
#[derive(Debug, Args)]
pub struct ActionsArgs {
    /// The charm: a charm directory, a bare component (.wasm), or an
    /// application that has run here.
    charm: String,

    /// Show each action's full params schema.
    #[arg(long)]
    schema: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Tabular)]
    format: ListFormat,
}

/// A charm's action specs, and its name: read from its metadata alone, or,
/// for a bare component, from the component's exports.
fn action_specs(
    charm: &str,
    state_dir: Option<PathBuf>,
) -> anyhow::Result<(String, Vec<ActionSpec>)> {
    let path = charm_path(charm, state_dir)?;
    if path.is_dir() {
        let metadata = Charm::read_metadata(&path)?;
        let specs = metadata.actions.values().cloned().collect();
        return Ok((metadata.name, specs));
    }
    let engine = super::engine()?;
    let loaded = Charm::load(&engine, &path)?;
    let specs = loaded
        .action_specs()
        .into_iter()
        .map(Cow::into_owned)
        .collect();
    Ok((loaded.name, specs))
}

/// The charm `given` names: a path, or an application's latest charm.
fn charm_path(given: &str, state_dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let path = Path::new(given);
    if path.exists() || !charmbox::unit::is_valid_application_name(given) {
        return Ok(path.to_owned());
    }
    let known = match state_dir {
        Some(dir) if dir.join(charmbox::store::DATABASE_FILE).exists() => {
            TaskStore::open(&dir)?.charm_of_application(given)?
        }
        _ => None,
    };
    known.with_context(|| {
        format!(
            "{given} is neither a charm (no such file or directory) nor an application that has \
             run here: pass a charm directory or a .wasm component"
        )
    })
}

/// Action names in Juju's order: natural, so `backup2` comes before
/// `backup10`.
fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (la, lb) = (digits(a), digits(b));
                let (na, nb) = (&a[..la], &b[..lb]);
                let trim = |s: &'_ [u8]| -> usize { s.iter().take_while(|&&c| c == b'0').count() };
                let (na, nb) = (&na[trim(na)..], &nb[trim(nb)..]);
                let order = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if order != Ordering::Equal {
                    return order;
                }
                a = &a[la..];
                b = &b[lb..];
            }
            (Some(x), Some(y)) if x != y => return x.cmp(y),
            _ => {
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

/// Lists the actions; returns the exit status.
pub fn execute(args: ActionsArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let (name, mut specs) = action_specs(&args.charm, state_dir.clone())?;
    specs.sort_by(|a, b| natural(&a.name, &b.name));
    let format = match (args.format, args.schema) {
        (ListFormat::Json, _) => Format::Json,
        (ListFormat::Yaml, _) | (ListFormat::Tabular, true) => Format::Yaml,
        (ListFormat::Tabular, false) => {
            if specs.is_empty() {
                eprintln!("No actions defined for {name}.");
                return Ok(EXIT_COMPLETED);
            }
            let width = specs.iter().map(|s| s.name.len()).max().unwrap_or(0).max(6);
            let mut out = format!("{:width$} Description\n", "Action");
            for spec in &specs {
                // A description of several lines keeps its lines, indented
                // under the first.
                let mut lines = spec.description.trim().lines();
                out.push_str(&format!(
                    "{:width$} {}\n",
                    spec.name,
                    lines.next().unwrap_or("")
                ));
                for line in lines {
                    out.push_str(&format!("{:width$} {line}\n", ""));
                }
            }
            print!("{out}");
            print_reach(&charm_path(&args.charm, state_dir)?)?;
            return Ok(EXIT_COMPLETED);
        }
    };
    let mut out = Map::new();
    for spec in &specs {
        let value = if args.schema {
            spec.params.as_json().clone()
        } else {
            json!(spec.description)
        };
        out.insert(spec.name.clone(), value);
    }
    print(&Value::Object(out), format)?;
    Ok(EXIT_COMPLETED)
}

/// Arguments of `charmbox show-action`.
#[derive(Debug, Args)]
pub struct ShowActionArgs {
    /// The charm: a charm directory, a bare component (.wasm), or an
    /// application that has run here.
    charm: String,

    /// The action.
    action: String,
}

/// Prints one action as `juju show-action` does: its description, then
/// `Arguments` and each param's type, description and default, as YAML.
pub fn show_action(args: ShowActionArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let (_, specs) = action_specs(&args.charm, state_dir)?;
    let Some(spec) = specs.iter().find(|s| s.name == args.action) else {
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        eprintln!(
            "unknown action {:?} (the charm's actions: {})",
            args.action,
            names.join(", ")
        );
        return Ok(EXIT_FAILED);
    };
    // Params in yaml.v2's key order, each as a Go struct writes: `type`,
    // `description`, then `default` when there is one.
    let properties = spec.params.properties();
    let mut names: Vec<&String> = properties.keys().collect();
    names.sort_by(|a, b| charmbox::yaml11::key_order(a, b));
    let one = |key: &str, value: &Value| {
        yaml(&Value::Object(Map::from_iter([(
            key.to_owned(),
            value.clone(),
        )])))
    };
    let mut text = String::new();
    for name in names {
        let schema = &properties[name];
        if !schema.is_object() {
            continue;
        }
        let key = one(name, &Value::Null);
        text.push_str(key.trim_end().trim_end_matches(" null"));
        text.push('\n');
        let field = |key: &str| schema.get(key).cloned().unwrap_or(Value::Null);
        let mut fields = vec![
            ("type", field("type")),
            ("description", field("description")),
        ];
        if let Some(default) = schema.get("default").filter(|d| !d.is_null()) {
            fields.push(("default", default.clone()));
        }
        for (field, value) in fields {
            for line in one(field, &value).lines() {
                text.push_str(&format!("  {line}\n"));
            }
        }
    }
    if text.is_empty() {
        text.push_str("{}\n");
    }
    println!("{}\n\nArguments", spec.description);
    println!("{text}");
    Ok(EXIT_COMPLETED)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_naturally_as_juju_sorts_them() {
        let mut names = vec!["backup10", "backup2", "a", "backup", "b1c", "b01d"];
        names.sort_by(|a, b| natural(a, b));
        assert_eq!(names, ["a", "b1c", "b01d", "backup", "backup2", "backup10"]);
    }
}
