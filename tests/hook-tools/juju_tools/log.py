"""juju-log (juju/juju internal/worker/uniter/runner/jujuc/juju-log.go)."""

from .cli import UsageError

# loggo.ParseLevel: case-insensitive; WARN is WARNING.
LEVELS = ("UNSPECIFIED", "TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def juju_log(ctx):
    """juju-log [--debug] [-l|--log-level LEVEL] [--format F] MESSAGE..."""
    c = ctx.new_command("<message>", "write a message to the juju log")
    c.bool("debug", doc="log at debug level")
    c.string("l", "log-level", dest="level", default="INFO",
             doc="Send log message at the given level")
    c.string("format", doc="deprecated format flag")
    opts, args = c.parse(ctx.args)
    if not args:
        raise UsageError("no message specified")
    message = " ".join(args)
    if opts["format"]:
        # Juju writes this without a newline.
        ctx.stderr.write('--format flag deprecated for command "juju-log"')
    entries = []
    level = "INFO"
    if opts["debug"]:
        level = "DEBUG"
    elif opts["level"]:
        wanted = opts["level"].upper()
        wanted = "WARNING" if wanted == "WARN" else wanted
        if wanted in LEVELS:
            level = wanted
        else:
            entries.append({"level": "WARNING",
                            "message": 'Specified log level of "%s" is not valid' % opts["level"]})
    rel = ctx.model.hook_relation()
    prefix = ctx.model.fake_id(rel) + ": " if rel else ""
    entries.append({"level": level, "message": prefix + message})
    if ctx.model.path:
        ctx.model.section("log", []).extend(entries)
