"""Juju's output formats: `--format=json|yaml|smart` as juju/cmd v3 writes them.

* json  -- Go's encoding/json `Marshal` (map keys sorted, compact, HTML-safe
  escapes, Go's float formatting).
* yaml  -- gopkg.in/yaml.v2 as forked in github.com/juju/yaml v2 (block
  style, yaml.v2's "natural" key order, its quoting rules, 80-column
  folding of long scalars): in yamlout.py, imported only when needed.
* smart -- juju/cmd's FormatSmart: a string as is, a []string one per line,
  a bool as True/False, anything else as yaml; nil and "" print nothing.

Python values stand for Go values: dict is a Go map (keys sorted), GoStruct a
Go struct (fields in order, as given), list an []interface{}, GoStrings a
[]string (smart prints it one per line; `GoStrings(None)` is a nil slice:
JSON null), NilMap a nil map (JSON null, YAML {}), GoTime a time.Time (JSON
string, YAML plain timestamp).
"""

import math


class GoStruct(dict):
    """A Go struct: its fields keep the order they were given in."""


class GoTime(str):
    """A time.Time, already formatted as RFC 3339 (Go's RFC3339Nano)."""


class GoStrings(list):
    """A Go []string. GoStrings(None) is a nil slice."""

    def __init__(self, items=()):
        self.is_nil = items is None
        super().__init__(items or ())


class NilMap(dict):
    """A nil Go map: JSON `null`, YAML `{}`."""


# ---------------------------------------------------------------- JSON ----

def _json_string(text):
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20:
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}.get(
                ch, "\\u%04x" % o))
        elif ch in "<>&" or o in (0x2028, 0x2029):
            out.append("\\u%04x" % o)
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")  # invalid UTF-8 becomes U+FFFD in Go
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _digits(f):
    """Shortest round-trip decimal digits of f and the decimal point
    position (value = 0.DIGITS x 10^dp), as Go's strconv computes them."""
    from decimal import Decimal

    sign, digits, exp = Decimal(repr(abs(f))).normalize().as_tuple()
    text = "".join(str(d) for d in digits)
    return text, len(text) + exp


def _format_e(neg, digits, dp):
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    x = dp - 1
    return "%s%se%s%02d" % ("-" if neg else "", mant, "-" if x < 0 else "+", abs(x))


def _format_f(neg, digits, dp):
    if dp <= 0:
        text = "0." + "0" * (-dp) + digits
    elif dp >= len(digits):
        text = digits + "0" * (dp - len(digits))
    else:
        text = digits[:dp] + "." + digits[dp:]
    return ("-" if neg else "") + text


def go_format_float_g(f):
    """strconv.FormatFloat(f, 'g', -1, 64)."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = math.copysign(1.0, f) < 0
    if f == 0:
        return "-0" if neg else "0"
    digits, dp = _digits(f)
    x = dp - 1
    if x < -4 or x >= 6:  # shortest: Go decides with precision 6
        return _format_e(neg, digits, dp)
    return _format_f(neg, digits, dp)


def _json_float(f):
    if math.isnan(f) or math.isinf(f):
        raise ValueError("json: unsupported value: %s" % go_format_float_g(f))
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    neg = f < 0
    digits, dp = _digits(f)
    a = abs(f)
    if a < 1e-6 or a >= 1e21:
        text = _format_e(neg, digits, dp)
        # Go cleans up e-09 to e-9.
        if len(text) >= 4 and text[-4] == "e" and text[-3] == "-" and text[-2] == "0":
            text = text[:-2] + text[-1]
        return text
    return _format_f(neg, digits, dp)


def go_json(value):
    """json.Marshal(value), without the trailing newline."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _json_float(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, NilMap):
        return "null"
    if isinstance(value, GoStrings) and value.is_nil:
        return "null"
    if isinstance(value, dict):
        keys = list(value) if isinstance(value, GoStruct) else sorted(value)
        return "{" + ",".join(_json_string(str(k)) + ":" + go_json(value[k]) for k in keys) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    raise TypeError("cannot encode %r" % (value,))


def go_yaml(value):
    """yaml.Marshal(value) as juju/cmd's FormatYaml prints it (see
    yamlout)."""
    from . import yamlout

    return yamlout.go_yaml(value)


def format_value(value, fmt):
    """The text juju/cmd's formatter `fmt` writes for value."""
    if fmt == "json":
        return go_json(value) + "\n"
    if fmt == "yaml":
        return go_yaml(value)
    # smart
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("True" if value else "False") + "\n"
    if isinstance(value, GoStrings):
        text = "\n".join(value)
    elif isinstance(value, str) and not isinstance(value, GoTime):
        text = value
    else:
        return go_yaml(value)
    return text + "\n" if text else ""
