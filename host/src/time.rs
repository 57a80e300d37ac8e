//! Timestamps as Juju prints them, in local time unless UTC is asked for
//! (as `juju run`, `juju show-task` and `juju operations` do without and
//! with `--utc`), and their stored and serde forms.
//!
//! - [`format_juju`]: Go's `Time.String()` form, `2006-01-02 15:04:05 -0700
//!   MST`, for task and log times;
//! - [`format_clock`]: `15:04:05`, for log lines streamed while a task runs;
//! - [`format_plain`]: `2006-01-02T15:04:05`, for `operations`' table.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which clock times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeZone {
    /// The machine's local time (the `TZ` variable, else
    /// `/etc/localtime`), as Juju shows times by default.
    #[default]
    Local,
    /// UTC (`--utc`).
    Utc,
}

/// A moment broken down in a time zone.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// Seconds east of UTC.
    offset: i64,
    /// The zone's abbreviation (`UTC`, `CET`, `+03`).
    zone: String,
}

impl Civil {
    fn of(t: SystemTime, zone: TimeZone) -> Self {
        let seconds = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
        };
        match zone {
            TimeZone::Utc => Self::utc(seconds),
            TimeZone::Local => local(seconds).unwrap_or_else(|| Self::utc(seconds)),
        }
    }

    fn utc(seconds: i64) -> Self {
        Self::from_fields(seconds, 0, "UTC".to_owned())
    }

    /// The civil time `offset` seconds east of UTC at `seconds` since the
    /// epoch (days to a date by Howard Hinnant's civil-from-days).
    fn from_fields(seconds: i64, offset: i64, zone: String) -> Self {
        let shifted = seconds + offset;
        let days = shifted.div_euclid(86_400);
        let of_day = shifted.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year,
            month,
            day,
            hour: (of_day / 3600) as u32,
            minute: (of_day / 60 % 60) as u32,
            second: (of_day % 60) as u32,
            offset,
            zone,
        }
    }

    fn date_time(&self, separator: char) -> String {
        format!(
            "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// The local civil time, as the C library's `localtime_r` has it.
#[cfg(target_os = "linux")]
fn local(seconds: i64) -> Option<Civil> {
    use std::sync::Once;
    static TZSET: Once = Once::new();
    extern "C" {
        fn tzset();
    }
    // SAFETY: `tzset` reads TZ and the zone files into the C library's
    // own state; called once, before the first conversion.
    TZSET.call_once(|| unsafe { tzset() });
    // Wide enough on every Linux this runs on (64-bit time_t).
    let time = seconds as libc::time_t;
    // SAFETY: `localtime_r` writes only into `tm`, which outlives the call;
    // `tm_zone` then points at the C library's static zone names.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&time, &mut tm).is_null() {
            return None;
        }
        tm
    };
    let zone = if tm.tm_zone.is_null() {
        String::new()
    } else {
        // SAFETY: a non-null `tm_zone` is a NUL-terminated static string.
        unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
            .to_string_lossy()
            .into_owned()
    };
    Some(Civil::from_fields(seconds, tm.tm_gmtoff, zone))
}

#[cfg(not(target_os = "linux"))]
fn local(_seconds: i64) -> Option<Civil> {
    None
}

/// The last second RFC 3339 (and Juju's format) can write: the end of the
/// year 9999. Formatting a later time panicked in humantime; charmbox
/// never records one, so a stored time past it is a damaged record.
const LAST_SECOND: u64 = 253_402_300_799;

/// A time the store's formats cannot hold: before 1970 or after 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} µs since the Unix epoch is not between 1970 and the end of 9999")]
pub struct OutOfRange(pub i64);

/// Whether `t` is one the formats write: from 1970 to the end of 9999.
fn in_range(t: SystemTime) -> bool {
    t.duration_since(UNIX_EPOCH)
        .is_ok_and(|since| since.as_secs() <= LAST_SECOND)
}

/// `t` as RFC 3339 text with microseconds, or `None` when it is outside
/// what RFC 3339 can write (before 1970, for our purposes, or after 9999).
fn rfc3339_micros(t: SystemTime) -> Option<String> {
    in_range(t).then(|| humantime::format_rfc3339_micros(t).to_string())
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

/// `t` broken down in `zone`, or the words for a time out of range.
fn civil(t: SystemTime, zone: TimeZone) -> Result<Civil, String> {
    if in_range(t) {
        Ok(Civil::of(t, zone))
    } else {
        Err(out_of_range(t))
    }
}

/// Formats `t` the way Juju prints task times and log entries: Go's
/// `Time.String()`, `2006-01-02 15:04:05 -0700 MST`, to the second.
pub fn format_juju(t: SystemTime, zone: TimeZone) -> String {
    let civil = match civil(t, zone) {
        Ok(civil) => civil,
        Err(words) => return words,
    };
    let sign = if civil.offset < 0 { '-' } else { '+' };
    let offset = civil.offset.abs();
    format!(
        "{} {sign}{:02}{:02} {}",
        civil.date_time(' '),
        offset / 3600,
        offset / 60 % 60,
        civil.zone
    )
}

/// Formats `t` as `HH:MM:SS`, for log lines shown as they are logged.
pub fn format_clock(t: SystemTime, zone: TimeZone) -> String {
    civil(t, zone).map_or_else(
        |words| words,
        |c| format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second),
    )
}

/// Formats `t` as `2006-01-02T15:04:05`, as `juju operations` prints its
/// table.
pub fn format_plain(t: SystemTime, zone: TimeZone) -> String {
    civil(t, zone).map_or_else(|words| words, |c| c.date_time('T'))
}

/// Formats `t` as `2006-01-02 15:04:05` in UTC, as `juju cancel-task`
/// prints when a task completed.
pub fn format_utc_seconds(t: SystemTime) -> String {
    civil(t, TimeZone::Utc).map_or_else(|words| words, |c| c.date_time(' '))
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
        match rfc3339_micros(*t) {
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
    fn formats_like_juju_in_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            format_juju(t, TimeZone::Utc),
            "2023-11-14 22:13:20 +0000 UTC"
        );
        assert_eq!(format_clock(t, TimeZone::Utc), "22:13:20");
        assert_eq!(format_plain(t, TimeZone::Utc), "2023-11-14T22:13:20");
        assert_eq!(format_utc_seconds(t), "2023-11-14 22:13:20");
        assert_eq!(from_micros(to_micros(t)), Ok(t));
        // Leap days and the turn of a century.
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(format_plain(leap, TimeZone::Utc), "2000-02-29T00:00:00");
    }

    #[test]
    fn local_time_follows_the_zone_with_its_offset_and_name() {
        // The C library reads TZ once per process; this test's process may
        // have another zone, so only the shape is checked here (the e2e
        // tests set TZ for the binary).
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let text = format_juju(t, TimeZone::Local);
        let parts: Vec<&str> = text.split(' ').collect();
        assert_eq!(parts.len(), 4, "{text}");
        assert!(
            parts[2].starts_with(['+', '-']) && parts[2].len() == 5,
            "{text}"
        );
    }

    #[test]
    fn times_no_format_can_write_are_errors_or_words_never_panics() {
        let last = UNIX_EPOCH + Duration::from_secs(LAST_SECOND);
        assert_eq!(
            format_juju(last, TimeZone::Utc),
            "9999-12-31 23:59:59 +0000 UTC"
        );
        let later = last + Duration::from_secs(1);
        for zone in [TimeZone::Utc, TimeZone::Local] {
            assert!(format_juju(later, zone).contains("after 9999"));
            assert!(format_clock(later, zone).contains("after 9999"));
            assert!(format_plain(later, zone).contains("after 9999"));
        }
        assert!(format_utc_seconds(later).contains("after 9999"));
        assert!(from_micros(to_micros(later)).is_err());
        assert!(from_micros(-1).is_err());
        assert!(from_micros(i64::MAX).is_err());
        assert_eq!(from_micros(0), Ok(UNIX_EPOCH));
    }
}
