"""status-set, status-get, application-version-set
(juju/juju internal/worker/uniter/runner/jujuc/status-set.go,
status-get.go, application-version-set.go; the leadership rules are the
uniter's HookContext.SetApplicationStatus/ApplicationStatus in
internal/worker/uniter/runner/context/context.go)."""

from .cli import CommandError, UsageError, check_empty, go_quote, write_output

VALID_STATUS = ("maintenance", "blocked", "waiting", "active")
NOT_LEADER = "this unit is not the leader"


def _status(entry):
    entry = entry or {}
    return {
        "status": entry.get("status", "unknown"),
        "message": entry.get("message", ""),
        "data": entry.get("data") or {},
    }


def _details(entry, include_data):
    """status-get's toDetails."""
    details = {"status": entry["status"]}
    if include_data:
        details["status-data"] = dict(entry["data"])
        details["message"] = entry["message"]
    return details


def status_set(ctx):
    """status-set [--application] <maintenance|blocked|waiting|active> [MESSAGE]"""
    c = ctx.new_command("<maintenance | blocked | waiting | active> [message]",
                        "set status information")
    c.bool("application", doc="set this status for the application to which the unit "
                              "belongs if the unit is the leader")
    opts, args = c.parse(ctx.args)
    if not args:
        raise UsageError("invalid args, require <status> [message]")
    if args[0] not in VALID_STATUS:
        raise UsageError("invalid status %s, expected one of [%s]" % (
            go_quote(args[0]), " ".join(VALID_STATUS)))
    message = ""
    if len(args) > 1:
        message = args[1]
        check_empty(args[2:])
    entry = {"status": args[0], "message": message, "data": {}}
    if opts["application"]:
        if not ctx.model.is_leader():
            raise CommandError(NOT_LEADER)
        ctx.model.data["application-status"] = entry
    else:
        ctx.model.data["unit-status"] = entry


def status_get(ctx):
    """status-get [--format=json|yaml|smart] [-o FILE] [--include-data] [--application]"""
    c = ctx.new_command("[--include-data] [--application]", "Print status information.")
    c.output("smart")
    c.bool("include-data", dest="include_data", doc="print all status data")
    c.bool("application", doc="print status for all units of this application if this "
                              "unit is the leader")
    opts, args = c.parse(ctx.args)
    check_empty(args)
    model = ctx.model
    include = opts["include_data"]
    smart_plain = not include and opts["format"] == "smart"
    if opts["application"]:
        if not model.is_leader():
            raise CommandError("finding application status: " + NOT_LEADER)
        app = _status(model.data.get("application-status"))
        if smart_plain:
            write_output(ctx, opts, app["status"])
            return
        units = {model.unit(): _details(_status(model.data.get("unit-status")), include)}
        for name, entry in (model.data.get("peer-unit-statuses") or {}).items():
            units[name] = _details(_status(entry), include)
        details = _details(app, include)
        details["units"] = units
        write_output(ctx, opts, {"application-status": details})
        return
    unit = _status(model.data.get("unit-status"))
    if smart_plain:
        write_output(ctx, opts, unit["status"])
        return
    write_output(ctx, opts, _details(unit, include))


def application_version_set(ctx):
    """application-version-set <new-version>"""
    c = ctx.new_command("<new-version>", "specify which version of the application is deployed")
    _, args = c.parse(ctx.args)
    if not args:
        raise UsageError("no version specified")
    check_empty(args[1:])
    ctx.model.data["workload-version"] = args[0]
