//! Port of yaml.v2 `decode.go`'s decoder for the three Go targets Juju
//! uses: `interface{}`, `map[string]interface{}` (`juju run --params`) and
//! `map[string]map[string]interface{}` (actions.yaml).

use std::collections::HashSet;

use crate::yaml11::error::{ErrorKind, Yaml11Error};
use crate::yaml11::parse::{Doc, Kind, Pos, MAX_DEPTH};
use crate::yaml11::resolve::{
    resolve_tagged, short_tag, Resolved, BINARY_TAG, MAP_TAG, MERGE_TAG, SEQ_TAG, STR_TAG,
};
use crate::yaml11::Dialect;

/// A decoded Go value. Floats and map keys carry the position of their
/// node so that Juju's later failures (non-string keys, NaN/Inf in JSON)
/// can point at the source.
#[derive(Debug, Clone)]
pub(crate) enum GoValue {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64, Pos),
    Str(String),
    Seq(Vec<GoValue>),
    /// `map[interface{}]interface{}`: what yaml.v2 makes of a mapping
    /// decoded into `interface{}`.
    IMap(Vec<(GoValue, GoValue, Pos)>),
    /// `map[string]interface{}` (or `map[string]map[...]`): a Go-typed
    /// target. `None` is a nil map.
    SMap(Option<Vec<(String, GoValue)>>),
}

impl GoValue {
    /// Go `==` on interface values holding comparable dynamic types.
    fn key_eq(&self, other: &GoValue) -> bool {
        match (self, other) {
            (GoValue::Nil, GoValue::Nil) => true,
            (GoValue::Bool(a), GoValue::Bool(b)) => a == b,
            (GoValue::Int(a), GoValue::Int(b)) => a == b,
            (GoValue::Uint(a), GoValue::Uint(b)) => a == b,
            (GoValue::Float(a, _), GoValue::Float(b, _)) => a == b,
            (GoValue::Str(a), GoValue::Str(b)) => a == b,
            _ => false,
        }
    }
}

fn imap_set(m: &mut Vec<(GoValue, GoValue, Pos)>, k: GoValue, v: GoValue, pos: Pos) {
    if let Some(slot) = m.iter_mut().find(|(ek, _, _)| ek.key_eq(&k)) {
        slot.1 = v; // Go map assignment: the key stays, the value changes.
    } else {
        m.push((k, v, pos));
    }
}

fn smap_set(m: &mut Vec<(String, GoValue)>, k: String, v: GoValue) {
    if let Some(slot) = m.iter_mut().find(|(ek, _)| *ek == k) {
        slot.1 = v;
    } else {
        m.push((k, v));
    }
}

/// The Go type being decoded into.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// `interface{}`
    Iface,
    /// `map[string]T`
    StrMap(Box<Target>),
}

impl Target {
    fn go_name(&self) -> String {
        match self {
            Target::Iface => "interface {}".to_string(),
            Target::StrMap(t) => format!("map[string]{}", t.go_name()),
        }
    }
}

/// Where a node is being decoded to (the `out reflect.Value`).
enum Dest<'a> {
    /// An `interface{}` variable.
    Iface(&'a mut GoValue),
    /// A `string` variable (a key of a `map[string]...`).
    Str(&'a mut String),
    /// A `map[string]T`; `addressable` is `out.CanAddr()`.
    SMap {
        map: &'a mut Option<Vec<(String, GoValue)>>,
        elem: &'a Target,
        addressable: bool,
    },
    /// The (unaddressable) `map[interface{}]interface{}` created for an
    /// `interface{}` target, while its entries and merges are decoded.
    IMap(&'a mut Vec<(GoValue, GoValue, Pos)>),
}

impl Dest<'_> {
    fn go_type(&self) -> String {
        match self {
            Dest::Iface(_) => "interface {}".to_string(),
            Dest::Str(_) => "string".to_string(),
            Dest::SMap { elem, .. } => format!("map[string]{}", elem.go_name()),
            Dest::IMap(_) => "map[interface {}]interface {}".to_string(),
        }
    }
}

/// A type error collected by `d.terror` (decoding goes on; Unmarshal then
/// returns `*yaml.TypeError`).
#[derive(Debug)]
pub(crate) struct TypeIssue {
    pub(crate) pos: Pos,
    pub(crate) text: String,
}

pub(crate) struct Decoder<'d> {
    doc: &'d Doc,
    dialect: Dialect,
    active_aliases: HashSet<usize>,
    pub(crate) terrors: Vec<TypeIssue>,
    decode_count: u64,
    alias_count: u64,
    alias_depth: u64,
    depth: usize,
}

fn fatal(kind: ErrorKind, pos: Pos, msg: String) -> Yaml11Error {
    let juju = format!("yaml: {msg}");
    Yaml11Error::new(kind, pos, msg, juju)
}

/// go-yaml v2.4.0 `allowedAliasRatio`.
fn allowed_alias_ratio(decode_count: u64) -> f64 {
    const LOW: u64 = 400_000;
    const HIGH: u64 = 4_000_000;
    if decode_count <= LOW {
        0.99
    } else if decode_count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

/// Standard base64 as Go's `base64.StdEncoding.DecodeString` accepts it
/// (padding required, `\r` and `\n` ignored).
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    }
    let b: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let quads = b.len() / 4;
    for (qi, q) in b.chunks(4).enumerate() {
        let last = qi + 1 == quads;
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &q[..4 - pad] {
            acc = (acc << 6) | val(c)?;
        }
        match pad {
            0 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            1 => {
                acc <<= 6;
                out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8]);
            }
            _ => {
                acc <<= 12;
                out.push((acc >> 16) as u8);
            }
        }
    }
    Some(out)
}

impl<'d> Decoder<'d> {
    pub(crate) fn new(doc: &'d Doc, dialect: Dialect) -> Self {
        Decoder {
            doc,
            dialect,
            active_aliases: HashSet::new(),
            terrors: Vec::new(),
            decode_count: 0,
            alias_count: 0,
            alias_depth: 0,
            depth: 0,
        }
    }

    /// `yaml.Unmarshal(text, &v)` with `v` an `interface{}` already holding
    /// `initial`: returns `initial` untouched when the stream holds no
    /// document.
    pub(crate) fn decode_iface(&mut self, initial: GoValue) -> Result<GoValue, Yaml11Error> {
        let mut v = initial;
        if let Some(root) = self.doc.root {
            self.unmarshal(root, &mut Dest::Iface(&mut v))?;
        }
        Ok(v)
    }

    /// `yaml.Unmarshal(text, &m)` with `m` a `map[string]elem` (nil when
    /// `initial` is `None`).
    pub(crate) fn decode_smap(
        &mut self,
        initial: Option<Vec<(String, GoValue)>>,
        elem: &Target,
    ) -> Result<Option<Vec<(String, GoValue)>>, Yaml11Error> {
        let mut m = initial;
        if let Some(root) = self.doc.root {
            self.unmarshal(
                root,
                &mut Dest::SMap {
                    map: &mut m,
                    elem,
                    addressable: true,
                },
            )?;
        }
        Ok(m)
    }

    fn terror(&mut self, id: usize, tag: &str, out: &Dest<'_>) {
        let doc = self.doc;
        let n = doc.node(id);
        let tag = if n.tag.is_empty() {
            tag
        } else {
            n.tag.as_str()
        };
        let mut value = String::new();
        if tag != SEQ_TAG && tag != MAP_TAG {
            if n.value.len() > 10 {
                let mut cut = 7;
                while !n.value.is_char_boundary(cut) {
                    cut -= 1;
                }
                value = format!(" `{}...`", &n.value[..cut]);
            } else {
                value = format!(" `{}`", n.value);
            }
        }
        self.terrors.push(TypeIssue {
            pos: n.pos,
            text: format!(
                "line {}: cannot unmarshal {}{} into {}",
                n.pos.line + 1,
                short_tag(tag),
                value,
                out.go_type()
            ),
        });
    }

    /// `d.unmarshal(n, out)`; returns `good`.
    fn unmarshal(&mut self, id: usize, out: &mut Dest<'_>) -> Result<bool, Yaml11Error> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        let doc = self.doc;
        let n = doc.node(id);
        // go-yaml v2.4.0's billion-laughs guard. The juju fork predates it
        // and would expand without limit; we apply it in both dialects.
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(fatal(
                ErrorKind::Anchor,
                n.pos,
                "document contains excessive aliasing".to_string(),
            ));
        }
        self.depth += 1;
        if self.depth > 2 * MAX_DEPTH + 8 {
            return Err(fatal(
                ErrorKind::Anchor,
                n.pos,
                format!("exceeded max depth of {MAX_DEPTH}"),
            ));
        }
        let r = match n.kind {
            Kind::Alias => self.alias(id, out),
            Kind::Scalar => self.scalar(id, out),
            Kind::Mapping => self.mapping(id, out),
            Kind::Sequence => self.sequence(id, out),
        };
        self.depth -= 1;
        r
    }

    fn alias(&mut self, id: usize, out: &mut Dest<'_>) -> Result<bool, Yaml11Error> {
        let doc = self.doc;
        let n = doc.node(id);
        if self.active_aliases.contains(&id) {
            return Err(fatal(
                ErrorKind::Anchor,
                n.pos,
                format!("anchor '{}' value contains itself", n.value),
            ));
        }
        self.active_aliases.insert(id);
        self.alias_depth += 1;
        let target = n.alias.expect("alias nodes always have a target");
        let good = self.unmarshal(target, out);
        self.alias_depth -= 1;
        self.active_aliases.remove(&id);
        good
    }

    fn scalar(&mut self, id: usize, out: &mut Dest<'_>) -> Result<bool, Yaml11Error> {
        let doc = self.doc;
        let n = doc.node(id);
        let (tag, mut resolved) = if n.tag.is_empty() && !n.implicit {
            (STR_TAG.to_string(), Resolved::Str(n.value.clone()))
        } else {
            resolve_tagged(&n.tag, &n.value, self.dialect)
                .map_err(|e| fatal(ErrorKind::Tag, n.pos, e.message))?
        };
        if tag == BINARY_TAG {
            let Resolved::Str(s) = &resolved else {
                unreachable!()
            };
            let Some(bytes) = decode_base64(s) else {
                return Err(fatal(
                    ErrorKind::Tag,
                    n.pos,
                    "!!binary value contains invalid base64 data".to_string(),
                ));
            };
            resolved = Resolved::Str(String::from_utf8_lossy(&bytes).into_owned());
        }
        if resolved == Resolved::Null {
            match out {
                Dest::Iface(slot) => **slot = GoValue::Nil,
                Dest::Str(s) => s.clear(),
                Dest::SMap {
                    map, addressable, ..
                } => {
                    if *addressable {
                        **map = None; // out.Set(reflect.Zero(...)): a nil map
                    } else if let Some(m) = map.as_mut() {
                        m.clear(); // resetMap
                    }
                }
                Dest::IMap(m) => m.clear(), // resetMap
            }
            return Ok(true);
        }
        match out {
            Dest::Iface(slot) => {
                **slot = match resolved {
                    Resolved::Null => GoValue::Nil,
                    Resolved::Bool(b) => GoValue::Bool(b),
                    Resolved::Int(i) => GoValue::Int(i),
                    Resolved::Uint(u) => GoValue::Uint(u),
                    Resolved::Float(f) => GoValue::Float(f, n.pos),
                    Resolved::Str(s) => GoValue::Str(s),
                    // "for backward compatibility reasons we set it as a
                    // string" (decode.go, TODO(v3))
                    Resolved::Timestamp(_) => GoValue::Str(n.value.clone()),
                };
                Ok(true)
            }
            Dest::Str(s) => {
                // Same Go type: the resolved string (differs from the text
                // only for !!binary); anything else: SetString(n.value).
                **s = match resolved {
                    Resolved::Str(v) => v,
                    _ => n.value.clone(),
                };
                Ok(true)
            }
            Dest::SMap { .. } | Dest::IMap(_) => {
                self.terror(id, &tag, out);
                Ok(false)
            }
        }
    }

    fn sequence(&mut self, id: usize, out: &mut Dest<'_>) -> Result<bool, Yaml11Error> {
        let doc = self.doc;
        let n = doc.node(id);
        match out {
            Dest::Iface(slot) => {
                let mut items = Vec::with_capacity(n.children.len());
                for &c in &n.children {
                    let mut e = GoValue::Nil;
                    if self.unmarshal(c, &mut Dest::Iface(&mut e))? {
                        items.push(e);
                    }
                }
                **slot = GoValue::Seq(items);
                Ok(true)
            }
            _ => {
                self.terror(id, SEQ_TAG, out);
                Ok(false)
            }
        }
    }

    fn mapping(&mut self, id: usize, out: &mut Dest<'_>) -> Result<bool, Yaml11Error> {
        match out {
            Dest::Iface(slot) => {
                // iface.Set(reflect.MakeMap(d.mapType)), then fill it.
                let mut m = Vec::new();
                self.mapping_entries(id, &mut Dest::IMap(&mut m))?;
                **slot = GoValue::IMap(m);
                Ok(true)
            }
            Dest::Str(_) => {
                self.terror(id, MAP_TAG, out);
                Ok(false)
            }
            Dest::SMap { map, .. } => {
                if map.is_none() {
                    **map = Some(Vec::new());
                }
                self.mapping_entries(id, out)?;
                Ok(true)
            }
            Dest::IMap(_) => {
                self.mapping_entries(id, out)?;
                Ok(true)
            }
        }
    }

    fn is_merge(&self, id: usize) -> bool {
        let n = self.doc.node(id);
        n.kind == Kind::Scalar && n.value == "<<" && (n.implicit || n.tag == MERGE_TAG)
    }

    fn mapping_entries(&mut self, id: usize, out: &mut Dest<'_>) -> Result<(), Yaml11Error> {
        let doc = self.doc;
        let children = &doc.node(id).children;
        for pair in children.chunks(2) {
            let (k, v) = (pair[0], pair[1]);
            if self.is_merge(k) {
                self.merge(v, out)?;
                continue;
            }
            match out {
                Dest::IMap(m) => {
                    let mut key = GoValue::Nil;
                    if self.unmarshal(k, &mut Dest::Iface(&mut key))? {
                        if matches!(key, GoValue::IMap(_) | GoValue::Seq(_) | GoValue::SMap(_)) {
                            return Err(fatal(
                                ErrorKind::InvalidKey,
                                doc.node(k).pos,
                                format!("invalid map key: {}", go_repr(&key)),
                            ));
                        }
                        let mut e = GoValue::Nil;
                        if self.unmarshal(v, &mut Dest::Iface(&mut e))? {
                            imap_set(m, key, e, doc.node(k).pos);
                        }
                    }
                }
                Dest::SMap { map, elem, .. } => {
                    let mut key = String::new();
                    if self.unmarshal(k, &mut Dest::Str(&mut key))? {
                        let elem: &Target = elem;
                        let (good, e) = match elem {
                            Target::Iface => {
                                let mut e = GoValue::Nil;
                                let good = self.unmarshal(v, &mut Dest::Iface(&mut e))?;
                                (good, e)
                            }
                            Target::StrMap(inner) => {
                                let mut em = None;
                                let good = self.unmarshal(
                                    v,
                                    &mut Dest::SMap {
                                        map: &mut em,
                                        elem: inner,
                                        addressable: true,
                                    },
                                )?;
                                (good, GoValue::SMap(em))
                            }
                        };
                        if good {
                            let m = map.get_or_insert_with(Vec::new);
                            smap_set(m, key, e);
                        }
                    }
                }
                Dest::Iface(_) | Dest::Str(_) => unreachable!("mapping() converts these"),
            }
        }
        Ok(())
    }

    fn merge_alias_ok(&self, id: usize) -> bool {
        let n = self.doc.node(id);
        match self.dialect {
            // v2.4.0: `if n.alias != nil && n.alias.kind != mappingNode`
            Dialect::GoYamlV2 => n
                .alias
                .is_none_or(|t| self.doc.node(t).kind == Kind::Mapping),
            // juju fork: `an, ok := d.doc.anchors[n.value]; if ok && an.kind
            // != mappingNode` -- the anchor's *last* definition.
            Dialect::Juju => self
                .doc
                .anchors
                .get(&n.value)
                .is_none_or(|&t| self.doc.node(t).kind == Kind::Mapping),
        }
    }

    fn merge(&mut self, id: usize, out: &mut Dest<'_>) -> Result<(), Yaml11Error> {
        let doc = self.doc;
        let n = doc.node(id);
        let want_map = || {
            fatal(
                ErrorKind::Merge,
                n.pos,
                "map merge requires map or sequence of maps as the value".to_string(),
            )
        };
        match n.kind {
            Kind::Mapping => {
                self.unmarshal(id, out)?;
            }
            Kind::Alias => {
                if !self.merge_alias_ok(id) {
                    return Err(want_map());
                }
                self.unmarshal(id, out)?;
            }
            Kind::Sequence => {
                // Step backwards as earlier nodes take precedence.
                for &c in n.children.iter().rev() {
                    let cn = doc.node(c);
                    if cn.kind == Kind::Alias {
                        if !self.merge_alias_ok(c) {
                            return Err(want_map());
                        }
                    } else if cn.kind != Kind::Mapping {
                        return Err(want_map());
                    }
                    self.unmarshal(c, out)?;
                }
            }
            Kind::Scalar => return Err(want_map()),
        }
        Ok(())
    }
}

/// A rough rendering of Go's `%#v` for the "invalid map key" message.
fn go_repr(v: &GoValue) -> String {
    match v {
        GoValue::Nil => "interface {}(nil)".to_string(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Uint(u) => format!("0x{u:x}"),
        GoValue::Float(f, _) => f.to_string(),
        GoValue::Str(s) => format!("{s:?}"),
        GoValue::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_repr).collect::<Vec<_>>().join(", ")
        ),
        GoValue::IMap(m) => format!(
            "map[interface {{}}]interface {{}}{{{}}}",
            m.iter()
                .map(|(k, v, _)| format!("{}:{}", go_repr(k), go_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        GoValue::SMap(_) => "map[string]interface {}{...}".to_string(),
    }
}
