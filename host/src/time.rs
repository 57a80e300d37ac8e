//! Timestamps as Juju prints them (`2006-01-02 15:04:05 +0000 UTC`) and their
//! serde form.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Formats `t` the way Juju prints task times and log entries.
pub fn format_juju(t: SystemTime) -> String {
    // humantime gives `2026-11-25T18:50:59Z`; Juju writes the Go default.
    let rfc = humantime::format_rfc3339_seconds(t).to_string();
    format!(
        "{} +0000 UTC",
        rfc.trim_end_matches('Z').replacen('T', " ", 1)
    )
}

/// Formats `t` as `HH:MM:SS` (UTC), for live progress lines.
pub fn format_clock(t: SystemTime) -> String {
    let rfc = humantime::format_rfc3339_seconds(t).to_string();
    rfc[11..19].to_owned()
}

/// Microseconds since the Unix epoch, the stored form.
pub fn to_micros(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// The inverse of [`to_micros`].
pub fn from_micros(micros: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(micros.max(0) as u64)
}

/// Serde for a [`SystemTime`] as RFC 3339 text with microseconds.
pub mod serde_timestamp {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes RFC 3339 with microseconds.
    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339_micros(*t))
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
        assert_eq!(from_micros(to_micros(t)), t);
    }
}
