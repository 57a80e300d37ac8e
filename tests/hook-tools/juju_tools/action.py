"""action-get, action-set, action-log, action-fail
(juju/juju internal/worker/uniter/runner/jujuc/action-*.go)."""

import json
import re

from .cli import CommandError, UsageError, check_empty, go_quote, write_output

# charm.GetActionNameRule(): each dotted segment of an action-set key.
KEY_RULE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
RESERVED_KEYS = ("stdout", "stdout-encoding", "stderr", "stderr-encoding")
DEFAULT_FAIL_MESSAGE = "action failed without reason given, check action for errors"


def _action(ctx):
    return ctx.model.section("action", {})


def _params(ctx):
    """FAKE_JUJU_PARAMS if set, else the model's action.params, else {}."""
    path = ctx.env.get("FAKE_JUJU_PARAMS")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                params = json.load(f)
        except (OSError, ValueError) as e:
            raise CommandError("cannot read action params: %s" % e)
    else:
        params = (ctx.model.data.get("action") or {}).get("params")
    return {} if params is None else params


def action_get(ctx):
    """action-get [--format=json|yaml|smart] [-o FILE] [KEY[.KEY...]]"""
    c = ctx.new_command("[<key>[.<key>.<key>...]]", "Get action parameters.")
    c.output("smart")
    opts, args = c.parse(ctx.args)
    keys = None
    if args:
        check_empty(args[1:])
        keys = args[0].split(".")
    params = _params(ctx)
    value = params
    if keys:
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                value = None
                break
            value = value[key]
    write_output(ctx, opts, value)


def action_set(ctx):
    """action-set KEY[.KEY...]=VALUE ..."""
    c = ctx.new_command("<key>=<value> [<key>=<value> ...]", "Set action results.")
    _, args = c.parse(ctx.args)
    pairs = []
    for arg in args:
        key, eq, value = arg.partition("=")
        if not eq:
            raise UsageError("argument %s must be of the form key...=value" % go_quote(arg))
        segments = key.split(".")
        for segment in segments:
            if not KEY_RULE.match(segment):
                raise UsageError(
                    "key %s must start and end with lowercase alphanumeric, and contain only "
                    "lowercase alphanumeric and hyphens" % go_quote(segment))
            if segment in RESERVED_KEYS:
                raise UsageError('cannot set reserved action key "%s"' % segment)
        pairs.append((segments, value))
    if pairs and ctx.model.path:
        results = _action(ctx).setdefault("results", {})
        for segments, value in pairs:
            node = results
            for segment in segments[:-1]:
                if not isinstance(node.get(segment), dict):
                    node[segment] = {}
                node = node[segment]
            node[segments[-1]] = value


def action_log(ctx):
    """action-log MESSAGE..."""
    c = ctx.new_command("<message>", "Record a progress message for the current action.")
    _, args = c.parse(ctx.args)
    if not args:
        raise UsageError("no message specified")
    if ctx.model.path:
        _action(ctx).setdefault("log", []).append(" ".join(args))


def action_fail(ctx):
    """action-fail [MESSAGE]"""
    c = ctx.new_command("[\"<failure message>\"]", "Set action fail status with message.")
    _, args = c.parse(ctx.args)
    message = DEFAULT_FAIL_MESSAGE
    if args:
        message = args[0]
        check_empty(args[1:])
    if ctx.model.path:
        _action(ctx)["failed"] = message
