//! Times as Juju reads and computes them for secrets: `--expire` as an RFC
//! 3339 time, that time without a zone (UTC), or a Go duration from now
//! (`24h`, `1h30m`); rotation times a policy's period from now, months
//! added as Go's `AddDate` adds them (January 31 plus a month is March 2
//! or 3).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::model::RotatePolicy;

/// When a secret given `--expire spec` at `now` expires (juju's
/// `secretUpsertCommand.Init`), rounded to the second; Juju's messages
/// otherwise.
pub(crate) fn parse_expire(spec: &str, now: SystemTime) -> Result<SystemTime, String> {
    let when = match parse_rfc3339(spec) {
        Some(when) => when,
        None => match parse_go_duration(spec) {
            Some(seconds) if seconds <= 0.0 => {
                return Err(format!("negative expire duration {spec:?} not valid"))
            }
            Some(seconds) => now + Duration::from_secs_f64(seconds),
            None => return Err(format!("expire time or duration {spec:?} not valid")),
        },
    };
    Ok(round_to_second(when))
}

/// When a secret rotating by `policy` from `now` next rotates.
pub(crate) fn next_rotation(policy: RotatePolicy, now: SystemTime) -> Option<SystemTime> {
    const HOUR: u64 = 3600;
    Some(match policy {
        RotatePolicy::Never => return None,
        RotatePolicy::Hourly => now + Duration::from_secs(HOUR),
        RotatePolicy::Daily => now + Duration::from_secs(24 * HOUR),
        RotatePolicy::Weekly => now + Duration::from_secs(7 * 24 * HOUR),
        RotatePolicy::Monthly => add_months(now, 1),
        RotatePolicy::Quarterly => add_months(now, 3),
        RotatePolicy::Yearly => add_months(now, 12),
    })
}

fn round_to_second(t: SystemTime) -> SystemTime {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut seconds = since.as_secs();
    if since.subsec_nanos() >= 500_000_000 {
        seconds += 1;
    }
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// Go's `t.AddDate(0, months, 0)`: the day of the month is kept, and a day
/// past the month's end rolls into the next month.
fn add_months(t: SystemTime, months: i64) -> SystemTime {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let days = (since.as_secs() / 86_400) as i64;
    let rest = Duration::from_secs(since.as_secs() % 86_400)
        + Duration::from_nanos(since.subsec_nanos().into());
    let (year, month, day) = civil_from_days(days);
    let month0 = month as i64 - 1 + months;
    let (year, month) = (
        year + month0.div_euclid(12),
        month0.rem_euclid(12) as u32 + 1,
    );
    let days = days_from_civil(year, month, 1) + day as i64 - 1;
    UNIX_EPOCH + Duration::from_secs(days.max(0) as u64 * 86_400) + rest
}

/// An RFC 3339 time (`2025-01-02T15:04:05Z`, with a fraction or an offset),
/// or one without a zone, read as UTC.
fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year as i64, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<9}", &fraction[..digits.min(9)]);
        nanos = padded.parse().ok()?;
        rest = &fraction[digits..];
    }
    let offset: i64 = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let zone = &rest[1..];
            if zone.len() != 5 || zone.as_bytes()[2] != b':' {
                return None;
            }
            let hours: i64 = zone[..2].parse().ok()?;
            let minutes: i64 = zone[3..].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let days = days_from_civil(year as i64, month, day);
    let seconds = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64 - offset;
    (seconds >= 0).then(|| UNIX_EPOCH + Duration::new(seconds as u64, nanos))
}

/// Go's `time.ParseDuration`, in seconds.
fn parse_go_duration(text: &str) -> Option<f64> {
    let (negative, mut rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .bytes()
            .take_while(|b| !b.is_ascii_digit() && *b != b'.')
            .count();
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    Some(if negative { -total } else { total })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let month = month as i64;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        humantime::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn expire_takes_times_and_durations_as_juju_does() {
        let now = at("2025-01-31T10:00:00Z");
        assert_eq!(parse_expire("24h", now), Ok(at("2025-02-01T10:00:00Z")));
        assert_eq!(parse_expire("1h30m", now), Ok(at("2025-01-31T11:30:00Z")));
        assert_eq!(parse_expire("1.5h", now), Ok(at("2025-01-31T11:30:00Z")));
        assert_eq!(
            parse_expire("2025-03-01T12:00:00+02:00", now),
            Ok(at("2025-03-01T10:00:00Z"))
        );
        assert_eq!(
            parse_expire("2025-03-01T12:00:00", now),
            Ok(at("2025-03-01T12:00:00Z"))
        );
        assert_eq!(
            parse_expire("2025-03-01T12:00:00.6Z", now),
            Ok(at("2025-03-01T12:00:01Z"))
        );
        assert_eq!(
            parse_expire("-1h", now),
            Err(r#"negative expire duration "-1h" not valid"#.into())
        );
        for bad in ["soon", "1d", "2025-02-30T00:00:00Z", "", "h"] {
            assert_eq!(
                parse_expire(bad, now),
                Err(format!("expire time or duration {bad:?} not valid")),
                "{bad}"
            );
        }
    }

    #[test]
    fn months_are_added_as_go_adds_them() {
        let now = at("2025-01-31T10:00:00Z");
        assert_eq!(
            next_rotation(RotatePolicy::Monthly, now),
            Some(at("2025-03-03T10:00:00Z"))
        );
        assert_eq!(
            next_rotation(RotatePolicy::Yearly, now),
            Some(at("2026-01-31T10:00:00Z"))
        );
        assert_eq!(
            next_rotation(RotatePolicy::Daily, now),
            Some(at("2025-02-01T10:00:00Z"))
        );
        assert_eq!(next_rotation(RotatePolicy::Never, now), None);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }
}
