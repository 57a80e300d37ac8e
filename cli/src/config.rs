//! `charmbox config APP [KEY | KEY=VALUE ...] [--reset KEY,...]`, like `juju
//! config`: with no keys, every option of the application's charm with its
//! default, value and source; with a key, its value; with `KEY=VALUE`s and
//! `--reset`, sets and resets them, typed as Juju types them.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::model::{explain, open_model};
use super::output::{print, Format};

/// Arguments of `charmbox config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The application.
    application: String,

    /// `KEY=VALUE` to set an option (`KEY=@FILE` reads the value from a
    /// file), or one `KEY` to print its value.
    #[arg(value_name = "KEY[=VALUE]")]
    args: Vec<String>,

    /// Options to reset to their defaults, comma-separated; may be repeated.
    #[arg(long, value_name = "KEY,...")]
    reset: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,

    #[command(flatten)]
    limits: super::args::LimitArgs,
}

/// The largest value `KEY=@FILE` reads, as Juju's.
const MAX_VALUE_FILE_BYTES: u64 = 5 * 1024 * 1024;

/// Runs `charmbox config`; returns the exit status.
pub fn execute(args: ConfigArgs, state_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    if args.application.contains('=') {
        bail!("no application name specified");
    }
    // juju's ConfigCommandBase.Init.
    let mut reset = Vec::new();
    for value in &args.reset {
        for key in value.trim_matches(',').split(',') {
            if key.contains('=') {
                bail!("--reset accepts a comma delimited set of keys \"a,b,c\", received: {key:?}");
            }
            reset.push(key.to_owned());
        }
    }
    let mut values: Vec<(String, String)> = Vec::new();
    let mut gets = Vec::new();
    for arg in &args.args {
        match arg.split_once('=') {
            Some(("", _)) => bail!("expected \"key=value\", got {arg:?}"),
            Some((key, value)) => {
                if values.iter().any(|(k, _)| k == key) {
                    bail!("key {key:?} specified more than once");
                }
                values.push((key.to_owned(), read_value(key, value)?));
            }
            None => gets.push(arg.clone()),
        }
    }
    if gets.len() > 1 {
        bail!("cannot specify multiple keys to get");
    }
    if !gets.is_empty() && (!values.is_empty() || !reset.is_empty()) {
        bail!("cannot get value and set or reset keys simultaneously: give one key, or key=value pairs");
    }
    let model = open_model(state_dir.clone())?;
    if let [key] = gets.as_slice() {
        println!(
            "{}",
            model
                .config_value(&args.application, key)
                .map_err(explain)?
        );
        return Ok(0);
    }
    if values.is_empty() && reset.is_empty() {
        print(
            &model.config(&args.application).map_err(explain)?,
            args.format,
        )?;
        return Ok(0);
    }
    model
        .set_config(&args.application, &values, &reset)
        .map_err(explain)?;
    // As under Juju, every unit hears of it.
    let engine = super::engine()?;
    let events = super::events::open_events(&engine, state_dir, &args.limits)?;
    Ok(super::events::report(
        &events.config_changed(&args.application)?,
    ))
}

/// A value as given, or for `@FILE` the file's content (valid UTF-8).
fn read_value(key: &str, value: &str) -> anyhow::Result<String> {
    let Some(path) = value.strip_prefix('@') else {
        return Ok(value.to_owned());
    };
    use anyhow::Context as _;
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read the value of {key:?} from {path}"))?
        .len();
    if size > MAX_VALUE_FILE_BYTES {
        bail!("the value of {key:?} in {path} is {size} bytes; at most 5 MiB may be read");
    }
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the value of {key:?} from {path}"))?;
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("value for option {key:?} contains non-UTF-8 sequences"))
}
