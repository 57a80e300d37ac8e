"""yaml.Marshal as juju's fork of gopkg.in/yaml.v2 (github.com/juju/yaml
v2) writes it: a port of the parts of libyaml's emitter that maps, lists and
scalars use (block style, yaml.v2's quoting rules and key order, 80-column
folding)."""

import math
import re

from .formats import GoStruct, GoTime, NilMap, go_format_float_g

_BOOL_NULL_ETC = {
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
    "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
    "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
}
# juju/yaml's variant of yaml.v2's float rule (no leading zeros; an exponent
# needs a sign).
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][-+][0-9]+)?$")
_GO_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_TIMESTAMPS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d{1,9})?"
               r"(Z|[+-]\d{2}:\d{2})$"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d{1,9})?$"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
)


def _go_parse_int(text, signed=True):
    """strconv.ParseInt/ParseUint(text, 0, 64) succeeds?"""
    s = text
    neg = False
    if s[:1] in "+-":
        if not signed:
            return False
        neg = s[0] == "-"
        s = s[1:]
    if not s:
        return False
    base = 10
    if len(s) > 1 and s[0] == "0":
        if s[1] in "xX":
            base, s = 16, s[2:]
        elif s[1] in "oO":
            base, s = 8, s[2:]
        elif s[1] in "bB":
            base, s = 2, s[2:]
        else:
            base, s = 8, s[1:]
    if not s:
        return False
    try:
        n = int(s, base)
    except ValueError:
        return False
    if s.startswith(("+", "-")) or "_" in s:
        return False
    if signed:
        return (-n if neg else n) in range(-(1 << 63), 1 << 63)
    return n < (1 << 64)


def _go_parse_float(text):
    if not _GO_FLOAT.match(text):
        return False
    return not math.isinf(float(text))


def _is_timestamp(text):
    for rule in _TIMESTAMPS:
        m = rule.match(text)
        if m:
            parts = [int(p) for p in m.groups()[:6] if p is not None and p[:1].isdigit()]
            year, month, day = parts[:3]
            if not (1 <= month <= 12 and 1 <= day <= 31):
                return False
            if len(parts) > 3 and not (parts[3] < 24 and parts[4] < 60 and parts[5] < 60):
                return False
            return True
    return False


def yaml_resolves_to_str(text):
    """Would `text`, written plain, read back as a !!str (yaml.v2 resolve)?"""
    if text in _BOOL_NULL_ETC:
        return False
    c = text[0]
    if c in "yYnNtTfFoO~":
        return True
    if c == ".":
        return not _go_parse_float(text)
    if c in "+-" or c.isdigit():
        if _is_timestamp(text):
            return False
        plain = text.replace("_", "")
        if _go_parse_int(plain) or _go_parse_int(plain, signed=False):
            return False
        if _YAML_STYLE_FLOAT.match(plain) and _go_parse_float(plain):
            return False
        for prefix in ("0b", "-0b"):
            if plain.startswith(prefix) and plain[len(prefix):] and set(plain[len(prefix):]) <= {"0", "1"}:
                return False
        return True
    return True


def _is_base60_float(text):
    if not text or not (text[0] in "+-" or text[0].isdigit()) or ":" not in text:
        return False
    return bool(_BASE60.match(text))


def _printable(ch):
    o = ord(ch)
    return (o == 0x0A or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF
            or (0xE000 <= o <= 0xFFFD and o != 0xFEFF))


def _is_break(ch):
    return ch in "\r\n\x85\u2028\u2029"


def _is_blank(ch):
    return ch in " \t"


def _natural_less(a, b):
    """yaml.v2's keyList.Less for two string keys: letters compare as
    characters, runs of digits as numbers."""
    for k in range(min(len(a), len(b))):
        x, y = a[k], b[k]
        if x == y:
            continue
        xl, yl = x.isalpha(), y.isalpha()
        if xl and yl:
            return x < y
        if xl or yl:
            return yl
        an = bn = 0
        if x == "0" or y == "0":
            j = k - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = k
        while ai < len(a) and a[ai].isdigit():
            an = an * 10 + int(a[ai])
            ai += 1
        bi = k
        while bi < len(b) and b[bi].isdigit():
            bn = bn * 10 + int(b[bi])
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return x < y
    return len(a) < len(b)


def _yaml_sorted(keys):
    import functools
    return sorted(keys, key=functools.cmp_to_key(
        lambda a, b: -1 if _natural_less(a, b) else (1 if _natural_less(b, a) else 0)))


class _Emitter:
    """A port of the parts of libyaml's emitter (as in yaml.v2) that
    yaml.Marshal of maps, lists and scalars uses."""

    best_indent = 2
    best_width = 80

    def __init__(self):
        self.out = []
        self.column = 0
        self.whitespace = True
        self.indention = True

    # -- low level
    def put(self, text):
        self.out.append(text)
        self.column += len(text)

    def put_break(self):
        self.out.append("\n")
        self.column = 0

    def write_break(self, ch):
        if ch == "\n":
            self.put_break()
        else:
            self.out.append(ch)
            self.column = 0

    def indicator(self, text, need_whitespace, is_whitespace, is_indention):
        if need_whitespace and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_whitespace
        self.indention = self.indention and is_indention

    def write_indent(self, indent):
        indent = max(indent, 0)
        if not self.indention or self.column > indent or (
                self.column == indent and not self.whitespace):
            self.put_break()
        while self.column < indent:
            self.put(" ")
        self.whitespace = True
        self.indention = True

    # -- nodes
    def node(self, value, parent_indent, mapping_context=False, simple_key=False):
        if isinstance(value, dict) and not isinstance(value, NilMap) and value:
            self.block_mapping(value, parent_indent)
        elif isinstance(value, (list, tuple)) and value:
            self.block_sequence(value, parent_indent, mapping_context)
        elif isinstance(value, dict):
            self.indicator("{", True, True, False)
            self.indicator("}", False, False, False)
        elif isinstance(value, (list, tuple)):
            self.indicator("[", True, True, False)
            self.indicator("]", False, False, False)
        else:
            indent = self.best_indent if parent_indent < 0 else parent_indent + self.best_indent
            self.scalar(value, indent, simple_key)

    def block_mapping(self, mapping, parent_indent):
        indent = 0 if parent_indent < 0 else parent_indent + self.best_indent
        keys = list(mapping) if isinstance(mapping, GoStruct) else _yaml_sorted(
            [str(k) for k in mapping])
        for key in keys:
            self.write_indent(indent)
            self.node(key, indent, simple_key=True)
            self.indicator(":", False, False, False)
            self.node(mapping[key], indent, mapping_context=True)

    def block_sequence(self, items, parent_indent, mapping_context):
        indentless = mapping_context and not self.indention
        if parent_indent < 0:
            indent = 0
        elif indentless:
            indent = parent_indent
        else:
            indent = parent_indent + self.best_indent
        for item in items:
            self.write_indent(indent)
            self.indicator("-", True, False, True)
            self.node(item, indent)

    # -- scalars
    def scalar(self, value, indent, simple_key):
        if value is None:
            text, style = "null", "plain"
        elif isinstance(value, bool):
            text, style = ("true" if value else "false"), "plain"
        elif isinstance(value, int):
            text, style = str(value), "plain"
        elif isinstance(value, float):
            text = {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(
                go_format_float_g(value), go_format_float_g(value))
            style = "plain"
        elif isinstance(value, GoTime):
            text, style = str(value), "plain"
        else:
            text = str(value)
            can_plain = yaml_resolves_to_str(text) and not _is_base60_float(text)
            if "\n" in text:
                style = "literal"
            elif can_plain:
                style = "plain"
            else:
                style = "double"
        style = self.select_style(text, style, simple_key)
        allow_breaks = not simple_key
        if style == "plain":
            self.write_plain(text, indent, allow_breaks)
        elif style == "single":
            self.write_single(text, indent, allow_breaks)
        elif style == "double":
            self.write_double(text, indent, allow_breaks)
        else:
            self.write_literal(text, indent)

    @staticmethod
    def analyze(value):
        """yaml_emitter_analyze_scalar: which styles value may take."""
        if not value:
            return dict(multiline=False, flow_plain=False, block_plain=True, single=True,
                        block=False)
        block_ind = flow_ind = line_breaks = special = False
        leading_space = leading_break = trailing_space = trailing_break = False
        break_space = space_break = False
        previous_space = previous_break = False
        if value.startswith(("---", "...")):
            block_ind = flow_ind = True
        preceded_by_ws = True
        n = len(value)
        for i, ch in enumerate(value):
            followed_by_ws = i + 1 >= n or _is_blank(value[i + 1])
            if i == 0:
                if ch in "#,[]{}&*!|>'\"%@`":
                    flow_ind = block_ind = True
                elif ch in "?:":
                    flow_ind = True
                    if followed_by_ws:
                        block_ind = True
                elif ch == "-" and followed_by_ws:
                    flow_ind = block_ind = True
            else:
                if ch in ",?[]{}":
                    flow_ind = True
                elif ch == ":":
                    flow_ind = True
                    if followed_by_ws:
                        block_ind = True
                elif ch == "#" and preceded_by_ws:
                    flow_ind = block_ind = True
            if not _printable(ch):
                special = True
            if ch == " ":
                if i == 0:
                    leading_space = True
                if i == n - 1:
                    trailing_space = True
                if previous_break:
                    break_space = True
                previous_space, previous_break = True, False
            elif _is_break(ch):
                line_breaks = True
                if i == 0:
                    leading_break = True
                if i == n - 1:
                    trailing_break = True
                if previous_space:
                    space_break = True
                previous_space, previous_break = False, True
            else:
                previous_space = previous_break = False
            preceded_by_ws = _is_blank(ch) or _is_break(ch)
        a = dict(multiline=line_breaks, flow_plain=True, block_plain=True, single=True, block=True)
        if leading_space or leading_break or trailing_space or trailing_break:
            a["flow_plain"] = a["block_plain"] = False
        if trailing_space:
            a["block"] = False
        if break_space:
            a["flow_plain"] = a["block_plain"] = a["single"] = False
        if space_break or special:
            a["flow_plain"] = a["block_plain"] = a["single"] = a["block"] = False
        if line_breaks:
            a["flow_plain"] = a["block_plain"] = False
        if flow_ind:
            a["flow_plain"] = False
        if block_ind:
            a["block_plain"] = False
        return a

    def select_style(self, text, style, simple_key):
        a = self.analyze(text)
        if simple_key and a["multiline"]:
            style = "double"
        if style == "plain":
            if not a["block_plain"]:
                style = "single"
            if not text and simple_key:
                style = "single"
        if style == "single" and not a["single"]:
            style = "double"
        if style == "literal" and (not a["block"] or simple_key):
            style = "double"
        return style

    def write_plain(self, value, indent, allow_breaks):
        if not self.whitespace:
            self.put(" ")
        spaces = breaks = False
        i, n = 0, len(value)
        while i < n:
            ch = value[i]
            if ch == " ":
                if allow_breaks and not spaces and self.column > self.best_width and (
                        i + 1 >= n or value[i + 1] != " "):
                    self.write_indent(indent)
                else:
                    self.put(ch)
                spaces = True
            elif _is_break(ch):
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent(indent)
                self.put(ch)
                self.indention = False
                spaces = breaks = False
            i += 1
        self.whitespace = False
        self.indention = False

    def write_single(self, value, indent, allow_breaks):
        self.indicator("'", True, False, False)
        spaces = breaks = False
        n = len(value)
        for i, ch in enumerate(value):
            if ch == " ":
                if allow_breaks and not spaces and self.column > self.best_width and 0 < i < n - 1 \
                        and value[i + 1] != " ":
                    self.write_indent(indent)
                else:
                    self.put(ch)
                spaces = True
            elif _is_break(ch):
                if not breaks and ch == "\n":
                    self.put_break()
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent(indent)
                if ch == "'":
                    self.put("'")
                self.put(ch)
                self.indention = False
                spaces = breaks = False
        self.indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    _ESCAPES = {0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f",
                0x0D: "r", 0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N", 0xA0: "_",
                0x2028: "L", 0x2029: "P"}

    def write_double(self, value, indent, allow_breaks):
        self.indicator('"', True, False, False)
        spaces = False
        i, n = 0, len(value)
        while i < n:
            ch = value[i]
            o = ord(ch)
            if not _printable(ch) or o == 0xFEFF or _is_break(ch) or ch in '"\\':
                self.put("\\")
                if o in self._ESCAPES:
                    self.put(self._ESCAPES[o])
                elif o <= 0xFF:
                    self.put("x%02X" % o)
                elif o <= 0xFFFF:
                    self.put("u%04X" % o)
                else:
                    self.put("U%08X" % o)
                spaces = False
            elif ch == " ":
                if allow_breaks and not spaces and self.column > self.best_width and 0 < i < n - 1:
                    self.write_indent(indent)
                    if value[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(ch)
                spaces = True
            else:
                self.put(ch)
                spaces = False
            i += 1
        self.indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def write_literal(self, value, indent):
        self.indicator("|", True, False, False)
        if value[:1] == " " or _is_break(value[:1] or "x"):
            self.indicator(str(self.best_indent), False, False, False)
        if not value or not _is_break(value[-1]):
            chomp = "-"
        elif len(value) == 1 or _is_break(value[-2]):
            chomp = "+"
        else:
            chomp = ""
        if chomp:
            self.indicator(chomp, False, False, False)
        self.put_break()
        self.indention = True
        self.whitespace = True
        breaks = True
        for ch in value:
            if _is_break(ch):
                self.write_break(ch)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent(indent)
                self.put(ch)
                self.indention = False
                breaks = False


def go_yaml(value):
    """yaml.Marshal(value) as juju/cmd's FormatYaml prints it: trailing
    newlines trimmed to one; nothing at all for nil."""
    if value is None:
        return ""
    e = _Emitter()
    e.node(value, -1)
    e.write_indent(0)
    text = "".join(e.out).rstrip("\n")
    return text + "\n" if text else ""
