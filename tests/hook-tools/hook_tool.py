#!/usr/bin/env python3
"""Stand-ins for Juju's hook tools, for tests only.

NOT Juju. On a real unit Juju puts its own `action-get`, `action-set`,
`action-log`, `action-fail` and `juju-log` on PATH; these stand in for them
in charmbox's end-to-end tests, so that a packed charm's `dispatch` can run
without a Juju controller. Each tool is a symlink to this file; the name it
is run under says which tool it is.

They follow the command-line contract of Juju's tools (flags, argument
checks, error text, exit status 2 for bad arguments) as far as charmbox uses
them:

  action-get [--format=json|yaml|smart] [KEY[.KEY...]]
  action-set KEY=VALUE [KEY=VALUE ...]
  action-log MESSAGE...
  action-fail [MESSAGE]
  juju-log [--debug] [-l|--log-level LEVEL] MESSAGE...

Environment:
  FAKE_JUJU_CALLS   file to append every call to, as one JSON array per line
                    (the tool's name, then its arguments)
  FAKE_JUJU_PARAMS  JSON file holding the action's params (default: {})
  FAKE_JUJU_FAIL    comma-separated tool names that fail: they write an
                    error to stderr and exit 1, as a tool does when it
                    cannot reach the unit agent
  FAKE_JUJU_HANG    comma-separated tool names that hang (sleep for ten
                    minutes) before doing anything
"""

import json
import os
import re
import sys
import time

# Juju's rule for each dotted segment of an action-set key.
KEY_RULE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
RESERVED_KEYS = ("stdout", "stdout-encoding", "stderr", "stderr-encoding")
DEFAULT_FAIL_MESSAGE = "action failed without reason given, check action for errors"


class UsageError(Exception):
    """Bad arguments: Juju's tools print `ERROR <message>` and exit 2."""


def go_quote(text):
    """Quotes like Go's %q, for the ASCII text the tests use."""
    return json.dumps(text, ensure_ascii=False)


def parse(args, value_flags=(), bool_flags=()):
    """Splits args into flags and positionals as Juju's flag parser does:
    flags may come anywhere, `--` ends them."""
    flags, positional = {}, []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            positional.extend(args[i:])
            break
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, eq, value = arg.lstrip("-").partition("=")
        if name in bool_flags:
            flags[name] = True
        elif name in value_flags:
            if not eq:
                if i >= len(args):
                    raise UsageError("flag needs an argument: " + arg)
                value = args[i]
                i += 1
            flags[value_flags[name]] = value
        else:
            raise UsageError("flag provided but not defined: " + arg.partition("=")[0])
    return flags, positional


def action_get(args):
    flags, keys = parse(args, value_flags={"format": "format", "o": "output", "output": "output"})
    if len(keys) > 1:
        raise UsageError("unrecognized args: [%s]" % " ".join(go_quote(k) for k in keys[1:]))
    fmt = flags.get("format", "smart")
    if fmt not in ("json", "yaml", "smart"):
        raise UsageError('invalid value "%s" for flag --format: unknown format "%s"' % (fmt, fmt))
    path = os.environ.get("FAKE_JUJU_PARAMS")
    params = {}
    if path:
        with open(path, encoding="utf-8") as f:
            params = json.load(f)
    value = params if params is not None else {}
    if keys:
        for segment in keys[0].split("."):
            if not isinstance(value, dict) or segment not in value:
                return 0  # nothing there: print nothing
            value = value[segment]
    if fmt == "json":
        print(json.dumps(value))
    elif isinstance(value, str):
        print(value)
    else:
        # Not real YAML, but enough for a reader of this stand-in.
        print(json.dumps(value, indent=2))
    return 0


def action_set(args):
    _, pairs = parse(args)
    for arg in pairs:
        key, eq, _ = arg.partition("=")
        if not eq:
            raise UsageError("argument %s must be of the form key...=value" % go_quote(arg))
        for segment in key.split("."):
            if not KEY_RULE.match(segment):
                raise UsageError(
                    "key %s must start and end with lowercase alphanumeric, and contain only "
                    "lowercase alphanumeric and hyphens" % go_quote(segment)
                )
            if segment in RESERVED_KEYS:
                raise UsageError("cannot set reserved action key %s" % go_quote(segment))
    return 0


def action_log(args):
    _, words = parse(args)
    if not words:
        raise UsageError("no message specified")
    return 0


def action_fail(args):
    _, words = parse(args)
    if len(words) > 1:
        raise UsageError("unrecognized args: [%s]" % " ".join(go_quote(w) for w in words[1:]))
    return 0


def juju_log(args):
    flags, words = parse(
        args,
        value_flags={"l": "log-level", "log-level": "log-level", "format": "format"},
        bool_flags=("debug",),
    )
    if not words:
        raise UsageError("no message specified")
    return 0


TOOLS = {
    "action-get": action_get,
    "action-set": action_set,
    "action-log": action_log,
    "action-fail": action_fail,
    "juju-log": juju_log,
}


def listed(variable, tool):
    return tool in [t.strip() for t in os.environ.get(variable, "").split(",")]


def main():
    tool = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    calls = os.environ.get("FAKE_JUJU_CALLS")
    if calls:
        with open(calls, "a", encoding="utf-8") as f:
            f.write(json.dumps([tool] + args) + "\n")
    if tool not in TOOLS:
        print("ERROR %s is not one of the stand-in hook tools" % tool, file=sys.stderr)
        return 1
    if listed("FAKE_JUJU_HANG", tool):
        time.sleep(600)
    if listed("FAKE_JUJU_FAIL", tool):
        print("ERROR %s failed: told to by FAKE_JUJU_FAIL" % tool, file=sys.stderr)
        return 1
    try:
        return TOOLS[tool](args)
    except UsageError as e:
        print("ERROR %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
