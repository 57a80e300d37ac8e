//! A stand-in for a remote application: what the operator says the other
//! side of a relation is, in a YAML file, when no local charm plays it.
//!
//! ```yaml
//! application: mysql          # its name
//! endpoint: server            # its endpoint (default: the local one's name)
//! interface: mysql            # (default: the local endpoint's)
//! application-data:           # its application databag
//!   database: wordpress
//! units:                      # its units, each with its unit databag
//!   mysql/0:
//!     host: 10.0.0.10
//!   mysql/1: {}
//! ```
//!
//! Databag values are strings, as Juju keeps them: quote numbers and
//! booleans (`port: "3306"`).

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::model::Bag;
use crate::unit::{is_valid_application_name, UnitName};

/// A remote application and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandIn {
    /// Its name.
    pub application: String,
    /// Its endpoint's name, if given.
    pub endpoint: Option<String>,
    /// The interface, if given.
    pub interface: Option<String>,
    /// Its application databag.
    pub application_data: Bag,
    /// Its units and their databags, in file order.
    pub units: Vec<(UnitName, Bag)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStandIn {
    application: String,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    interface: Option<String>,
    #[serde(default)]
    application_data: Option<IndexMap<String, serde_norway::Value>>,
    #[serde(default)]
    units: Option<IndexMap<String, Option<IndexMap<String, serde_norway::Value>>>>,
}

impl StandIn {
    /// Reads the description in `text`; `source` names it in errors.
    pub fn parse(source: &Path, text: &str) -> Result<Self, String> {
        let at = |message: String| format!("{}: {message}", source.display());
        let raw: RawStandIn = serde_norway::from_str(text).map_err(|e| at(e.to_string()))?;
        if !is_valid_application_name(&raw.application) {
            return Err(at(format!(
                "{:?} is not a valid application name (lowercase letters, digits and single \
                 hyphens, starting with a letter)",
                raw.application
            )));
        }
        let application_data = bag(raw.application_data, "application-data").map_err(at)?;
        let mut units = Vec::new();
        for (name, data) in raw.units.unwrap_or_default() {
            let unit: UnitName = name
                .parse()
                .map_err(|e: crate::unit::UnitNameError| at(e.to_string()))?;
            if unit.application() != raw.application {
                return Err(at(format!(
                    "unit {name:?} is not a unit of {:?}: name it {}/N",
                    raw.application, raw.application
                )));
            }
            let data = bag(data, &format!("the data of {name}")).map_err(at)?;
            units.push((unit, data));
        }
        Ok(Self {
            application: raw.application,
            endpoint: raw.endpoint,
            interface: raw.interface,
            application_data,
            units,
        })
    }

    /// Reads the description in the file at `path`.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(path, &text)
    }
}

/// A databag from YAML: string values only, as Juju keeps them.
fn bag(raw: Option<IndexMap<String, serde_norway::Value>>, what: &str) -> Result<Bag, String> {
    let mut bag = Bag::new();
    for (key, value) in raw.unwrap_or_default() {
        match value {
            serde_norway::Value::String(s) => {
                bag.insert(key, s);
            }
            serde_norway::Value::Number(_) | serde_norway::Value::Bool(_) => {
                return Err(format!(
                    "{what}: {key:?} is not a string; databag values are strings, so quote it \
                     ({key}: \"{}\")",
                    serde_norway::to_string(&value)
                        .unwrap_or_default()
                        .trim_end()
                ))
            }
            _ => {
                return Err(format!(
                    "{what}: {key:?} is not a string; databag values are strings"
                ))
            }
        }
    }
    Ok(bag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stand_in_reads_with_its_units_and_bags() {
        let stand_in = StandIn::parse(
            Path::new("mysql.yaml"),
            "application: mysql\nendpoint: server\napplication-data: {database: wp}\n\
             units:\n  mysql/0: {host: 10.0.0.1}\n  mysql/1:\n",
        )
        .unwrap();
        assert_eq!(stand_in.application, "mysql");
        assert_eq!(stand_in.endpoint.as_deref(), Some("server"));
        assert_eq!(stand_in.application_data["database"], "wp");
        assert_eq!(stand_in.units.len(), 2);
        assert_eq!(stand_in.units[0].1["host"], "10.0.0.1");
        assert!(stand_in.units[1].1.is_empty());
    }

    #[test]
    fn bad_stand_ins_are_refused_naming_what_is_wrong() {
        for (yaml, expected) in [
            ("application: MySQL", "not a valid application name"),
            (
                "application: mysql\nunits: {pg/0: {}}",
                "not a unit of \"mysql\"",
            ),
            (
                "application: mysql\nunits: {mysql/0: {port: 3306}}",
                "quote it (port: \"3306\")",
            ),
            ("application: mysql\nextra: 1", "unknown field `extra`"),
        ] {
            let err = StandIn::parse(Path::new("f.yaml"), yaml).unwrap_err();
            assert!(err.contains(expected), "{yaml}: {err}");
            assert!(err.starts_with("f.yaml: "), "{err}");
        }
    }
}
