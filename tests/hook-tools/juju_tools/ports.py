"""open-port, close-port, opened-ports
(juju/juju internal/worker/uniter/runner/jujuc/ports.go, opened-ports.go;
port ranges are core/network/portrange.go; the conflict rules are the
uniter's portRangeChangeRecorder in
internal/worker/uniter/runner/context/ports.go)."""

import re

from .cli import CommandError, UsageError, check_empty, go_quote, write_output
from .formats import GoStrings


class PortRange:
    def __init__(self, from_port, to_port, protocol):
        self.from_port, self.to_port, self.protocol = from_port, to_port, protocol

    def key(self):
        return (self.from_port, self.to_port, self.protocol)

    def __eq__(self, other):
        return self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    def __str__(self):
        proto = self.protocol.lower()
        if proto == "icmp":
            return proto
        if self.from_port == self.to_port:
            return "%d/%s" % (self.from_port, proto)
        return "%d-%d/%s" % (self.from_port, self.to_port, proto)

    def sort_key(self):
        # PortRange.LessThan: protocol, then from, then to.
        return (self.protocol, self.from_port, self.to_port)

    def conflicts_with(self, other):
        if self.protocol != other.protocol:
            return False
        return self.to_port >= other.from_port and other.to_port >= self.from_port

    def validate(self):
        proto = self.protocol.lower()
        if proto not in ("tcp", "udp", "icmp"):
            raise ValueError('invalid protocol %s, expected "tcp", "udp", or "icmp"' % go_quote(proto))
        if proto == "icmp":
            if self.from_port == self.to_port == -1:
                return
            raise ValueError('protocol "icmp" doesn\'t support any ports; got "%d"' % self.from_port)
        if self.from_port > self.to_port:
            raise ValueError("invalid port range %s" % self)
        if not (0 <= self.from_port <= 65535 and 0 <= self.to_port <= 65535):
            raise ValueError("port range bounds must be between 0 and 65535, got %d-%d"
                             % (self.from_port, self.to_port))


def _atoi(text, shown):
    if not re.match(r"^[+-]?\d+$", text):
        raise ValueError("invalid port %s: strconv.Atoi: parsing %s: invalid syntax"
                         % (go_quote(shown), go_quote(text)))
    value = int(text)
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError("invalid port %s: strconv.Atoi: parsing %s: value out of range"
                         % (go_quote(shown), go_quote(text)))
    return value


def parse_port_range(text):
    """network.ParsePortRange: PORT[/PROTO], FROM-TO[/PROTO], icmp."""
    protocol = "tcp"
    if "/" in text:
        text, protocol = text.split("/", 1)
    parts = text.split("-")
    if len(parts) > 2:
        raise ValueError("invalid port range %s" % go_quote(text))
    if len(parts) == 1:
        if parts[0] == "icmp":
            start = end = -1
        else:
            start = end = _atoi(parts[0], text)
    else:
        start = _atoi(parts[0], parts[0])
        end = _atoi(parts[1], parts[1])
    if start == -1:
        protocol = "icmp"
    pr = PortRange(start, end, protocol)
    pr.validate()
    return pr


def _grouped(model, section="opened-ports", unit_ports=None):
    """{endpoint: [PortRange]}; "" is every endpoint."""
    raw = unit_ports if unit_ports is not None else (model.data.get(section) or {})
    return {ep: [parse_port_range(p) for p in ranges] for ep, ranges in raw.items()}


def _store(model, grouped):
    model.data["opened-ports"] = {ep: [str(p) for p in ranges] for ep, ranges in grouped.items()
                                  if ranges}


def _check_conflict(endpoint, pr, unit, other_unit, ranges, me):
    """portRangeChangeRecorder.checkForConflict. Returns "exists" when the
    same range is already open for the endpoint."""
    for existing_ep, existing in ranges.items():
        for er in existing:
            if not pr.conflicts_with(er):
                continue
            if other_unit != me:
                raise CommandError("port range conflicts with %s (unit %s)" % (er, go_quote(other_unit)))
            if pr == er:
                if endpoint != existing_ep:
                    continue
                return "exists"
            raise CommandError("port range conflicts with %s (unit %s)" % (er, go_quote(other_unit)))
    return None


def _port_command(ctx, name, purpose):
    c = ctx.new_command("<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp", purpose)
    c.string("format", doc="(DEPRECATED) Specifies the format.")
    c.string("endpoints", doc="Specifies a comma-delimited list of application endpoints to "
                              "target with this operation.")
    opts, args = c.parse(ctx.args)
    if not args:
        raise UsageError("no port or range specified")
    try:
        pr = parse_port_range(args[0].lower())
    except ValueError as e:
        raise UsageError(str(e))
    check_empty(args[1:])
    if opts["format"]:
        ctx.stderr.write('--format flag deprecated for command "%s"' % name)
    endpoints = [""] if opts["endpoints"] == "" else [e.strip() for e in opts["endpoints"].split(",")]
    return pr, endpoints


def _validate_for_model(model, pr):
    if model.model_type() == "caas" and pr.from_port != pr.to_port:
        raise CommandError("port ranges are not supported for k8s applications, please specify "
                           "a single port")


def open_port(ctx):
    """open-port PORT[/PROTOCOL] | FROM-TO[/PROTOCOL] | icmp [--endpoints E1,E2]"""
    model = ctx.model
    pr, endpoints = _port_command(ctx, "open-port",
                                  "Registers a request to open a port or port range.")
    _validate_for_model(model, pr)
    me = model.unit()
    mine = _grouped(model)
    others = {u: _grouped(model, unit_ports=p) for u, p in (model.data.get("machine-ports") or {}).items()}
    for endpoint in endpoints:
        try:
            if _check_conflict(endpoint, pr, me, me, mine, me) == "exists":
                continue
            for other, ranges in others.items():
                _check_conflict(endpoint, pr, me, other, ranges, me)
        except CommandError as e:
            raise CommandError("cannot open %s (unit %s): %s" % (pr, go_quote(me), e))
        mine.setdefault(endpoint, []).append(pr)
    _store(model, mine)


def close_port(ctx):
    """close-port PORT[/PROTOCOL] | FROM-TO[/PROTOCOL] | icmp [--endpoints E1,E2]"""
    model = ctx.model
    pr, endpoints = _port_command(ctx, "close-port",
                                  "Registers a request to close a port or port range.")
    _validate_for_model(model, pr)
    me = model.unit()
    mine = _grouped(model)
    others = {u: _grouped(model, unit_ports=p) for u, p in (model.data.get("machine-ports") or {}).items()}
    for endpoint in endpoints:
        try:
            for other, ranges in others.items():
                _check_conflict(endpoint, pr, me, other, ranges, me)
            # Overlapping (not equal) ranges of this unit's own also refuse.
            for existing_ep, existing in mine.items():
                for er in existing:
                    if pr.conflicts_with(er) and pr != er:
                        raise CommandError("port range conflicts with %s (unit %s)" % (er, go_quote(me)))
        except CommandError as e:
            raise CommandError("cannot close %s (unit %s): %s" % (pr, go_quote(me), e))
        if pr in mine.get(endpoint, []):
            mine[endpoint] = [p for p in mine[endpoint] if p != pr]
    _store(model, mine)


def opened_ports(ctx):
    """opened-ports [--format=json|yaml|smart] [-o FILE] [--endpoints]"""
    model = ctx.model
    c = ctx.new_command("", "Lists all ports or port ranges opened by the unit.")
    c.output("smart")
    c.bool("endpoints", doc="Displays the list of target application endpoints for each port range.")
    opts, args = c.parse(ctx.args)
    check_empty(args)
    grouped = _grouped(model)
    if not opts["endpoints"]:
        unique = sorted({p for ranges in grouped.values() for p in ranges}, key=PortRange.sort_key)
        write_output(ctx, opts, GoStrings([str(p) for p in unique]))
        return
    by_range = {}
    for endpoint, ranges in grouped.items():
        for p in ranges:
            by_range.setdefault(p, set()).add(endpoint)
    results = []
    for p in sorted(by_range, key=PortRange.sort_key):
        eps = by_range[p]
        descr = "*" if "" in eps else ", ".join(sorted(eps))
        results.append("%s (%s)" % (p, descr))
    write_output(ctx, opts, GoStrings(results))
