"""Reads the YAML that `relation-set --file`, `state-set --file` and
`secret-add/secret-set --file` accept, as yaml.v2 `Unmarshal` into a Go
map[string]string would.

A subset of YAML, enough for what charms write: one document holding a
flow mapping (`{a: b, "c": 'd'}`, so JSON objects too) or a block mapping
(`key: value` lines) whose values are scalars -- plain, single- or
double-quoted, or block (`|`, `>`, with chomping and indentation
indicators). A value that is itself a map or a list, a document that is a
list or a scalar, are the type errors yaml.v2 reports ("yaml: unmarshal
errors:\\n  line N: cannot unmarshal !!seq into map[string]string").
Anchors, aliases, tags and complex keys are not supported (an error says
so). Scalars are kept as written ("0x1F", "yes" stay strings); null
(`~`, `null`, nothing) becomes "".
"""

import re

from .yamlout import yaml_resolves_to_str


class YamlError(Exception):
    pass


_NULLS = {"", "~", "null", "Null", "NULL"}


def _short_tag_of_plain(text):
    """The tag yaml.v2 resolves a plain scalar to, for type errors."""
    if text in _NULLS:
        return "!!null"
    if yaml_resolves_to_str(text):
        return "!!str"
    if text in {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
                "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}:
        return "!!bool"
    if re.match(r"^\d{4}-", text):
        return "!!timestamp"
    if re.match(r"^[-+]?(0[xob]?)?[0-9a-fA-F_]+$", text) and "." not in text:
        return "!!int"
    return "!!float"


def _terror(line, tag, value, into):
    if tag not in ("!!seq", "!!map"):
        shown = " `" + (value[:7] + "..." if len(value) > 10 else value) + "`"
    else:
        shown = ""
    return "line %d: cannot unmarshal %s%s into %s" % (line, tag, shown, into)


class _Scalar:
    def __init__(self, value, line, plain):
        self.value, self.line, self.plain = value, line, plain

    def as_string(self):
        if self.plain and self.value in _NULLS:
            return ""
        return self.value

    def tag(self):
        return _short_tag_of_plain(self.value) if self.plain else "!!str"


class _Collection:
    def __init__(self, kind, line, items=None):
        self.kind, self.line, self.items = kind, line, items


def _unescape_double(body, line):
    out = []
    i = 0
    simple = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
              "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
              "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 1
            if i >= len(body):
                raise YamlError("yaml: line %d: found unexpected end of stream" % line)
            esc = body[i]
            if esc in simple:
                out.append(simple[esc])
            elif esc in "xuU":
                n = {"x": 2, "u": 4, "U": 8}[esc]
                digits = body[i + 1:i + 1 + n]
                if len(digits) != n or not re.match(r"^[0-9a-fA-F]+$", digits):
                    raise YamlError("yaml: line %d: did not find expected hexdecimal number" % line)
                out.append(chr(int(digits, 16)))
                i += n
            elif esc == "\n":
                # escaped line break: join without a space
                j = i + 1
                while j < len(body) and body[j] in " \t":
                    j += 1
                i = j - 1
            else:
                raise YamlError("yaml: line %d: found unknown escape character" % line)
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _fold_quoted(raw):
    """Line folding inside a quoted scalar that spans lines."""
    if "\n" not in raw:
        return raw
    lines = raw.split("\n")
    out = lines[0].rstrip(" \t")
    blank = 0
    for part in lines[1:-1]:
        part = part.strip(" \t")
        if not part:
            blank += 1
            continue
        out += ("\n" * blank if blank else " ") + part
        blank = 0
    last = lines[-1].lstrip(" \t")
    out += ("\n" * blank if blank else " ") + last
    return out


class _Reader:
    def __init__(self, text):
        self.text = text.replace("\r\n", "\n")
        self.pos = 0

    def line_at(self, pos=None):
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_space_and_comments(self, newlines=True):
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == " " or (ch == "\n" and newlines) or ch == "\t":
                self.pos += 1
            elif ch == "#" and (self.pos == 0 or self.text[self.pos - 1] in " \t\n"):
                while self.pos < len(self.text) and self.text[self.pos] != "\n":
                    self.pos += 1
            else:
                break

    # -- quoted scalars (flow or block context)
    def quoted(self):
        quote = self.peek()
        line = self.line_at()
        start = self.pos + 1
        i = start
        if quote == "'":
            while True:
                j = self.text.find("'", i)
                if j < 0:
                    raise YamlError("yaml: line %d: found unexpected end of stream" % line)
                if self.text[j + 1:j + 2] == "'":
                    i = j + 2
                    continue
                break
            raw = self.text[start:j]
            self.pos = j + 1
            return _Scalar(_fold_quoted(raw).replace("''", "'"), line, False)
        while True:
            j = self.text.find('"', i)
            if j < 0:
                raise YamlError("yaml: line %d: found unexpected end of stream" % line)
            k = j - 1
            backslashes = 0
            while k >= start and self.text[k] == "\\":
                backslashes += 1
                k -= 1
            if backslashes % 2:
                i = j + 1
                continue
            break
        raw = self.text[start:j]
        self.pos = j + 1
        return _Scalar(_unescape_double(_fold_quoted(raw), line), line, False)

    # -- flow collections
    def flow_plain(self):
        line = self.line_at()
        start = self.pos
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            nxt = self.text[self.pos + 1:self.pos + 2]
            if ch in ",[]{}":
                break
            if ch == ":" and (nxt == "" or nxt in " \t\n,[]{}"):
                break
            if ch == "#" and self.pos > start and self.text[self.pos - 1] in " \t":
                break
            self.pos += 1
        raw = self.text[start:self.pos]
        return _Scalar(" ".join(p.strip() for p in raw.split("\n") if p.strip()) or "",
                       line, True)

    def flow_node(self):
        self.skip_space_and_comments()
        ch = self.peek()
        if ch == "{":
            return self.flow_mapping()
        if ch == "[":
            return self.flow_sequence()
        if ch in "'\"":
            return self.quoted()
        if ch in "&*!":
            raise YamlError("yaml: anchors, aliases and tags are not supported by this stand-in")
        return self.flow_plain()

    def flow_mapping(self):
        line = self.line_at()
        self.pos += 1
        items = []
        while True:
            self.skip_space_and_comments()
            ch = self.peek()
            if ch == "":
                raise YamlError("yaml: line %d: did not find expected ',' or '}'" % line)
            if ch == "}":
                self.pos += 1
                return _Collection("map", line, items)
            if ch == "?":
                raise YamlError("yaml: complex keys are not supported by this stand-in")
            key = self.flow_node()
            self.skip_space_and_comments()
            if self.peek() == ":":
                self.pos += 1
                self.skip_space_and_comments()
                if self.peek() in (",", "}"):
                    value = _Scalar("", self.line_at(), True)
                else:
                    value = self.flow_node()
            else:
                value = _Scalar("", self.line_at(), True)
            items.append((key, value))
            self.skip_space_and_comments()
            ch = self.peek()
            if ch == ",":
                self.pos += 1
            elif ch != "}":
                raise YamlError("yaml: line %d: did not find expected ',' or '}'" % self.line_at())

    def flow_sequence(self):
        line = self.line_at()
        self.pos += 1
        depth = 1
        # Only its extent matters: a list is never what we want.
        while self.pos < len(self.text) and depth:
            ch = self.text[self.pos]
            if ch in "'\"":
                self.quoted()
                continue
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
            self.pos += 1
        if depth:
            raise YamlError("yaml: line %d: did not find expected ',' or ']'" % line)
        return _Collection("seq", line)


def _split_key(line, lineno):
    """`key: rest` in block context: the key and the rest (None when the
    line is not a mapping entry)."""
    if line[:1] in "'\"":
        r = _Reader(line)
        key = r.quoted()
        rest = line[r.pos:]
        if rest.startswith(":") and (len(rest) == 1 or rest[1] in " \t"):
            key.line = lineno
            return key, rest[1:]
        return None, None
    i = 0
    while i < len(line):
        if line[i] == ":" and (i + 1 == len(line) or line[i + 1] in " \t"):
            return _Scalar(line[:i].rstrip(), lineno, True), line[i + 1:]
        if line[i] == "#" and i > 0 and line[i - 1] in " \t":
            break
        i += 1
    return None, None


def _strip_comment(text):
    m = re.search(r"(^|[ \t])#", text)
    return text[:m.start()] if m else text


def _block_scalar(header, lines, idx, parent_indent, lineno):
    """A `|` or `>` scalar; lines[idx:] follow its header. Returns the
    value and the index of the first line after it."""
    m = re.match(r"^([|>])([-+]?)([1-9]?)([-+]?)\s*(#.*)?$", header)
    if not m:
        raise YamlError("yaml: line %d: did not find expected comment or line break" % lineno)
    style, chomp = m.group(1), m.group(2) or m.group(4)
    explicit = int(m.group(3)) if m.group(3) else None
    body = []
    indent = parent_indent + explicit if explicit else None
    j = idx
    while j < len(lines):
        _, text = lines[j]
        if text.strip() == "":
            body.append("")
            j += 1
            continue
        this = len(text) - len(text.lstrip(" "))
        if indent is None:
            if this <= parent_indent:
                break
            indent = this
        if this < indent:
            break
        body.append(text[indent:])
        j += 1
    # Trailing blank lines belong to the chomping.
    trailing = 0
    while body and body[-1] == "":
        body.pop()
        trailing += 1
    if style == "|":
        value = "\n".join(body)
    else:
        value = ""
        prev_more = False
        for k, part in enumerate(body):
            more = part.startswith((" ", "\t"))
            if k == 0:
                value = part
            elif part == "":
                value += "\n"
            elif more or prev_more or value.endswith("\n"):
                value += ("\n" if not value.endswith("\n") or more or prev_more else "") + part
            else:
                value += " " + part
            prev_more = more
    if body:
        if chomp == "-":
            pass
        elif chomp == "+":
            value += "\n" * (trailing + 1)
        else:
            value += "\n"
    elif chomp == "+":
        value = "\n" * trailing
    return value, j


def _block_mapping(lines, into):
    """lines: (lineno, text) of the document, comments and blank lines
    kept (block scalars need them)."""
    content = [(n, t) for n, t in lines if t.strip() and not t.lstrip().startswith("#")]
    base = len(content[0][1]) - len(content[0][1].lstrip(" "))
    result = {}
    errors = []
    i = 0
    while i < len(lines):
        lineno, text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            i += 1
            continue
        indent = len(text) - len(text.lstrip(" "))
        if "\t" in text[:indent + 1] and text[:indent + 1].strip(" ") == "\t":
            raise YamlError("yaml: line %d: found character that cannot start any token" % lineno)
        if indent != base:
            raise YamlError("yaml: line %d: did not find expected key" % lineno
                            if indent < base else
                            "yaml: line %d: mapping values are not allowed in this context" % lineno)
        key, rest = _split_key(text[indent:], lineno)
        if key is None:
            raise YamlError("yaml: line %d: could not find expected ':'" % (lineno + 1))
        rest_stripped = _strip_comment(rest).strip()
        i += 1
        if rest_stripped[:1] in ("|", ">"):
            value, i = _block_scalar(rest_stripped, lines, i, indent, lineno)
            result[key.as_string()] = value
            continue
        if rest_stripped[:1] in "'\"" and rest_stripped:
            # A quoted scalar may run over several lines.
            tail = rest.lstrip()
            joined = tail
            j = i
            while True:
                r = _Reader(joined)
                try:
                    node = r.quoted()
                    break
                except YamlError:
                    if j >= len(lines):
                        raise
                    joined += "\n" + lines[j][1]
                    j += 1
            after = _strip_comment(joined[r.pos:]).strip()
            if after:
                raise YamlError("yaml: line %d: did not find expected key" % lineno)
            i = j
            result[key.as_string()] = node.as_string()
            continue
        if rest_stripped[:1] in ("{", "["):
            r = _Reader(rest.lstrip())
            node = r.flow_node()
            errors.append(_terror(lineno, "!!map" if node.kind == "map" else "!!seq", "", "string"))
            continue
        if rest_stripped[:1] in ("&", "*", "!"):
            raise YamlError("yaml: anchors, aliases and tags are not supported by this stand-in")
        # Deeper-indented lines that follow: a nested collection or the rest
        # of a plain multi-line scalar.
        nested = []
        while i < len(lines):
            n2, t2 = lines[i]
            if t2.strip() and not t2.lstrip().startswith("#"):
                ind2 = len(t2) - len(t2.lstrip(" "))
                if ind2 <= indent and not (ind2 == indent and t2.lstrip().startswith("- ")
                                           and not rest_stripped):
                    break
            nested.append((n2, t2))
            i += 1
        nested_content = [(n2, t2.strip()) for n2, t2 in nested
                          if t2.strip() and not t2.lstrip().startswith("#")]
        if not rest_stripped and nested_content:
            first_line, first = nested_content[0]
            if first == "-" or first.startswith("- "):
                errors.append(_terror(first_line, "!!seq", "", "string"))
                continue
            k2, _ = _split_key(first, first_line)
            if k2 is not None:
                errors.append(_terror(first_line, "!!map", "", "string"))
                continue
        parts = [rest_stripped] if rest_stripped else []
        for _, t2 in nested_content:
            if _split_key(t2, 0)[0] is not None:
                raise YamlError("yaml: line %d: mapping values are not allowed in this context"
                                % lineno)
            parts.append(_strip_comment(t2).strip())
        plain = " ".join(p for p in parts if p)
        if re.search(r":([ \t]|$)", plain):
            raise YamlError("yaml: line %d: mapping values are not allowed in this context"
                            % lineno)
        result[key.as_string()] = _Scalar(plain, lineno, True).as_string()
    if errors:
        raise YamlError("yaml: unmarshal errors:\n  " + "\n  ".join(errors))
    return result


def load_string_map(text, into="map[string]string"):
    """yaml.Unmarshal(text, &map[string]string{})."""
    if text.startswith("\ufeff"):
        text = text[1:]
    raw_lines = text.replace("\r\n", "\n").split("\n")
    lines = list(enumerate(raw_lines, start=1))
    # Skip to the first document's content.
    start = 0
    while start < len(lines):
        t = lines[start][1]
        if not t.strip() or t.lstrip().startswith("#") or t.startswith("%"):
            start += 1
            continue
        if t.rstrip() == "---" or t.startswith("--- "):
            rest = t[3:].strip()
            if rest:
                lines[start] = (lines[start][0], " " * 4 + rest)
                break
            start += 1
            continue
        break
    doc = []
    for n, t in lines[start:]:
        if t.rstrip() in ("---", "...") or t.startswith(("--- ", "... ")):
            break
        doc.append((n, t))
    content = [(n, t) for n, t in doc if t.strip() and not t.lstrip().startswith("#")]
    if not content:
        return {}
    first_line, first_text = content[0]
    stripped = first_text.strip()
    if stripped.startswith("{") or stripped.startswith("["):
        whole = "\n".join(t for _, t in doc)
        r = _Reader(whole)
        r.skip_space_and_comments()
        node = r.flow_node()
        if node.kind == "seq":
            raise YamlError("yaml: unmarshal errors:\n  " + _terror(node.line + first_line - 1,
                                                                     "!!seq", "", into))
        result, errors = {}, []
        for key, value in node.items:
            if isinstance(value, _Collection):
                errors.append(_terror(value.line + first_line - 1,
                                      "!!map" if value.kind == "map" else "!!seq", "", "string"))
                continue
            if isinstance(key, _Collection):
                raise YamlError("yaml: complex keys are not supported by this stand-in")
            result[key.as_string()] = value.as_string()
        if errors:
            raise YamlError("yaml: unmarshal errors:\n  " + "\n  ".join(errors))
        # yaml.v2 reads one node: anything after it is never looked at.
        return result
    if stripped == "-" or stripped.startswith("- "):
        raise YamlError("yaml: unmarshal errors:\n  " + _terror(first_line, "!!seq", "", into))
    key, _ = _split_key(stripped, first_line)
    if key is None:
        if stripped[:1] in "'\"":
            r = _Reader("\n".join(t for _, t in content).strip())
            node = r.quoted()
            raise YamlError("yaml: unmarshal errors:\n  " + _terror(first_line, "!!str",
                                                                     node.value, into))
        if stripped[:1] in ("|", ">"):
            value, _ = _block_scalar(stripped, doc, doc.index(content[0]) + 1, -1, first_line)
            raise YamlError("yaml: unmarshal errors:\n  " + _terror(first_line, "!!str", value, into))
        plain = " ".join(_strip_comment(t).strip() for _, t in content)
        scalar = _Scalar(plain, first_line, True)
        if scalar.value in _NULLS:
            return {}
        raise YamlError("yaml: unmarshal errors:\n  " + _terror(first_line, scalar.tag(),
                                                                 scalar.value, into))
    return _block_mapping(doc, into)
