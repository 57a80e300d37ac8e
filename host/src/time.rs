//! Timestamps as Juju prints them (`2006-01-02 15:04:05 +0000 UTC`) and their
//! serde form.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last second RFC 3339 (and Juju's format) can write: the end of the
/// year 9999. Formatting a later time panicked in humantime; charmbox
/// never records one, so a stored time past it is a damaged record.
const LAST_SECOND: u64 = 253_402_300_799;

/// A time the store's formats cannot hold: before 1970 or after 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} µs since the Unix epoch is not between 1970 and the end of 9999")]
pub struct OutOfRange(pub i64);

/// `t` as RFC 3339 text with `precision`, or `None` when it is outside
/// what RFC 3339 can write (before 1970, for our purposes, or after 9999).
fn rfc3339(t: SystemTime, micros: bool) -> Option<String> {
    let since = t.duration_since(UNIX_EPOCH).ok()?;
    if since.as_secs() > LAST_SECOND {
        return None;
    }
    Some(if micros {
        humantime::format_rfc3339_micros(t).to_string()
    } else {
        humantime::format_rfc3339_seconds(t).to_string()
    })
}

/// Words for a time no format can write, so printing never fails.
fn out_of_range(t: SystemTime) -> String {
    match t.duration_since(UNIX_EPOCH) {
        Ok(since) => format!("(after 9999: {} s since the Unix epoch)", since.as_secs()),
        Err(before) => format!(
            "(before 1970: {} s before the Unix epoch)",
            before.duration().as_secs()
        ),
    }
}

/// Formats `t` the way Juju prints task times and log entries.
pub fn format_juju(t: SystemTime) -> String {
    // humantime gives `2026-11-25T18:50:59Z`; Juju writes the Go default.
    match rfc3339(t, false) {
        Some(rfc) => format!(
            "{} +0000 UTC",
            rfc.trim_end_matches('Z').replacen('T', " ", 1)
        ),
        None => out_of_range(t),
    }
}

/// Formats `t` as `HH:MM:SS` (UTC), for live progress lines.
pub fn format_clock(t: SystemTime) -> String {
    match rfc3339(t, false) {
        Some(rfc) => rfc.get(11..19).unwrap_or(&rfc).to_owned(),
        None => out_of_range(t),
    }
}

/// Microseconds since the Unix epoch, the stored form (a time before the
/// epoch, which no clock charmbox reads gives, is stored as the epoch).
pub fn to_micros(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The inverse of [`to_micros`], for times charmbox can have written:
/// from the epoch to the end of 9999; anything else is an error, never a
/// time made up.
pub fn from_micros(micros: i64) -> Result<SystemTime, OutOfRange> {
    let since = u64::try_from(micros).map_err(|_| OutOfRange(micros))?;
    let since = Duration::from_micros(since);
    if since.as_secs() > LAST_SECOND {
        return Err(OutOfRange(micros));
    }
    Ok(UNIX_EPOCH + since)
}

/// Serde for a [`SystemTime`] as RFC 3339 text with microseconds.
pub mod serde_timestamp {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes RFC 3339 with microseconds.
    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        match rfc3339(*t, true) {
            Some(text) => s.serialize_str(&text),
            None => Err(serde::ser::Error::custom(out_of_range(*t))),
        }
    }

    /// Reads RFC 3339.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_rfc3339_weak(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_juju() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(format_juju(t), "2023-11-14 22:13:20 +0000 UTC");
        assert_eq!(format_clock(t), "22:13:20");
        assert_eq!(from_micros(to_micros(t)), Ok(t));
    }

    #[test]
    fn times_no_format_can_write_are_errors_or_words_never_panics() {
        let last = UNIX_EPOCH + Duration::from_secs(LAST_SECOND);
        assert_eq!(format_juju(last), "9999-12-31 23:59:59 +0000 UTC");
        let later = last + Duration::from_secs(1);
        assert!(format_juju(later).contains("after 9999"));
        assert!(format_clock(later).contains("after 9999"));
        assert!(from_micros(to_micros(later)).is_err());
        assert!(from_micros(-1).is_err());
        assert!(from_micros(i64::MAX).is_err());
        assert_eq!(from_micros(0), Ok(UNIX_EPOCH));
    }
}
