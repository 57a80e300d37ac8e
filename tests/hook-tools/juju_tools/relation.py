"""relation-ids, relation-list, relation-get, relation-set
(juju/juju internal/worker/uniter/runner/jujuc/relation-*.go; which bags a
unit may read is the uniter facade's ReadSettings/ReadRemoteSettings in
apiserver/facades/agent/uniter/uniter.go)."""

from .cli import CommandError, UsageError, check_empty, go_quote, write_output
from .files import read_key_values_file
from .formats import GoStrings
from .keyvalues import parse_key_values
from .model import unit_application, valid_application, valid_unit

PERMISSION_DENIED = "permission denied"


def _relation_flag(c, model):
    c.value("r", "relation", dest="relation", default=model.default_relation_id(),
            setter=model.relation_id_setter(), doc="Specify a relation by id")


def relation_ids(ctx):
    """relation-ids [--format=json|yaml|smart] [-o FILE] [ENDPOINT]"""
    model = ctx.model
    hook = model.hook_relation()
    c = ctx.new_command("[<name>]" if hook else "<name>",
                        "List all relation IDs for the given endpoint.")
    c.output("smart")
    opts, args = c.parse(ctx.args)
    name = hook.get("endpoint", "") if hook else ""
    if args:
        name = args[0]
        args = args[1:]
    elif name == "":
        raise UsageError("no endpoint name specified")
    check_empty(args)
    result = sorted(model.fake_id(r) for r in model.relations()
                    if r.get("endpoint") == name and not r.get("broken"))
    write_output(ctx, opts, GoStrings(result))


def relation_list(ctx):
    """relation-list [--format=json|yaml|smart] [-o FILE] [-r|--relation ID] [--app]"""
    model = ctx.model
    c = ctx.new_command("", "list relation units")
    c.output("smart")
    _relation_flag(c, model)
    c.bool("app", doc="List remote application instead of participating units")
    opts, args = c.parse(ctx.args)
    if opts["relation"] == -1:
        raise UsageError("no relation id specified")
    check_empty(args)
    rel = model.relation(opts["relation"])
    if opts["app"]:
        write_output(ctx, opts, model.remote_app_of(rel))
        return
    write_output(ctx, opts, GoStrings(sorted(rel.get("remote-units") or {})))


def _target(model, opts, args):
    """relation-get's determineUnitOrAppName: the unit or application
    whose bag to read, and whether it is an application."""
    app_flag = opts["app"]
    if args:
        supplied = args.pop(0)
        if app_flag:
            if valid_application(supplied):
                return supplied, True
            if valid_unit(supplied):
                return unit_application(supplied), True
            return "", True  # Juju carries on with no name; the read then fails
        if not valid_unit(supplied):
            if valid_application(supplied):
                raise UsageError("expected unit name, got application name %s" % go_quote(supplied))
            raise UsageError("invalid unit name %s" % go_quote(supplied))
        return supplied, False
    if app_flag:
        name = model.remote_application()
        if not name:
            raise UsageError("no unit or application specified")
        return name, True
    if model.remote_unit():
        return model.remote_unit(), False
    if model.remote_application():
        return model.remote_application(), True
    raise UsageError("no unit or application specified")


def read_bag(model, rel, name, is_app):
    """The settings relation-get reads for unit or application `name`.
    Raises CommandError as Juju's API does."""
    me, my_app = model.unit(), model.application()
    peer = model.is_peer(rel)
    remote_app = model.remote_app_of(rel)
    if not is_app:
        if name == me:
            return rel.get("local-unit-data") or {}
        # ReadRemoteSettings: the unit's application must be in the relation.
        app = unit_application(name)
        if app != remote_app and app != my_app:
            raise CommandError(PERMISSION_DENIED)
        for section in ("remote-units", "other-units"):
            bags = rel.get(section) or {}
            if name in bags:
                return bags[name] or {}
        raise CommandError("cannot read settings for unit %s in relation %s: unit %s: "
                           "settings not found" % (go_quote(name), go_quote(model.relation_key(rel)),
                                                   go_quote(name)))
    if name == my_app:
        # The leader reads its own bag; others only in a peer relation.
        if model.is_leader() or peer:
            return rel.get("local-app-data") or {}
        raise CommandError(PERMISSION_DENIED)
    if name != remote_app or not name:
        raise CommandError(PERMISSION_DENIED)
    return rel.get("remote-app-data") or {}


def relation_get(ctx):
    """relation-get [--format=json|yaml|smart] [-o FILE] [-r|--relation ID] [--app]
    [KEY|-] [UNIT_OR_APP]"""
    model = ctx.model
    c = ctx.new_command("[<key> [<unit id>]]" if model.remote_unit() else "<key> <unit id>",
                        "Get relation settings.")
    c.output("smart")
    _relation_flag(c, model)
    c.bool("app", doc="Get the relation data for the overall application, not just a unit")
    opts, args = c.parse(ctx.args)
    if opts["relation"] == -1:
        raise UsageError("no relation id specified")
    key = ""
    if args:
        key = "" if args[0] == "-" else args[0]
        args = args[1:]
    name, is_app = _target(model, opts, args)
    check_empty(args)
    rel = model.relation(opts["relation"])
    bag = read_bag(model, rel, name, is_app)
    if key == "":
        write_output(ctx, opts, dict(bag))
    else:
        write_output(ctx, opts, bag.get(key))


def relation_set(ctx):
    """relation-set [-r|--relation ID] [--app] [--file FILE|-] [KEY=VALUE ...]
    An empty value deletes the key; --app needs leadership."""
    model = ctx.model
    c = ctx.new_command("key=value [key=value ...]", "set relation settings")
    _relation_flag(c, model)
    c.string("file", doc="file containing key-value pairs")
    c.bool("app", doc='pick whether you are setting "application" settings or "unit" settings')
    c.string("format", doc="deprecated format flag")
    opts, args = c.parse(ctx.args)
    if opts["relation"] == -1:
        raise UsageError("no relation id specified")
    settings = parse_key_values(args)
    if opts["format"]:
        ctx.stderr.write('--format flag deprecated for command "relation-set"')
    if opts["file"]:
        from_file = read_key_values_file(ctx, opts["file"])
        from_file.update(settings)
        settings = from_file
    rel = model.relation(opts["relation"])
    if opts["app"]:
        if not model.is_leader():
            raise CommandError("cannot write relation settings")
        bag = rel.setdefault("local-app-data", {})
    else:
        bag = rel.setdefault("local-unit-data", {})
    if bag is None:
        bag = rel["local-app-data" if opts["app"] else "local-unit-data"] = {}
    for k, v in settings.items():
        if v != "":
            bag[k] = v
        else:
            bag.pop(k, None)
