//! From text to yaml.v2's node tree: runs libyaml-safer, bridges the
//! places where it and go-yaml's own libyaml port disagree, and builds the
//! node tree as go-yaml's `parser` (decode.go) does.

use std::collections::{HashMap, HashSet};

use libyaml_safer::{
    ErrorKind as LibErrorKind, Event, EventData, MappingStyle, Mark, Parser, ScalarStyle,
    SequenceStyle,
};

use crate::yaml11::error::{ErrorKind, Yaml11Error};

/// Deepest nesting accepted. go-yaml v2.4.0's scanner stops at 10000 flow
/// levels or 10000 indentation levels ("exceeded max depth of 10000"); we
/// apply one limit to the node depth. (The recursive decoding of documents
/// deeper than [`crate::yaml11::juju::SHALLOW`] runs on a thread with a large
/// stack.)
pub(crate) const MAX_DEPTH: usize = 10_000;

/// A source position, 0-based as in libyaml marks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: u64,
    pub(crate) column: u64,
}

impl From<Mark> for Pos {
    fn from(m: Mark) -> Self {
        Pos {
            line: m.line,
            column: m.column,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar,
    Mapping,
    Sequence,
    Alias,
}

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) pos: Pos,
    pub(crate) tag: String,
    /// Scalar text, or the anchor name of an alias.
    pub(crate) value: String,
    /// libyaml `plain_implicit`: plain style with no tag (or the `!` tag).
    pub(crate) implicit: bool,
    pub(crate) children: Vec<usize>,
    /// For aliases: the node the anchor named when the alias was read.
    pub(crate) alias: Option<usize>,
}

impl Node {
    /// go-yaml's `parser.sequence()`/`mapping()` keep the anchor but not
    /// the tag of a collection: `!!str {a: 1}` is still a map.
    fn collection(kind: Kind, pos: Pos) -> Node {
        Node {
            kind,
            pos,
            tag: String::new(),
            value: String::new(),
            implicit: false,
            children: Vec::new(),
            alias: None,
        }
    }
}

/// The first document of a stream, as yaml.v2's `parser` builds it.
pub(crate) struct Doc {
    nodes: Vec<Node>,
    pub(crate) root: Option<usize>,
    /// `doc.anchors` after the whole document was read: the juju fork
    /// consults this (not `n.alias`) when validating merge values.
    pub(crate) anchors: HashMap<String, usize>,
    /// Deepest collection nesting seen.
    pub(crate) max_depth: usize,
}

/// The message Go's `(*parser).fail` builds from a libyaml error, and where
/// the error is, for an error met while parsing `text` (plus, when
/// `appended`, the line break [`collect_events`] added).
fn lib_error(err: &libyaml_safer::Error, text: &str, appended: bool) -> Yaml11Error {
    let problem = err.problem();
    let end = end_pos(text);
    let beyond = |m: Mark| m.index > text.len() as u64;
    let clamp = |m: Mark| -> Pos {
        if beyond(m) {
            end
        } else {
            m.into()
        }
    };
    match err.kind() {
        LibErrorKind::Scanner | LibErrorKind::Parser | LibErrorKind::Composer => {
            let raw_pm = err.problem_mark().unwrap_or_default();
            let pm = clamp(raw_pm);
            let cm = err.context_mark().map(clamp);
            // Where go-yaml, reading the text without our extra line break,
            // would have put the mark: at the end of the text when its
            // scanner runs off it, but on the next line, column 0, for a
            // parser error at the stream end (go-yaml's scanner forces a
            // new line there), which is where the extra break puts ours.
            let scanner = err.kind() == LibErrorKind::Scanner;
            let go_pm_line = if appended && beyond(raw_pm) && scanner {
                if problem == "could not find expected ':'" {
                    // go-yaml drops the stale simple key once its scanner
                    // leaves the key's line (or forces a new line at the
                    // end): the line after the key.
                    cm.map_or(end.line, |c| c.line + 1)
                } else {
                    end.line
                }
            } else {
                raw_pm.line
            };
            // go-yaml v2 parser.fail(): the line shown is the 0-based problem
            // line (+1 for scanner errors), else the context line, and none
            // at all when that is 0.
            let go_line = if go_pm_line != 0 {
                go_pm_line + u64::from(scanner)
            } else {
                cm.map_or(0, |m| m.line)
            };
            let mut message = problem.to_string();
            if let (Some(ctx), Some(cm)) = (err.context(), cm) {
                message.push_str(&format!(
                    " ({ctx} at line {}, column {})",
                    cm.line + 1,
                    cm.column + 1
                ));
            }
            Yaml11Error::new(ErrorKind::Syntax, pm, message, go_error(go_line, problem))
        }
        _ => {
            // Reader errors carry a byte offset but no mark; the only one a
            // &str can trigger is "control characters are not allowed".
            let pos = first_disallowed_char(text);
            Yaml11Error::new(
                ErrorKind::Syntax,
                pos,
                problem.to_string(),
                format!("yaml: {problem}"),
            )
        }
    }
}

fn go_error(go_line: u64, problem: &str) -> String {
    if go_line != 0 {
        format!("yaml: line {go_line}: {problem}")
    } else {
        format!("yaml: {problem}")
    }
}

/// The position just past the last character of `text`, counting line
/// breaks as libyaml does (CR LF, CR, LF, NEL, LS, PS).
fn end_pos(text: &str) -> Pos {
    let mut pos = Pos::default();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                pos.line += 1;
                pos.column = 0;
            }
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                pos.line += 1;
                pos.column = 0;
            }
            _ => pos.column += 1,
        }
    }
    pos
}

fn pos_of_byte(text: &str, idx: usize) -> Pos {
    end_pos(&text[..idx])
}

/// Position of the first character libyaml's reader refuses.
fn first_disallowed_char(text: &str) -> Pos {
    for (i, c) in text.char_indices() {
        let v = c as u32;
        let ok = matches!(v, 0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
        if !ok {
            return pos_of_byte(text, i);
        }
    }
    end_pos(text)
}

/// go-yaml checks `%YAML` directives as it meets them: the first one must
/// say 1.1 ("found incompatible YAML document"), a second one is a
/// duplicate. libyaml 0.2.5 also takes 1.2 and looks for `---` first, so
/// the leading directives are checked here.
fn leading_version_error(text: &str) -> Option<Yaml11Error> {
    let mut seen = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        let t = trimmed.trim_start_matches([' ', '\t']);
        if t.is_empty() || t.starts_with('#') {
            offset += line.len();
            continue;
        }
        let directive = trimmed.strip_prefix('%')?;
        let name = directive.split([' ', '\t']).next().unwrap_or("");
        if name.is_empty()
            || !name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        {
            return None; // a scanner error comes first; libyaml reports it
        }
        if let Some(rest) = trimmed.strip_prefix("%YAML") {
            if !rest.starts_with([' ', '\t']) {
                return None;
            }
            let pos = pos_of_byte(text, offset);
            let problem = if seen {
                "found duplicate %YAML directive"
            } else {
                let v = rest.trim_start_matches([' ', '\t']);
                let (v, tail) = v.split_once([' ', '\t']).unwrap_or((v, ""));
                let tail = tail.trim_start_matches([' ', '\t']);
                if !(tail.is_empty() || tail.starts_with('#')) {
                    return None; // a scanner error; libyaml reports it
                }
                if v == "1.1" {
                    seen = true;
                    offset += line.len();
                    continue;
                }
                let (maj, min) = v.split_once('.')?;
                if !maj.bytes().all(|b| b.is_ascii_digit())
                    || !min.bytes().all(|b| b.is_ascii_digit())
                    || maj.is_empty()
                    || min.is_empty()
                {
                    return None; // a scanner error; libyaml reports it
                }
                "found incompatible YAML document"
            };
            return Some(Yaml11Error::new(
                ErrorKind::Syntax,
                pos,
                problem.to_string(),
                go_error(pos.line, problem),
            ));
        }
        offset += line.len();
    }
    None
}

/// go-yaml's tag scanner takes `,`, `[` and `]` as URI characters
/// (`!!str,` is one tag); libyaml 0.2.5 ends the tag before them, and
/// libyaml-safer 0.3.0 panics ("TODO: What is expected here?") on a tag
/// followed by `,` inside a flow collection. Find such a tag so that the
/// parser is never called on it: outside quotes and comments, inside what
/// looks like a flow collection, a `!` that starts a node and runs into a
/// `,`. (Missed cases still end as [`ErrorKind::Unsupported`] through the
/// panic guard; in block context libyaml-safer reports a syntax error
/// where go-yaml accepts the tag.)
fn tag_comma_trigger(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let token_start =
        |i: usize| i == 0 || blank(b[i - 1]) || matches!(b[i - 1], b'[' | b'{' | b',' | b':');
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'#' if i == 0 || blank(b[i - 1]) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' if token_start(i) => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'\'' if token_start(i) => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\'' {
                        if i + 1 < b.len() && b[i + 1] == b'\'' {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'[' | b'{' if token_start(i) => {
                depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'!' if token_start(i) && after_indicator(b, i) => {
                let start = i;
                i += 1;
                if i < b.len() && b[i] == b'<' {
                    while i < b.len() && b[i] != b'>' && !blank(b[i]) {
                        i += 1;
                    }
                    continue;
                }
                while i < b.len()
                    && !blank(b[i])
                    && !matches!(b[i], b',' | b'[' | b']' | b'{' | b'}')
                {
                    i += 1;
                }
                if depth > 0 && i < b.len() && b[i] == b',' {
                    return Some(start);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Is the last non-blank byte before `i` an indicator after which a node
/// (and so a tag) may start, rather than part of a plain scalar?
fn after_indicator(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    j == 0
        || matches!(
            b[j - 1],
            b'\n' | b'\r' | b'[' | b'{' | b',' | b':' | b'-' | b'?'
        )
}

/// A libyaml error, the events produced before it, and whether the first
/// DOCUMENT-START was among them.
type Failure = (libyaml_safer::Error, Vec<Event>, bool);

/// One run of libyaml-safer over `src` up to the end of its first
/// document. `Ok(Err(..))` is a libyaml error; `Err(())` a panic inside
/// the parser.
fn run_parser(src: &str) -> Result<Result<Vec<Event>, Failure>, ()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut input = src.as_bytes();
        let mut parser = Parser::new();
        parser.set_input_string(&mut input);
        let mut events = Vec::new();
        let mut in_document = false;
        loop {
            let ev = match parser.parse() {
                Ok(ev) => ev,
                Err(e) => return Err((e, events, in_document)),
            };
            let stop = match &ev.data {
                EventData::DocumentStart { .. } => {
                    in_document = true;
                    false
                }
                EventData::DocumentEnd { .. } | EventData::StreamEnd => true,
                _ => false,
            };
            events.push(ev);
            if stop {
                return Ok(events);
            }
        }
    }))
    .map_err(|_| ())
}

fn byte_index(m: Mark) -> usize {
    usize::try_from(m.index).unwrap_or(usize::MAX)
}

/// go-yaml's verdict on a `\/` escape (unknown to it, known to libyaml
/// 0.2.5) inside a double-quoted scalar whose source is `text[start..end]`.
fn slash_escape(text: &str, start: usize, end: usize) -> Option<Yaml11Error> {
    let b = text.as_bytes();
    let mut i = start + 1;
    while i + 1 < end.min(b.len()) {
        if b[i] == b'\\' {
            if b[i + 1] == b'/' {
                let p = "found unknown escape character";
                let pos = pos_of_byte(text, i);
                let go_line = if pos.line != 0 { pos.line + 1 } else { 0 };
                let ctx = pos_of_byte(text, start);
                return Some(Yaml11Error::new(
                    ErrorKind::Syntax,
                    pos,
                    format!(
                        "{p} (while parsing a quoted scalar at line {}, column {}; yaml.v2 has no \\/ escape)",
                        ctx.line + 1,
                        ctx.column + 1
                    ),
                    go_error(go_line, p),
                ));
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

/// go-yaml ends a plain scalar in a flow collection at `?` (libyaml 0.2.5
/// does not), and its parser then fails on the stray `?` key indicator.
fn flow_question_mark(
    text: &str,
    start: usize,
    end: usize,
    in_sequence: bool,
    collection_start: Pos,
) -> Option<Yaml11Error> {
    let rel = text.get(start..end)?.find('?')?;
    let pos = pos_of_byte(text, start + rel);
    let p = if in_sequence {
        "did not find expected ',' or ']'"
    } else {
        "did not find expected ',' or '}'"
    };
    let go_line = if pos.line != 0 {
        pos.line
    } else {
        collection_start.line
    };
    Some(Yaml11Error::new(
        ErrorKind::Syntax,
        pos,
        format!(
            "{p} (yaml.v2 ends a plain scalar inside [...] or {{...}} at '?'; quote the value)"
        ),
        go_error(go_line, p),
    ))
}

/// Runs libyaml-safer over `text` up to the end of the first document and
/// returns its events, bridging the differences between libyaml-safer
/// (a port of libyaml 0.2.5) and go-yaml's scanner (a port of libyaml
/// 0.1.x with its own changes) that the differential corpus showed:
///
/// * libyaml proper pads its buffer with NULs; libyaml-safer 0.3.0 instead
///   panics ("unexpected end of input") when a block scalar, among others,
///   ends the input without a line break. So a text that does not end in a
///   line break is parsed with one appended, and the effects are undone:
///   the block scalar that ran to the end loses the one `\n` the extra
///   break added (unless its chomping is `-`), error marks in the extra
///   character move back. On every corpus input, appending a break changes
///   nothing else in yaml.v2's results.
/// * `\'` in a double-quoted scalar is `'` for go-yaml, an error for
///   libyaml 0.2.5: rewritten to `'` and parsed again.
/// * `\/` is an error for go-yaml ("found unknown escape character").
/// * In a flow collection go-yaml lets a plain scalar run on through `:`
///   followed by `,`, `?`, `[`, `]`, `{` or `}` (libyaml 0.2.5: "found
///   unexpected ':'"): that scalar, which then always ends in `:` and so is
///   a string, is rewritten single-quoted and parsed again.
/// * In a flow collection go-yaml ends a plain scalar at `?` and then
///   fails; libyaml 0.2.5 keeps the `?`.
///
/// Rewrites shift columns after them on the same line in later error
/// positions.
fn collect_events(text: &str) -> Result<Vec<Event>, Yaml11Error> {
    if let Some(at) = tag_comma_trigger(text) {
        let m = "a tag directly followed by ',' inside [...] or {...} is not supported (yaml.v2 reads the ',' as part of the tag; the libyaml port used here cannot); put a space after the tag";
        return Err(Yaml11Error::new(
            ErrorKind::Unsupported,
            pos_of_byte(text, at),
            m.to_string(),
            String::new(),
        ));
    }
    // go-yaml checks the first document's %YAML directive before anything
    // after it is scanned.
    if let Some(e) = leading_version_error(text) {
        return Err(e);
    }
    let mut src = text.to_string();
    let mut rewrites = 0usize;
    let events = loop {
        let appended = !src.is_empty() && !src.ends_with(['\n', '\r']);
        let run = if appended {
            run_parser(&format!("{src}\n"))
        } else {
            run_parser(&src)
        };
        let Ok(run) = run else {
            let m = "the YAML parser (libyaml-safer) failed on this input";
            return Err(Yaml11Error::new(
                ErrorKind::Unsupported,
                Pos::default(),
                m.to_string(),
                String::new(),
            ));
        };
        let (e, before, in_document) = match run {
            Ok(mut events) => {
                if appended {
                    undo_appended_break(&src, &mut events);
                }
                break events;
            }
            Err(failure) => failure,
        };
        // A go-yaml-only error before the point where libyaml failed
        // comes first.
        go_only_errors(&src, &before)?;
        rewrites += 1;
        let pm = e.problem_mark().map(byte_index);
        let cm = e.context_mark().map(byte_index);
        if rewrites <= text.len() {
            match (e.problem(), e.context(), pm, cm) {
                ("found unknown escape character", _, Some(at), _)
                    if src.get(at..).is_some_and(|r| r.starts_with("\\'")) =>
                {
                    src.replace_range(at..at + 2, "'");
                    continue;
                }
                (
                    "found unexpected ':'",
                    Some("while scanning a plain scalar"),
                    Some(at),
                    Some(start),
                ) if start < at && src.is_char_boundary(start) && at < src.len() => {
                    let scalar = &src[start..=at];
                    let quoted = format!("'{}'", scalar.replace('\'', "''"));
                    src.replace_range(start..=at, &quoted);
                    continue;
                }
                _ => {}
            }
        }
        if !in_document {
            if let Some(v) = leading_version_error(&src) {
                return Err(v);
            }
        }
        // A backslash ending an unterminated "..." at the very end:
        // go-yaml sees NUL after it ("found unknown escape character"),
        // we saw the appended line break (an escaped line break).
        let in_double_quotes = e
            .context_mark()
            .and_then(|m| src.as_bytes().get(byte_index(m)))
            == Some(&b'"');
        if appended && e.problem() == "found unexpected end of stream" && in_double_quotes {
            let trailing = src.bytes().rev().take_while(|&c| c == b'\\').count();
            if trailing % 2 == 1 {
                let p = "found unknown escape character";
                let pos = pos_of_byte(&src, src.len() - 1);
                let go_line = if pos.line != 0 { pos.line + 1 } else { 0 };
                return Err(Yaml11Error::new(
                    ErrorKind::Syntax,
                    pos,
                    p.to_string(),
                    go_error(go_line, p),
                ));
            }
        }
        return Err(lib_error(&e, &src, appended));
    };
    go_only_errors(&src, &events)?;
    Ok(events)
}

/// Errors go-yaml raises, in event order, within events libyaml-safer
/// produced: a `\\/` escape, a `?` in a flow plain scalar, and an alias
/// of an unknown anchor (go-yaml's parser fails on it at once, so it beats
/// any later libyaml error).
fn go_only_errors(src: &str, events: &[Event]) -> Result<(), Yaml11Error> {
    // (flow style, is a sequence, start) of each open collection; the
    // implicit one-pair mapping in `[a: b]` counts as its sequence.
    let mut open: Vec<(bool, bool, Pos)> = Vec::new();
    let mut anchors: HashSet<&str> = HashSet::new();
    for ev in events {
        match &ev.data {
            EventData::SequenceStart { style, anchor, .. } => {
                open.push((*style == SequenceStyle::Flow, true, ev.start_mark.into()));
                anchors.extend(anchor.as_deref());
            }
            EventData::MappingStart { style, anchor, .. } => {
                let flow = *style == MappingStyle::Flow;
                let explicit = src.as_bytes().get(byte_index(ev.start_mark)) == Some(&b'{');
                let pair = flow && !explicit && open.last().is_some_and(|o| o.0 && o.1);
                let entry = if pair {
                    *open.last().expect("checked")
                } else {
                    (flow, false, ev.start_mark.into())
                };
                open.push(entry);
                anchors.extend(anchor.as_deref());
            }
            EventData::SequenceEnd | EventData::MappingEnd => {
                open.pop();
            }
            EventData::Alias { anchor } if !anchors.contains(anchor.as_str()) => {
                let m = format!("unknown anchor '{anchor}' referenced");
                return Err(Yaml11Error::new(
                    ErrorKind::Anchor,
                    ev.start_mark.into(),
                    m.clone(),
                    format!("yaml: {m}"),
                ));
            }
            EventData::Scalar { style, anchor, .. } => {
                anchors.extend(anchor.as_deref());
                let (start, end) = (byte_index(ev.start_mark), byte_index(ev.end_mark));
                if *style == ScalarStyle::DoubleQuoted {
                    if let Some(err) = slash_escape(src, start, end) {
                        return Err(err);
                    }
                }
                if *style == ScalarStyle::Plain {
                    if let Some(&(true, seq, cstart)) = open.last() {
                        if let Some(err) = flow_question_mark(src, start, end, seq, cstart) {
                            return Err(err);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The last block scalar among `events` that runs to the end of a text of
/// `len` bytes.
fn block_scalar_at_end(events: &mut [Event], len: u64) -> Option<&mut Event> {
    events.iter_mut().rev().find(|ev| {
        matches!(
            ev.data,
            EventData::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        ) && ev.end_mark.index >= len
    })
}

/// See [`collect_events`]: undo what the line break we appended did to the
/// block scalar that ran into it. Without a final break go-yaml takes the
/// unterminated last line as it is: when it has content, the extra break
/// added one `\n` (kept by clip and keep chomping). A last line of blanks
/// may or may not be content (that depends on the block's indentation), so
/// then the text without that line is parsed too: if the blanks were not
/// content, go-yaml's value is that parse's value.
fn undo_appended_break(text: &str, events: &mut [Event]) {
    let len = text.len() as u64;
    let last_start = text.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let last_line = &text[last_start..];
    let Some(ev) = block_scalar_at_end(events, len + 1) else {
        return;
    };
    let header = text.get(byte_index(ev.start_mark)..).unwrap_or("");
    let strip = header.bytes().skip(1).take(2).any(|c| c == b'-');
    let EventData::Scalar { value, .. } = &mut ev.data else {
        return;
    };
    let blank_last = last_line.bytes().all(|c| c == b' ' || c == b'\t');
    if blank_last && last_start > 0 {
        let shorter = &text[..last_start];
        if let Ok(Ok(mut other)) = run_parser(shorter) {
            if let Some(EventData::Scalar { value: v2, .. }) =
                block_scalar_at_end(&mut other, shorter.len() as u64).map(|e| &e.data)
            {
                if *value == *v2 || *value == format!("{v2}\n") {
                    *value = v2.clone();
                    return;
                }
            }
        }
    }
    if !strip && value.ends_with('\n') {
        value.pop();
    }
}

impl Doc {
    /// yaml.v2 `newParser` + `parse()`: reads the stream up to the end of its
    /// first document. Later documents are never looked at, so even their
    /// syntax errors go unnoticed, as in `yaml.Unmarshal`.
    pub(crate) fn parse(text: &str) -> Result<Doc, Yaml11Error> {
        let events = collect_events(text)?;
        let mut events = events.into_iter();
        let mut next = || {
            events
                .next()
                .expect("events end with DOCUMENT-END or STREAM-END")
        };

        let mut doc = Doc {
            nodes: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            max_depth: 0,
        };
        let _stream_start = next();
        let ev = next();
        match ev.data {
            EventData::StreamEnd => return Ok(doc), // empty input
            EventData::DocumentStart {
                version_directive, ..
            } => {
                if let Some(v) = version_directive {
                    if v.major != 1 || v.minor != 1 {
                        if let Some(e) = leading_version_error(text) {
                            return Err(e);
                        }
                    }
                }
            }
            _ => unreachable!("libyaml emits DOCUMENT-START or STREAM-END here"),
        }

        // Iterative tree building (no recursion on nesting depth).
        let mut stack: Vec<usize> = Vec::new();
        loop {
            let ev = next();
            let pos: Pos = ev.start_mark.into();
            let (node, anchor, opens) = match ev.data {
                EventData::Scalar {
                    anchor,
                    tag,
                    value,
                    plain_implicit,
                    ..
                } => (
                    Node {
                        kind: Kind::Scalar,
                        pos,
                        tag: tag.unwrap_or_default(),
                        value,
                        implicit: plain_implicit,
                        children: Vec::new(),
                        alias: None,
                    },
                    anchor,
                    false,
                ),
                EventData::Alias { anchor } => {
                    let Some(&target) = doc.anchors.get(&anchor) else {
                        let m = format!("unknown anchor '{anchor}' referenced");
                        return Err(Yaml11Error::new(
                            ErrorKind::Anchor,
                            pos,
                            m.clone(),
                            format!("yaml: {m}"),
                        ));
                    };
                    (
                        Node {
                            kind: Kind::Alias,
                            pos,
                            tag: String::new(),
                            value: anchor,
                            implicit: false,
                            children: Vec::new(),
                            alias: Some(target),
                        },
                        None,
                        false,
                    )
                }
                EventData::SequenceStart { anchor, .. } => {
                    (Node::collection(Kind::Sequence, pos), anchor, true)
                }
                EventData::MappingStart { anchor, .. } => {
                    (Node::collection(Kind::Mapping, pos), anchor, true)
                }
                EventData::SequenceEnd | EventData::MappingEnd => {
                    stack.pop();
                    if stack.is_empty() {
                        break;
                    }
                    continue;
                }
                other => unreachable!("unexpected event inside a document: {other:?}"),
            };
            let id = doc.nodes.len();
            doc.nodes.push(node);
            if let Some(a) = anchor {
                // Registered before the children are read, as p.anchor()
                // does, so a collection may alias itself (caught later as
                // "anchor 'a' value contains itself").
                doc.anchors.insert(a, id);
            }
            match stack.last() {
                Some(&parent) => doc.nodes[parent].children.push(id),
                None => doc.root = Some(id),
            }
            if opens {
                stack.push(id);
                doc.max_depth = doc.max_depth.max(stack.len());
                if stack.len() > MAX_DEPTH {
                    let m = format!("exceeded max depth of {MAX_DEPTH}");
                    return Err(Yaml11Error::new(
                        ErrorKind::Syntax,
                        pos,
                        m.clone(),
                        format!("yaml: {m}"),
                    ));
                }
            } else if stack.is_empty() {
                break;
            }
        }
        Ok(doc)
    }

    pub(crate) fn node(&self, id: usize) -> &Node {
        &self.nodes[id]
    }
}
