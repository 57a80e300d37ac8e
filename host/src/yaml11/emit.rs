//! Writing YAML as Juju writes it: gopkg.in/yaml.v2's `Marshal` of a JSON
//! value (the fork Juju builds with), for `juju run`'s `plain` and `yaml`
//! output.
//!
//! What matters to a reader: map keys sorted as yaml.v2 sorts them
//! (numbers within keys by value); a string that YAML 1.1 would read as
//! something else (`yes`, `13`, `1_000`, `2001-12-14`, `~`, `1:30`) written
//! double-quoted so it reads back as a string; a string with a line break
//! as a literal block (`|`, `|-`, `|+`); a plain string folded at a space
//! past column 80; others quoted only where plain text would not parse
//! back (single quotes, or double quotes with escapes for what cannot be
//! printed). Sequences in a mapping are not indented (`key:\n- item`), as
//! yaml.v2 writes them.
//!
//! The emitter is libyaml's (emitterc.go in yaml.v2), for block style only:
//! indentation 2, width 80, Unicode printed as it is.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::resolve::{resolve_untagged, Resolved};
use super::Dialect;

/// `value` as yaml.v2 marshals it, ending with a line break.
///
/// ```
/// use charmbox::yaml11;
/// use serde_json::json;
///
/// let text = yaml11::to_yaml(&json!({"length": "13", "ok": "yes", "text": "Bonjour, Ada!"}));
/// assert_eq!(text, "length: \"13\"\nok: \"yes\"\ntext: Bonjour, Ada!\n");
/// ```
pub fn to_yaml(value: &Value) -> String {
    let mut emitter = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        indent: -1,
        indents: Vec::new(),
    };
    emitter.node(value, Context::default());
    // The document's implicit end.
    emitter.write_indent();
    emitter.out
}

/// Lines longer than this are folded at a space.
const BEST_WIDTH: usize = 80;
/// Indentation per level.
const BEST_INDENT: i32 = 2;

/// Where a node is written.
#[derive(Debug, Clone, Copy, Default)]
struct Context {
    /// As a block mapping's value.
    mapping: bool,
    /// As a mapping's simple key (`key:` on one line).
    simple_key: bool,
}

struct Emitter {
    out: String,
    column: usize,
    /// The last thing written was whitespace (or nothing).
    whitespace: bool,
    /// The last things written were indentation.
    indention: bool,
    indent: i32,
    indents: Vec<i32>,
}

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, value: &Value, context: Context) {
        match value {
            Value::Null => self.scalar("null", Style::Plain, context),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, context),
            Value::Number(n) => {
                let text = match (n.as_i64(), n.as_u64(), n.as_f64()) {
                    (Some(i), _, _) => i.to_string(),
                    (None, Some(u), _) => u.to_string(),
                    (None, None, Some(f)) => go_float(f),
                    _ => n.to_string(),
                };
                self.scalar(&text, Style::Plain, context)
            }
            Value::String(text) => self.scalar(text, string_style(text), context),
            Value::Array(items) if items.is_empty() => {
                self.write_indicator("[]", true, false, false)
            }
            Value::Object(map) if map.is_empty() => self.write_indicator("{}", true, false, false),
            Value::Array(items) => self.block_sequence(items, context),
            Value::Object(map) => self.block_mapping(map),
        }
    }

    fn block_sequence(&mut self, items: &[Value], context: Context) {
        let indentless = context.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::default());
        }
        self.pop_indent();
    }

    fn block_mapping(&mut self, map: &Map<String, Value>) {
        self.increase_indent(false, false);
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort_by(|a, b| key_order(a, b));
        for key in keys {
            self.write_indent();
            let simple = !key.chars().any(is_break) && key.len() <= 128;
            if simple {
                self.scalar(
                    key,
                    string_style(key),
                    Context {
                        mapping: true,
                        simple_key: true,
                    },
                );
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.scalar(
                    key,
                    string_style(key),
                    Context {
                        mapping: true,
                        simple_key: false,
                    },
                );
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(
                &map[key],
                Context {
                    mapping: true,
                    simple_key: false,
                },
            );
        }
        self.pop_indent();
    }

    fn scalar(&mut self, text: &str, requested: Style, context: Context) {
        let analysis = Analysis::of(text);
        let mut style = requested;
        if context.simple_key && analysis.multiline {
            style = Style::Double;
        }
        if style == Style::Plain
            && (!analysis.block_plain_allowed || (text.is_empty() && context.simple_key))
        {
            style = Style::Single;
        }
        if style == Style::Single && !analysis.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!analysis.block_allowed || context.simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !context.simple_key;
        match style {
            Style::Plain => self.plain(text, allow_breaks),
            Style::Single => self.single_quoted(text, allow_breaks),
            Style::Double => self.double_quoted(text, allow_breaks),
            Style::Literal => self.literal(text),
        }
        self.pop_indent();
    }

    fn plain(&mut self, text: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn single_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = i > 0 && i + 1 < chars.len() && chars[i + 1] != ' ';
                if allow_breaks && !spaces && self.column > BEST_WIDTH && inner {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn double_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let escape = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match escape {
                    Some(e) => self.put(e),
                    None => {
                        let code = u32::from(c);
                        let (prefix, digits) = match code {
                            0..=0xFF => ('x', 2),
                            0x100..=0xFFFF => ('u', 4),
                            _ => ('U', 8),
                        };
                        self.put(prefix);
                        for digit in format!("{code:0digits$X}").chars() {
                            self.put(digit);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                {
                    self.write_indent();
                    if chars[i + 1] == ' ' {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn literal(&mut self, text: &str) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// The style yaml.v2 asks for a string: a literal block when it has a
/// line break; plain when YAML 1.1 reads it back as this string (and it is
/// not a base-60 float); else double-quoted.
fn string_style(text: &str) -> Style {
    if text.contains('\n') {
        return Style::Literal;
    }
    let reads_back = matches!(resolve_untagged(text, Dialect::Juju), Resolved::Str(_));
    if reads_back && !is_base60_float(text) {
        Style::Plain
    } else {
        Style::Double
    }
}

/// YAML 1.1's base-60 floats (`1:30`, `-1:30.5`), which yaml.v2 quotes for
/// other parsers' sake: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = match body.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (body, None),
    };
    if fraction.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_digit() || b == b'_')) {
        return false;
    }
    let mut parts = whole.split(':');
    let head = parts.next().unwrap_or_default();
    let head_ok = head.starts_with(|c: char| c.is_ascii_digit())
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let rest: Vec<&str> = parts.collect();
    head_ok
        && !rest.is_empty()
        && rest.iter().all(|part| match part.as_bytes() {
            [d] => d.is_ascii_digit(),
            [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
            _ => false,
        })
}

/// What libyaml's emitter finds about a scalar's text.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Analysis {
    fn of(text: &str) -> Self {
        if text.is_empty() {
            return Self {
                multiline: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let chars: Vec<char> = text.chars().collect();
        let mut block_indicators = text.starts_with("---") || text.starts_with("...");
        let (mut line_breaks, mut special) = (false, false);
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;
        for (i, &c) in chars.iter().enumerate() {
            let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| n == ' ' || n == '\t');
            if i == 0 {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => block_indicators = true,
                    '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                    _ => {}
                }
            } else {
                match c {
                    ':' if followed_by_whitespace => block_indicators = true,
                    '#' if preceded_by_whitespace => block_indicators = true,
                    _ => {}
                }
            }
            if !is_printable(c) {
                special = true;
            }
            let last = i + 1 == chars.len();
            if c == ' ' {
                leading_space |= i == 0;
                trailing_space |= last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(c) {
                line_breaks = true;
                leading_break |= i == 0;
                trailing_break |= last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = c == ' ' || c == '\t' || is_break(c);
        }
        let mut analysis = Self {
            multiline: line_breaks,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            analysis.block_plain_allowed = false;
        }
        if trailing_space {
            analysis.block_allowed = false;
        }
        if break_space {
            analysis.block_plain_allowed = false;
            analysis.single_quoted_allowed = false;
        }
        if space_break || special {
            analysis.block_plain_allowed = false;
            analysis.single_quoted_allowed = false;
            analysis.block_allowed = false;
        }
        if line_breaks || block_indicators {
            analysis.block_plain_allowed = false;
        }
        analysis
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's printable characters.
fn is_printable(c: char) -> bool {
    matches!(u32::from(c),
        0x0A | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
        && c != '\u{FEFF}'
}

/// yaml.v2's order of string map keys (`keyList.Less`): at the first
/// difference, two letters compare as characters, a non-letter comes
/// before a letter, and otherwise the runs of digits starting there
/// compare as numbers (none is 0, so `_x` comes before `1`).
pub fn key_order(a: &str, b: &str) -> Ordering {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    for i in 0..a.len().min(b.len()) {
        if a[i] == b[i] {
            continue;
        }
        let (al, bl) = (a[i].is_alphabetic(), b[i].is_alphabetic());
        if al && bl {
            return a[i].cmp(&b[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if a[i] == '0' || b[i] == '0' {
            let mut j = i;
            while j > 0 && a[j - 1].is_ascii_digit() {
                j -= 1;
                if a[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let digits = |s: &[char], n: &mut i64| {
            let mut k = i;
            while k < s.len() && s[k].is_ascii_digit() {
                *n = n
                    .wrapping_mul(10)
                    .wrapping_add(i64::from(s[k] as u8 - b'0'));
                k += 1;
            }
            k
        };
        let ai = digits(&a, &mut an);
        let bi = digits(&b, &mut bn);
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return a[i].cmp(&b[i]);
    }
    a.len().cmp(&b.len())
}

/// A float as Go's `strconv.FormatFloat(f, 'g', -1, 64)` writes it, with
/// YAML's names for the infinities and NaN.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest digits that read back, as Go's does.
    let shortest = format!("{:e}", f.abs());
    let (mantissa, exponent) = shortest.split_once('e').expect("{:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("{:e} exponent is a number");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    // Go: %e when the exponent is below -4 or at least 6 (the precision
    // `g` uses for the shortest form).
    if !(-4..6).contains(&exponent) {
        // %e: d.ddde±XX, at least two exponent digits.
        let (first, rest) = digits.split_at(1);
        let point = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{point}e{exp_sign}{:02}", exponent.abs());
    }
    // %f with as many digits as needed.
    let point = exponent + 1;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if (point as usize) >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{whole}.{fraction}")
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_yaml_1_1_reads_otherwise_are_double_quoted() {
        let text = to_yaml(&json!({
            "a": "yes", "b": "13", "c": "1_000", "d": "2001-12-14", "e": "~", "f": "",
            "g": "1:30", "h": "hello world", "i": "0x1F", "j": "true", "k": "1e3"
        }));
        assert_eq!(
            text,
            "a: \"yes\"\nb: \"13\"\nc: \"1_000\"\nd: \"2001-12-14\"\ne: \"~\"\nf: \"\"\n\
             g: \"1:30\"\nh: hello world\ni: \"0x1F\"\nj: \"true\"\nk: 1e3\n"
        );
    }

    #[test]
    fn what_would_not_parse_plain_is_quoted_and_breaks_are_blocks() {
        let text = to_yaml(&json!({
            "colon": "a: b", "dash": "- x", "hash": "# x", "lead": " x", "tab": "a\tb",
            "quote": "it's", "block": "one\ntwo\n", "stripped": "one\ntwo", "kept": "one\n\n"
        }));
        assert_eq!(
            text,
            "block: |\n  one\n  two\ncolon: 'a: b'\ndash: '- x'\nhash: '# x'\nkept: |+\n  one\n\n\
             lead: ' x'\nquote: it's\nstripped: |-\n  one\n  two\ntab: \"a\\tb\"\n"
        );
    }

    #[test]
    fn nesting_sequences_and_empty_collections_as_yaml_v2_writes_them() {
        let text = to_yaml(&json!({
            "list": ["a", {"k": 1, "j": [true, null]}, []],
            "map": {"inner": {"x": 1.5, "y": 1e6}, "none": {}},
        }));
        // The key `y` is quoted: YAML 1.1 reads a plain `y` as `true`.
        assert_eq!(
            text,
            "list:\n- a\n- j:\n  - true\n  - null\n  k: 1\n- []\nmap:\n  inner:\n    x: 1.5\n    \
             \"y\": 1e+06\n  none: {}\n"
        );
        assert_eq!(to_yaml(&json!({})), "{}\n");
    }

    #[test]
    fn long_plain_strings_fold_past_column_80() {
        let words = "word ".repeat(30);
        let text = to_yaml(&json!({ "message": words.trim_end() }));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() > 1, "{text}");
        assert!(lines[1].starts_with("  word"), "{text}");
        assert!(lines[0].len() <= 86, "{text}");
    }

    #[test]
    fn keys_sort_as_yaml_v2_sorts_them() {
        let mut keys = vec!["b", "a10", "a2", "A", "_x", "1", "a"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, ["_x", "1", "A", "a", "a2", "a10", "b"]);
    }

    #[test]
    fn floats_are_written_as_go_writes_them() {
        for (f, text) in [
            (1.5, "1.5"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (f64::INFINITY, ".inf"),
        ] {
            assert_eq!(go_float(f), text, "{f}");
        }
    }
}
