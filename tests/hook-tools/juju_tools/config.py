"""config-get (juju/juju internal/worker/uniter/runner/jujuc/config-get.go)."""

from .cli import UsageError, check_empty, go_quote, write_output


def settings(model):
    """The unit's config as Juju's ConfigSettings gives it: defaults
    overlaid with set values; an option with neither is nil."""
    config = model.data.get("config") or {}
    result = dict(config.get("defaults") or {})
    result.update(config.get("values") or {})
    return result


def config_get(ctx):
    """config-get [--format=json|yaml|smart] [-o FILE] [--all|-a] [KEY]"""
    c = ctx.new_command("[<key>]", "Print application configuration.")
    c.output("smart")
    c.bool("a", "all", dest="all", doc="print all keys")
    opts, args = c.parse(ctx.args)
    key = ""
    if args:
        key = args[0]
        if key and opts["all"]:
            raise UsageError("cannot use argument --all together with key %s" % go_quote(key))
        check_empty(args[1:])
    values = settings(ctx.model)
    if key == "":
        if not opts["all"]:
            values = {k: v for k, v in values.items() if v is not None}
        value = values
    else:
        value = values.get(key)
    write_output(ctx, opts, value)
