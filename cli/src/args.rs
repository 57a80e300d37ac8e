//! Arguments several commands share: durations, sizes, the sandbox limits
//! as flags, and the words that tell a user which flag raises a limit.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use charmbox::run::LimitHints;
use charmbox::sandbox::{DiskLimits, SandboxLimits};
use clap::Args;

/// How the CLI tells a user to raise a limit a task hit.
pub const LIMIT_HINTS: LimitHints = LimitHints {
    timeout: "raise the limit with --timeout",
    memory: "raise it with --memory",
    disk: "raise it with --disk, or --inodes for files and directories",
};

/// A directory given by its flag, else by environment variable `var` (an
/// empty one is unset). Read after parsing rather than by clap's `env`:
/// clap shows a flag its variable set in every usage line, as if it had
/// been typed and were required.
pub fn flag_or_env(flag: Option<PathBuf>, var: &str) -> Option<PathBuf> {
    flag.or_else(|| {
        std::env::var_os(var)
            .filter(|value: &OsString| !value.is_empty())
            .map(PathBuf::from)
    })
}

/// Sandbox limits on the command line.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Deadline for each task's action ("30s", "5m"); 0 for none.
    #[arg(long, default_value = "5m", value_parser = parse_timeout, value_name = "DURATION")]
    timeout: Timeout,

    /// Memory cap for each sandbox, all its memories and tables together
    /// ("256MiB", "1GiB", bytes).
    #[arg(long, default_value = "256MiB", value_parser = parse_size, value_name = "SIZE")]
    memory: usize,

    #[command(flatten)]
    disk: DiskArgs,
}

impl LimitArgs {
    /// The limits these flags give.
    pub fn limits(&self) -> SandboxLimits {
        SandboxLimits {
            timeout: self.timeout.0,
            memory_bytes: self.memory,
            disk: self.disk.limits(),
            ..SandboxLimits::default()
        }
    }
}

/// A unit's data directory budget on the command line.
#[derive(Debug, Clone, Args)]
pub struct DiskArgs {
    /// Most bytes of files in each unit's data directory ("1GiB", "512MiB");
    /// a sparse file counts for its whole size.
    #[arg(long, default_value = "1GiB", value_parser = parse_size, value_name = "SIZE")]
    disk: usize,

    /// Most files, directories and links in each unit's data directory.
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    inodes: u64,
}

impl DiskArgs {
    /// The budget these flags give.
    pub fn limits(&self) -> DiskLimits {
        DiskLimits {
            bytes: self.disk as u64,
            inodes: self.inodes,
        }
    }
}

/// A deadline, or none (`0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(pub Option<Duration>);

/// Parses a deadline such as `30s`, `5m` or `1h30m`; `0` means none.
pub fn parse_timeout(text: &str) -> Result<Timeout, String> {
    if text.trim() == "0" {
        return Ok(Timeout(None));
    }
    match parse_duration(text) {
        Ok(d) if d.is_zero() => Ok(Timeout(None)),
        Ok(d) => Ok(Timeout(Some(d))),
        Err(e) => Err(format!("{e} (0 for none)")),
    }
}

/// Parses a duration as every flag takes one (`30s`, `5m`, `1h30m`),
/// saying once what is wrong with a bad one and what to write instead.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| match e {
        humantime::DurationError::UnknownUnit { unit, value, .. } if unit.is_empty() => {
            format!("{value} has no unit: write {value}s for seconds or {value}m for minutes")
        }
        other => format!("{other}: write a duration such as 30s, 5m or 1h30m"),
    })
}

/// Parses `256MiB`, `1GiB`, `512KiB`, `64MB` or a plain byte count.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: usize = number.parse().map_err(|_| {
        format!("{text:?} is not a size: expected e.g. 256MiB, 1GiB or a byte count")
    })?;
    let multiplier: usize = match unit.trim() {
        "" | "B" => 1,
        "K" | "KB" | "KiB" => 1 << 10,
        "M" | "MB" | "MiB" => 1 << 20,
        "G" | "GB" | "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?}: use B, KiB, MiB or GiB"
            ))
        }
    };
    let bytes = number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("{text:?} is too large"))?;
    if bytes < (1 << 20) {
        return Err(format!(
            "{text:?} is too small: a charm needs at least 1MiB"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_and_timeouts() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("2097152"), Ok(2 << 20));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("10KiB").is_err());
        assert_eq!(parse_timeout("0"), Ok(Timeout(None)));
        assert_eq!(
            parse_timeout("1m30s"),
            Ok(Timeout(Some(Duration::from_secs(90))))
        );
        assert!(parse_timeout("soon").is_err());
        // A number without its unit is explained once, with what to write.
        let err = parse_timeout("5").unwrap_err();
        assert!(err.contains("write 5s for seconds"), "{err}");
        assert_eq!(err.matches("5s").count(), 1, "{err}");
    }
}
