//! Ports of the pieces of Go's standard library that yaml.v2's `resolve`
//! leans on: `strconv.ParseInt(s, 0, 64)`, `strconv.ParseUint(s, 0, 64)`,
//! the decimal part of `strconv.ParseFloat(s, 64)`, the two `yamlStyleFloat`
//! regular expressions and `time.Parse` for the four timestamp layouts.
//!
//! Only acceptance and the resulting value matter to yaml.v2 (it checks
//! `err == nil`), so every function returns an `Option`.
//!
//! Source: Go `src/strconv/atoi.go` (`ParseUint`, `ParseInt`,
//! `underscoreOK`) and `src/strconv/atof.go` (`readFloat`, `ParseFloat`),
//! identical in this respect from Go 1.13 (which added `0b`, `0o` and `_`
//! to base-0 parsing) to current releases.

fn lower(c: u8) -> u8 {
    c | (b'x' - b'X')
}

/// Go `underscoreOK`: underscores must sit between digits (or after a base
/// prefix), never first or last.
fn underscore_ok(s: &[u8]) -> bool {
    // saw: b'^' start, b'0' digit or prefix, b'_' underscore, b'!' other.
    let mut saw = b'^';
    let mut s = s;
    if !s.is_empty() && (s[0] == b'-' || s[0] == b'+') {
        s = &s[1..];
    }
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(lower(s[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(s[1]) == b'x';
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (hex && (b'a'..=b'f').contains(&lower(c))) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go `strconv.ParseUint(s, 0, 64)`.
pub(crate) fn parse_uint_base0(s0: &str) -> Option<u64> {
    let b = s0.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (base, digits): (u64, &[u8]) = if b[0] == b'0' {
        if b.len() >= 3 && lower(b[1]) == b'b' {
            (2, &b[2..])
        } else if b.len() >= 3 && lower(b[1]) == b'o' {
            (8, &b[2..])
        } else if b.len() >= 3 && lower(b[1]) == b'x' {
            (16, &b[2..])
        } else {
            (8, &b[1..])
        }
    } else {
        (10, b)
    };
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u64::from(c - b'0'),
            _ if lower(c).is_ascii_lowercase() => u64::from(lower(c) - b'a' + 10),
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(d)?;
    }
    if underscores && !underscore_ok(b) {
        return None;
    }
    Some(n)
}

/// Go `strconv.ParseInt(s, 2, 64)` / `ParseUint(s, 2, 64)` (no prefix,
/// no underscores; `ParseInt` takes one sign).
pub(crate) fn parse_uint_base2(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in s.bytes() {
        let d = match c {
            b'0' => 0,
            b'1' => 1,
            _ => return None,
        };
        n = n.checked_mul(2)?.checked_add(d)?;
    }
    Some(n)
}

/// See [`parse_uint_base2`].
pub(crate) fn parse_int_base2(s: &str) -> Option<i64> {
    let (neg, rest) = if let Some(r) = s.strip_prefix('+') {
        (false, r)
    } else if let Some(r) = s.strip_prefix('-') {
        (true, r)
    } else {
        (false, s)
    };
    signed(neg, parse_uint_base2(rest)?)
}

fn signed(neg: bool, un: u64) -> Option<i64> {
    const CUTOFF: u64 = 1 << 63;
    if (!neg && un >= CUTOFF) || (neg && un > CUTOFF) {
        return None;
    }
    Some(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

/// Go `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn parse_int_base0(s0: &str) -> Option<i64> {
    let (neg, rest) = if let Some(r) = s0.strip_prefix('+') {
        (false, r)
    } else if let Some(r) = s0.strip_prefix('-') {
        (true, r)
    } else {
        (false, s0)
    };
    signed(neg, parse_uint_base0(rest)?)
}

/// Go `strconv.ParseFloat(s, 64)` restricted to decimal syntax (yaml.v2
/// only ever hands it strings starting with `.` or strings that matched
/// `yamlStyleFloat`, so hexadecimal floats and `Inf`/`NaN` words cannot
/// reach it). Mirrors `readFloat`: optional sign, digits with at most one
/// `.`, optional exponent with at least one digit, `_` accepted where
/// `underscoreOK` allows it, the whole string consumed. Overflow (Go's
/// `ErrRange`) is a failure; underflow to zero is not.
pub(crate) fn parse_float_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut underscores = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i + 2 < b.len() && b[i] == b'0' && lower(b[i + 1]) == b'x' {
        // Hexadecimal floats are outside what yaml.v2 can pass here.
        return None;
    }
    let mut saw_dot = false;
    let mut saw_digits = false;
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' => {
                if saw_dot {
                    break;
                }
                saw_dot = true;
            }
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    if i < b.len() && lower(b[i]) == b'e' {
        i += 1;
        if i >= b.len() {
            return None;
        }
        if b[i] == b'+' || b[i] == b'-' {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_digit() {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            }
            i += 1;
        }
    }
    if i != b.len() {
        return None;
    }
    if underscores && !underscore_ok(b) {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    // Rust's parser is correctly rounded, as Go's is.
    let f: f64 = cleaned.parse().ok()?;
    if f.is_infinite() {
        return None; // Go: ErrRange
    }
    Some(f)
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// yaml.v2 v2.4.0 `yamlStyleFloat`:
/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub(crate) fn upstream_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        let j = digits(b, i + 1);
        if j == i + 1 {
            return false;
        }
        i = j;
    } else {
        let j = digits(b, i);
        if j == i {
            return false;
        }
        i = j;
        if i < b.len() && b[i] == b'.' {
            i = digits(b, i + 1);
        }
    }
    exponent_tail(b, i, false)
}

/// github.com/juju/yaml (the fork Juju's go.mod substitutes for
/// gopkg.in/yaml.v2) `yamlStyleFloat`:
/// `^[-+]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][-+][0-9]+)?$`
pub(crate) fn juju_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'0' {
        i += 1;
    } else if i < b.len() && (b'1'..=b'9').contains(&b[i]) {
        i = digits(b, i + 1);
    }
    if i < b.len() && b[i] == b'.' {
        let j = digits(b, i + 1);
        if j == i + 1 {
            return false;
        }
        i = j;
    }
    exponent_tail(b, i, true)
}

/// `([eE][-+]?[0-9]+)?$` (sign optional) or `([eE][-+][0-9]+)?$` (sign
/// required) starting at `i`.
fn exponent_tail(b: &[u8], mut i: usize, sign_required: bool) -> bool {
    if i == b.len() {
        return true;
    }
    if b[i] != b'e' && b[i] != b'E' {
        return false;
    }
    i += 1;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    } else if sign_required {
        return false;
    }
    let j = digits(b, i);
    j > i && j == b.len()
}

/// Go `getnum(s, false)`: one or two digits.
fn getnum(b: &[u8], i: usize) -> Option<(u32, usize)> {
    if i >= b.len() || !b[i].is_ascii_digit() {
        return None;
    }
    if i + 1 < b.len() && b[i + 1].is_ascii_digit() {
        Some((
            u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0'),
            i + 2,
        ))
    } else {
        Some((u32::from(b[i] - b'0'), i + 1))
    }
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) {
                29
            } else {
                28
            }
        }
    }
}

/// yaml.v2 `parseTimestamp`: does `s` parse with Go's `time.Parse` under one
/// of the layouts `2006-1-2T15:4:5.999999999Z07:00`,
/// `2006-1-2t15:4:5.999999999Z07:00`, `2006-1-2 15:4:5.999999999` or
/// `2006-1-2`? Only acceptance is needed: into `interface{}` or a string
/// yaml.v2 keeps the original text.
pub(crate) fn parse_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // Quick check from yaml.v2: exactly four leading digits then '-'.
    let i = digits(b, 0);
    if i != 4 || i == b.len() || b[i] != b'-' {
        return false;
    }
    let year: i64 = s[..4].parse().unwrap_or(0);
    let Some((month, i)) = getnum(b, 5) else {
        return false;
    };
    if !(1..=12).contains(&month) {
        return false;
    }
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    let Some((day, i)) = getnum(b, i + 1) else {
        return false;
    };
    if day < 1 || day > days_in(month, year) {
        return false;
    }
    if i == b.len() {
        return true; // "2006-1-2"
    }
    let sep = b[i];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return false;
    }
    let Some((hour, i)) = getnum(b, i + 1) else {
        return false;
    };
    if hour >= 24 || i >= b.len() || b[i] != b':' {
        return false;
    }
    let Some((min, i)) = getnum(b, i + 1) else {
        return false;
    };
    if min >= 60 || i >= b.len() || b[i] != b':' {
        return false;
    }
    let Some((sec, mut i)) = getnum(b, i + 1) else {
        return false;
    };
    if sec >= 60 {
        return false;
    }
    // Optional fractional seconds (".999999999" accepts any digit count).
    if i + 1 < b.len() && (b[i] == b'.' || b[i] == b',') && b[i + 1].is_ascii_digit() {
        i = digits(b, i + 1);
    }
    if sep == b' ' {
        return i == b.len();
    }
    // Z07:00
    if i < b.len() && b[i] == b'Z' {
        return i + 1 == b.len();
    }
    if b.len() - i != 6 || (b[i] != b'+' && b[i] != b'-') || b[i + 3] != b':' {
        return false;
    }
    let hh = &b[i + 1..i + 3];
    let mm = &b[i + 4..i + 6];
    if !hh.iter().chain(mm).all(u8::is_ascii_digit) {
        return false;
    }
    let hh = u32::from(hh[0] - b'0') * 10 + u32::from(hh[1] - b'0');
    let mm = u32::from(mm[0] - b'0') * 10 + u32::from(mm[1] - b'0');
    hh <= 24 && mm <= 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int_base0("0"), Some(0));
        assert_eq!(parse_int_base0("-0"), Some(0));
        assert_eq!(parse_int_base0("017"), Some(15));
        assert_eq!(parse_int_base0("08"), None);
        assert_eq!(parse_int_base0("0x"), None);
        assert_eq!(parse_int_base0("0o17"), Some(15));
        assert_eq!(parse_int_base0("-0b101"), Some(-5));
        assert_eq!(parse_int_base0("+0X1f"), Some(31));
        assert_eq!(parse_int_base0("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_int_base0("9223372036854775808"), None);
        assert_eq!(parse_int_base0("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int_base0("-9223372036854775809"), None);
        assert_eq!(parse_uint_base0("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_uint_base0("18446744073709551616"), None);
        assert_eq!(parse_uint_base0("+1"), None);
        assert_eq!(parse_int_base0("1_000"), Some(1000));
        assert_eq!(parse_int_base0("_1"), None);
        assert_eq!(parse_int_base2("-10"), Some(-2));
        assert_eq!(parse_int_base2("+10"), Some(2));
        assert_eq!(parse_int_base2("--10"), None);
        assert_eq!(parse_uint_base2("+1"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float_decimal(".5"), Some(0.5));
        assert_eq!(parse_float_decimal(".5_5"), Some(0.55));
        assert_eq!(parse_float_decimal("._5"), None);
        assert_eq!(parse_float_decimal(".5_"), None);
        assert_eq!(parse_float_decimal("."), None);
        assert_eq!(parse_float_decimal(".e3"), None);
        assert_eq!(parse_float_decimal("1e400"), None);
        assert_eq!(parse_float_decimal("1e-400"), Some(0.0));
        assert_eq!(parse_float_decimal("1."), Some(1.0));
        assert_eq!(parse_float_decimal("-"), None);
    }

    #[test]
    fn regexes() {
        for s in ["1e3", "1.", "08", "01.5", "1.5", ".5", "-1.5e+3"] {
            assert!(upstream_style_float(s), "{s}");
        }
        for s in ["1.5e", ".", "e3", "1e", "0x1p3", ""] {
            assert!(!upstream_style_float(s), "{s}");
        }
        for s in ["1.5", "0.5", "-.5", "1e+3", "1.5E-3", "", "+", "0"] {
            assert!(juju_style_float(s), "{s}");
        }
        for s in ["1e3", "1.", "08", "01.5", "00.5", "1.5e"] {
            assert!(!juju_style_float(s), "{s}");
        }
    }

    #[test]
    fn timestamps() {
        for s in [
            "2001-12-14",
            "2001-1-2",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14T21:59:43Z",
            "2001-12-14 21:59:43.10",
            "2000-02-29",
        ] {
            assert!(parse_timestamp(s), "{s}");
        }
        for s in [
            "2001-13-01",
            "2001-02-29",
            "2001-12-14 21:59:43.10 -5",
            "12001-01-01",
            "2001-01-01x",
        ] {
            assert!(!parse_timestamp(s), "{s}");
        }
    }
}
