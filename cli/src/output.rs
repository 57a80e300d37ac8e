//! Printing results as YAML or JSON.

use clap::ValueEnum;
use std::io::Write as _;

use serde::Serialize;

use super::terminal::TerminalSafe;

/// Output formats, as `juju run --format` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// YAML (the default).
    Yaml,
    /// JSON.
    Json,
}

/// Prints `value` to stdout in `format`, serialising straight into a
/// buffered stdout.
pub fn print<T: Serialize + ?Sized>(value: &T, format: Format) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        Format::Yaml => serde_norway::to_writer(&mut out, value)?,
        Format::Json => {
            // C1 and bidirectional controls escaped too (see `terminal`).
            let formatter = TerminalSafe(serde_json::ser::PrettyFormatter::new());
            value.serialize(&mut serde_json::Serializer::with_formatter(
                &mut out, formatter,
            ))?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
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
