"""state-get, state-set, state-delete
(juju/juju internal/worker/uniter/runner/jujuc/state-*.go; the quota is
the uniter's HookContext.SetCharmStateValue with core/quota)."""

from .cli import CommandError, check_empty, go_quote, write_output
from .files import read_key_values_file
from .formats import NilMap
from .keyvalues import parse_key_values

MAX_KEY_SIZE = 256
MAX_VALUE_SIZE = 64 * 1024


def state_get(ctx):
    """state-get [--format=json|yaml|smart] [-o FILE] [--strict] [KEY|-]"""
    c = ctx.new_command("[<key>]", "print server-side-state value")
    c.output("smart")
    c.bool("strict", doc="Return an error if the requested key does not exist")
    opts, args = c.parse(ctx.args)
    key = ""
    if args:
        key = "" if args[0] == "-" else args[0]
        check_empty(args[1:])
    state = ctx.model.data.get("state") or {}
    if key == "":
        # An empty state is a nil map: JSON null, YAML and smart {}.
        write_output(ctx, opts, dict(state) if state else NilMap())
        return
    if key not in state:
        if opts["strict"]:
            raise CommandError("%s not found" % go_quote(key))
        write_output(ctx, opts, "")
        return
    write_output(ctx, opts, state[key])


def state_set(ctx):
    """state-set [--file FILE|-] [KEY=VALUE ...]"""
    c = ctx.new_command("key=value [key=value ...]", "set server-side-state values")
    c.string("file", doc="file containing key-value pairs")
    opts, args = c.parse(ctx.args)
    values = parse_key_values(args)
    if opts["file"]:
        from_file = read_key_values_file(ctx, opts["file"])
        from_file.update(values)
        values = from_file
    state = ctx.model.section("state", {})
    for key in sorted(values):
        value = values[key]
        if len(key.encode()) > MAX_KEY_SIZE:
            raise CommandError("max allowed key length (%d) exceeded" % MAX_KEY_SIZE)
        if len(value.encode()) > MAX_VALUE_SIZE:
            raise CommandError("max allowed value length (%d) exceeded" % MAX_VALUE_SIZE)
        state[key] = value


def state_delete(ctx):
    """state-delete <key>  (no key: does nothing)"""
    c = ctx.new_command("<key>", "delete server-side-state key value pair")
    _, args = c.parse(ctx.args)
    if not args:
        return
    check_empty(args[1:])
    key = args[0]
    if key == "":
        return
    state = ctx.model.data.get("state") or {}
    state.pop(key, None)
