//! Guest text on the operator's terminal: shown, never obeyed.
//!
//! A charm's log lines, failure messages and results are the guest's words,
//! and a terminal treats some characters as commands: escape sequences set
//! the window title, clear the screen, move the cursor; C1 controls do the
//! same on terminals that honour them; bidirectional overrides reorder
//! what is displayed. Wherever charmbox writes guest text to a terminal it
//! writes those characters escaped, in Rust's notation (`\u{1b}`), so the
//! line reads as what the guest sent and does nothing.

use std::borrow::Cow;
use std::io;

/// Whether a terminal could take `c` as a command: C0 controls but tab, DEL,
/// C1 controls, and the bidirectional embeddings, overrides and isolates.
fn is_command(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character a terminal could obey escaped; borrowed when
/// there is none (nearly always).
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_command) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_command(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A JSON formatter that also writes C1 controls, DEL and bidirectional
/// controls as `\uXXXX` escapes (JSON escapes only C0 controls itself): the
/// same string to a JSON reader, nothing to obey for a terminal.
pub struct TerminalSafe<F>(pub F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for TerminalSafe<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(is_command) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().expect("found at a char boundary");
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    // Everything else as the inner formatter writes it.
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(
            escape_controls("plain ünïcode\ttab"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("\u{1b}]0;pwned\u{7}\u{1b}[2J red"),
            "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J red"
        );
        assert_eq!(
            escape_controls("c1 \u{9b}31m bidi \u{202e}x\u{2069} a\nb\rc\u{7f}"),
            "c1 \\u{9b}31m bidi \\u{202e}x\\u{2069} a\\nb\\rc\\u{7f}"
        );
    }

    #[test]
    fn json_stays_json_with_nothing_to_obey() {
        let value = serde_json::json!({"log": "a\u{1b}[2J \u{9b}31m \u{202e}x é"});
        let mut out = Vec::new();
        let formatter = TerminalSafe(serde_json::ser::PrettyFormatter::new());
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        serde::Serialize::serialize(&value, &mut serializer).unwrap();
        let text = String::from_utf8(out).unwrap();
        // Only the pretty layout's own newlines are left.
        assert!(
            !text.chars().any(|c| c != '\n' && is_command(c)),
            "{text:?}"
        );
        assert!(
            text.contains("\\u009b31m") && text.contains("\\u202ex é"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
