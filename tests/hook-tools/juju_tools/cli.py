"""How a Juju hook tool reads its command line and reports errors: a port of
github.com/juju/gnuflag (v1.0.0) and of juju/cmd v3's `Main`, `Output` and
`CheckEmpty`, as jujuc runs them (juju's `jujucmd.Info` names flags
"option" in messages).

* Flags may be interspersed with positional arguments; `--` ends flags;
  a lone `-` is positional.
* `--name=value` and `--name value` both work; one-letter flags take a
  single dash and may be bundled (`-ab`) or carry their value (`-r3`).
  A two-dash flag may be one letter too (`--r 3`).
* A bool flag takes no value unless written `--flag=false`.
* Errors in the command line, or in a tool's checks of its arguments
  (juju/cmd's `Init`), print `ERROR <message>` and exit 2; errors while
  running (`Run`) print `ERROR <message>` and exit 1. `-h`/`--help` prints
  help and exits 0.
"""

import os
import sys

from . import formats


class UsageError(Exception):
    """Bad command line or arguments (gnuflag Parse or Init): exit 2."""


class CommandError(Exception):
    """The tool failed while running (Run): exit 1."""


class HelpRequested(Exception):
    pass


def go_quote(text):
    """Go's %q (strconv.Quote) of a string."""
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
                        "\t": "\\t", "\v": "\\v"}[ch])
        elif ch == " " or (ch.isprintable() and not 0xD800 <= o <= 0xDFFF):
            out.append(ch)
        elif o < 0x80:
            out.append("\\x%02x" % o)
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")
        elif o <= 0xFFFF:
            out.append("\\u%04x" % o)
        else:
            out.append("\\U%08x" % o)
    out.append('"')
    return "".join(out)


def go_quote_list(items):
    """Go's %q of a []string: ["a" "b"]."""
    return "[" + " ".join(go_quote(i) for i in items) + "]"


def check_empty(args):
    """juju/cmd CheckEmpty."""
    if args:
        raise UsageError("unrecognized args: " + go_quote_list(args))


def go_parse_bool(text):
    values = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
              "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
    if text not in values:
        raise ValueError("strconv.ParseBool: parsing %s: invalid syntax" % go_quote(text))
    return values[text]


def go_parse_int(text):
    """strconv.ParseInt(text, 0, 64)."""
    s = text
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    base = 10
    body = s
    if len(s) > 1 and s[0] == "0" and s[1] in "xXoObB":
        base = {"x": 16, "o": 8, "b": 2}[s[1].lower()]
        body = s[2:]
    elif len(s) > 1 and s[0] == "0":
        base, body = 8, s[1:]
    try:
        if not body or body.startswith(("_", "+", "-")) or body.endswith("_") or "__" in body:
            raise ValueError
        value = sign * int(body.replace("_", ""), base)
    except ValueError:
        raise ValueError("strconv.ParseInt: parsing %s: invalid syntax" % go_quote(text))
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError("strconv.ParseInt: parsing %s: value out of range" % go_quote(text))
    return value


class Flag:
    """One flag: its names (all aliases share one value, as juju's tools
    register `-r` and `--relation` on one gnuflag.Value), its kind
    ("bool", "string", "int" or "value" with a setter that raises
    ValueError(message) like a gnuflag.Value's Set), a default and help."""

    def __init__(self, names, kind, dest, default=None, setter=None, doc=""):
        self.names, self.kind, self.dest = names, kind, dest
        self.default, self.setter, self.doc = default, setter, doc


def _with_minus(name):
    return ("--" if len(name) > 1 else "-") + name


class Command:
    """A tool's command line: flags, how to parse them, how to write
    output. `args` and `purpose` are used for --help."""

    known_as = "option"

    def __init__(self, name, args="", purpose=""):
        self.name, self.args_doc, self.purpose = name, args, purpose
        self.flags = []
        self.by_name = {}
        self.output_formats = None
        self.output_default = None

    def add(self, flag):
        self.flags.append(flag)
        for n in flag.names:
            self.by_name[n] = flag
        return flag

    def bool(self, *names, dest=None, doc=""):
        return self.add(Flag(names, "bool", dest or names[-1], False, doc=doc))

    def string(self, *names, dest=None, default="", doc=""):
        return self.add(Flag(names, "string", dest or names[-1], default, doc=doc))

    def int(self, *names, dest=None, default=0, doc=""):
        return self.add(Flag(names, "int", dest or names[-1], default, doc=doc))

    def value(self, *names, dest=None, default=None, setter=None, doc=""):
        return self.add(Flag(names, "value", dest or names[-1], default, setter, doc))

    def output(self, default="smart", formats_=("json", "smart", "yaml")):
        """cmd.Output.AddFlags: --format, -o and --output."""
        self.output_formats = tuple(formats_)
        self.output_default = default

        def set_format(value):
            if value not in self.output_formats:
                raise ValueError("unknown format %s" % go_quote(value))
            return value

        self.value("format", dest="format", default=default, setter=set_format,
                   doc="Specify output format (%s)" % "|".join(sorted(self.output_formats)))
        self.string("o", "output", dest="output", doc="Specify an output file")

    # -- parsing: a port of gnuflag's FlagSet.Parse(true, args)
    def parse(self, args):
        values = {f.dest: f.default for f in self.flags}
        positional = []
        proc = list(args)
        while proc:
            a = proc[0]
            if a == "-" or a == "" or a[0] != "-":
                positional.append(a)
                proc.pop(0)
                continue
            if a == "--":
                positional.extend(proc[1:])
                break
            proc.pop(0)
            if a[1] == "-":
                name, eq, value = a[2:].partition("=")
                if eq and name == "":
                    raise UsageError("empty %s in argument %s" % (self.known_as, go_quote(a)))
                self._set(values, name, "=" + value if eq else "", proc, long=True)
            else:
                rest = a[1:]
                while rest:
                    name, rest = rest[0], rest[1:]
                    rest = self._set(values, name, rest, proc, long=False)
        return values, positional

    def _set(self, values, name, attached, proc, long):
        """Sets flag `name`; `attached` is what followed it in the same
        argument ("=v" for long flags). Returns the rest of a bundle of
        one-letter flags still to parse."""
        flag = self.by_name.get(name)
        if flag is None:
            if name in ("help", "h"):
                raise HelpRequested()
            raise UsageError("%s provided but not defined: %s" % (self.known_as, _with_minus(name)))
        if flag.kind == "bool" and not attached.startswith("="):
            values[flag.dest] = True
            return attached
        if attached:
            value = attached[1:] if long else attached
        elif proc:
            value = proc.pop(0)
        else:
            raise UsageError("%s needs an argument: %s" % (self.known_as, _with_minus(name)))
        try:
            if flag.kind == "bool":
                values[flag.dest] = go_parse_bool(value)
            elif flag.kind == "int":
                values[flag.dest] = go_parse_int(value)
            elif flag.kind == "value":
                values[flag.dest] = flag.setter(value)
            else:
                values[flag.dest] = value
        except ValueError as e:
            raise UsageError("invalid value %s for %s %s: %s" % (
                go_quote(value), self.known_as, _with_minus(name), e))
        return ""

    def help(self):
        lines = ["Usage: %s [options]%s" % (self.name, " " + self.args_doc if self.args_doc else ""),
                 "", "Summary:", self.purpose, "", "Options:"]
        seen = []
        for f in self.flags:
            if f in seen:
                continue
            seen.append(f)
            names = ", ".join(_with_minus(n) for n in sorted(f.names, key=len))
            if f.kind == "string":
                lines.append("%s (= %s)" % (names, go_quote(f.default)))
            else:
                default = {True: "true", False: "false"}.get(f.default, f.default)
                lines.append("%s  (= %s)" % (names, "" if default is None else default))
            lines.append("    " + f.doc)
        return "\n".join(lines) + "\n"


def write_output(ctx, opts, value, fmt=None):
    """cmd.Output.Write: format value with --format, to --output's file
    (relative to the working directory) or stdout."""
    text = formats.format_value(value, fmt or opts["format"])
    path = opts.get("output") or ""
    if path:
        path = os.path.abspath(os.path.expanduser(path))
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise CommandError("open %s: %s" % (path, (e.strerror or str(e)).lower()))
    else:
        ctx.stdout.write(text)


def run(command_fn, ctx):
    """juju/cmd Main: runs one tool, returns its exit status."""
    try:
        return command_fn(ctx) or 0
    except HelpRequested:
        ctx.stdout.write(ctx.command.help() if ctx.command else "")
        return 0
    except UsageError as e:
        ctx.stderr.write("ERROR %s\n" % e)
        return 2
    except CommandError as e:
        ctx.stderr.write("ERROR %s\n" % e)
        return 1


class Context:
    """What a tool sees: its name, arguments, environment, stdin/stdout
    and the model. `command` is set by the tool once it declares its
    flags (for --help)."""

    def __init__(self, tool, args, env=None, stdin=None, stdout=None, stderr=None, model=None):
        self.tool, self.args = tool, args
        self.env = os.environ if env is None else env
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.model = model
        self.command = None
        self.stdin_text = None  # what the tool read from stdin, for the record

    def new_command(self, args="", purpose=""):
        self.command = Command(self.tool, args, purpose)
        return self.command

    def read_stdin(self):
        if self.stdin_text is None:
            data = self.stdin.buffer.read() if hasattr(self.stdin, "buffer") else self.stdin.read()
            if isinstance(data, bytes):
                data = data.decode("utf-8", errors="replace")
            self.stdin_text = data
        return self.stdin_text
