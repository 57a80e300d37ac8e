//! Printing results as YAML or JSON.

use clap::ValueEnum;
use serde_json::Value;

/// Output formats, as `juju run --format` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// YAML (the default).
    Yaml,
    /// JSON.
    Json,
}

/// Prints `value` to stdout in `format`.
pub fn print(value: &Value, format: Format) -> anyhow::Result<()> {
    let text = match format {
        Format::Yaml => serde_norway::to_string(value)?,
        Format::Json => serde_json::to_string_pretty(value)? + "\n",
    };
    print!("{text}");
    Ok(())
}

/// `juju actions` and `juju operations` formats: a table, or YAML or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Tabular,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}
