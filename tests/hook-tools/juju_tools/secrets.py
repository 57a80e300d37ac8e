"""secret-add, secret-set, secret-get, secret-ids, secret-info-get,
secret-grant, secret-revoke, secret-remove
(juju/juju internal/worker/uniter/runner/jujuc/secret-*.go; the rules are
the uniter's HookContext in internal/worker/uniter/runner/context/context.go,
the secrets manager facade in apiserver/facades/agent/secretsmanager and
core/secrets).

Who sees what (Juju 3.6):
* A unit "owns" the secrets owned by itself and, when it is the leader,
  those owned by its application: secret-ids, secret-info-get, secret-set,
  secret-remove, secret-grant and secret-revoke work on those.
* Any unit of the owning application, leader or not, may *read* an
  application-owned secret (secret-get, by URI or by the owner's label);
  other units need a grant (to their unit or their application).
* Every reader, owner or consumer, tracks a revision: the first secret-get
  tracks the latest revision and keeps returning it; --peek returns the
  latest this once; --refresh returns the latest and tracks it.
* A consumer may label a secret for itself (secret-get URI --label L) and
  then read it by that label; for an owner, URI plus a new --label
  relabels the secret (if it is the owner unit or the leader).
"""

import base64
import datetime
import json
import os
import re
import secrets as pysecrets

from .cli import CommandError, UsageError, check_empty, go_quote, write_output
from .formats import GoStrings, GoStruct, GoTime
from .model import application_tag, relation_tag, unit_application, unit_tag, valid_application, \
    valid_unit
from .yamlin import YamlError, load_string_map

NOT_LEADER = "this unit is not the leader"
PERMISSION_DENIED = "permission denied"
ROTATE_POLICIES = ("never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly")
KEY_RULE = re.compile(r"^([a-z](?:-?[a-z0-9]){2,})$")
MAX_VALUE_SIZE = 1000 * 1000
MAX_CONTENT_SIZE = 1000 * 1000
XID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
_UUID = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}")
_URI_PATH = re.compile(r"^((?P<source>[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})/)?"
                       r"(?P<id>[0-9a-z]{20})$")


# ------------------------------------------------------------ URIs ----

def parse_uri(text):
    """core/secrets.ParseURI: (source model UUID or "", ID). Raises
    ValueError with Juju's message."""
    rest = text.split("#", 1)[0]
    scheme = ""
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", rest)
    if m:
        scheme, rest = m.group(1).lower(), rest[m.end():]
    elif rest.startswith(":"):
        raise ValueError("parse %s: missing protocol scheme" % go_quote(text))
    rest = rest.split("?", 1)[0]
    host = path = opaque = ""
    if rest.startswith("//"):
        after = rest[2:]
        if "/" in after:
            host, tail = after.split("/", 1)
            path = "/" + tail
        else:
            host = after
    elif scheme and not rest.startswith("/"):
        opaque = rest
    else:
        path = rest
    if "%" in path:
        try:
            path = _unescape(path)
        except ValueError as e:
            raise ValueError("parse %s: invalid URL escape %s" % (go_quote(text), go_quote(str(e))))
    if scheme and scheme != "secret":
        raise ValueError("secret URI scheme %s not valid" % go_quote(scheme))
    if host and not _UUID.search(host):
        raise ValueError("host controller UUID %s not valid" % go_quote(host))
    ident = path.lstrip("/") or opaque
    m = _URI_PATH.match(ident)
    if not m or not _valid_xid(m.group("id")):
        raise ValueError("secret URI %s not valid" % go_quote(text))
    return (m.group("source") or host), m.group("id")


def _unescape(path):
    out = bytearray()
    i = 0
    raw = path.encode()
    while i < len(raw):
        if raw[i:i + 1] == b"%":
            chunk = raw[i:i + 3]
            if len(chunk) < 3 or not re.match(rb"^%[0-9a-fA-F]{2}$", chunk):
                raise ValueError(chunk.decode(errors="replace"))
            out.append(int(chunk[1:], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return out.decode(errors="replace")


def _valid_xid(ident):
    """rs/xid FromString: 20 base32hex characters whose last one carries no
    stray bits."""
    return len(ident) == 20 and all(c in XID_ALPHABET for c in ident) and ident[-1] in "0g"


def new_id():
    raw = pysecrets.token_bytes(12)
    return base64.b32hexencode(raw).decode().lower().rstrip("=")


def uri_string(source, ident):
    return "secret://%s/%s" % (source, ident) if source else "secret:" + ident


# ------------------------------------------------------- content ----

def go_b64decode(text):
    """base64.StdEncoding.DecodeString, with Go's error message."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    src = text.encode("utf-8", "surrogateescape")
    si = 0
    n = len(src)
    out = bytearray()
    while True:
        quantum = []
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise ValueError("illegal base64 data at input byte %d" % (si - j))
            c = chr(src[si])
            si += 1
            if c in alphabet:
                quantum.append(alphabet.index(c))
                j += 1
                continue
            if c in "\r\n":
                continue
            if c != "=" or j < 2:
                raise ValueError("illegal base64 data at input byte %d" % (si - 1))
            if j == 2:
                while si < n and chr(src[si]) in "\r\n":
                    si += 1
                if si == n:
                    raise ValueError("illegal base64 data at input byte %d" % n)
                if chr(src[si]) != "=":
                    raise ValueError("illegal base64 data at input byte %d" % (si - 1))
                si += 1
            while si < n and chr(src[si]) in "\r\n":
                si += 1
            if si < n:
                raise ValueError("illegal base64 data at input byte %d" % si)
            break
        bits = 0
        for q in quantum:
            bits = (bits << 6) | q
        bits <<= 6 * (4 - len(quantum))
        chunk = bits.to_bytes(3, "big")
        out.extend(chunk[:len(quantum) - 1] if len(quantum) < 4 else chunk)
        if len(quantum) < 4:
            return bytes(out)


def _b64(data):
    return base64.b64encode(data).decode()


def _encode_content(data):
    """core/secrets encodeBase64: `key#base64` values are kept as given,
    others are base64-encoded; keys must match Juju's rule; sizes are
    bounded."""
    out = {}
    total = 0
    for key, value in data.items():
        if key.endswith("#base64"):
            key = key[:-len("#base64")]
            encoded = value if isinstance(value, str) else value.decode()
        else:
            raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
            encoded = _b64(raw)
        if not KEY_RULE.match(key):
            raise ValueError("key %s not valid" % go_quote(key))
        if len(encoded) > MAX_VALUE_SIZE:
            raise ValueError("base64 encoded secret content for key %s too large: %d bytes"
                             % (go_quote(key), len(encoded)))
        out[key] = encoded
        total += len(encoded)
    if total > MAX_CONTENT_SIZE:
        raise ValueError("base64 encoded secret content too large: %d bytes" % total)
    return out


def create_secret_data(args):
    """core/secrets CreateSecretData: KEY=VALUE, KEY#base64=VALUE,
    KEY#file=PATH."""
    data = {}
    for val in args:
        stripped = val.rstrip("=")
        idx = stripped.find("=")
        if idx < 1:
            raise ValueError("key value %s not valid" % go_quote(val))
        key, value = val[:idx], val[idx + 1:]
        if not key.endswith("#file"):
            data[key] = value
            continue
        key = key[:-len("#file")]
        path = os.path.normpath(os.path.expanduser(value))
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0
        if size > MAX_VALUE_SIZE:
            raise ValueError("secret content in file %s too large: %d bytes" % (go_quote(path), size))
        try:
            with open(value, "rb") as f:
                data[key] = f.read()
        except OSError as e:
            raise ValueError("reading content for secret key %s: open %s: %s" % (
                go_quote(key), value, (e.strerror or str(e)).lower()))
    return _encode_content(data)


def read_secret_data(path):
    """core/secrets ReadSecretData: a JSON or YAML map in a file."""
    full = os.path.normpath(os.path.expanduser(path))
    try:
        size = os.stat(full).st_size
    except OSError:
        size = 0
    if size > MAX_CONTENT_SIZE:
        raise ValueError("secret content in file %s too large: %d bytes" % (go_quote(full), size))
    try:
        with open(full, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ValueError("open %s: %s" % (full, (e.strerror or str(e)).lower()))
    text = raw.decode("utf-8", "surrogateescape")
    attrs = None
    try:
        parsed = json.loads(text)
        if isinstance(parsed, dict) and all(isinstance(v, str) for v in parsed.values()):
            attrs = parsed
    except ValueError:
        pass
    if attrs is None:
        try:
            attrs = load_string_map(text, into="secrets.SecretData")
        except YamlError as e:
            raise ValueError(str(e))
    return _encode_content(attrs)


def decoded_values(content):
    """SecretValue.Values(): every value base64-decoded."""
    out = {}
    for k, v in content.items():
        try:
            out[k] = go_b64decode(v).decode("utf-8", "surrogateescape")
        except ValueError as e:
            raise CommandError(str(e))
    return out


def _checksum_key(content):
    return json.dumps(content, sort_keys=True)


# ---------------------------------------------------------- time ----

def _now(env):
    text = env.get("FAKE_JUJU_NOW")
    if text:
        parsed = _parse_rfc3339(text)
        if parsed:
            return parsed
    return datetime.datetime.now(datetime.timezone.utc)


def _parse_rfc3339(text, allow_no_zone=False):
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", text)
    if not m or (m.group(8) is None and not allow_no_zone) or (m.group(8) is None and m.group(7)):
        return None
    try:
        micro = int((m.group(7) or ".0")[1:7].ljust(6, "0"))
        zone = m.group(8) or "Z"
        if zone == "Z":
            tz = datetime.timezone.utc
        else:
            sign = 1 if zone[0] == "+" else -1
            tz = datetime.timezone(sign * datetime.timedelta(hours=int(zone[1:3]),
                                                             minutes=int(zone[4:6])))
        return datetime.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)),
                                 int(m.group(5)), int(m.group(6)), micro, tzinfo=tz)
    except ValueError:
        return None


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3,
                   "s": 1.0, "m": 60.0, "h": 3600.0}


def _parse_go_duration(text):
    """time.ParseDuration, in seconds; None when not valid."""
    s = text
    neg = False
    if s[:1] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0.0
    if not s:
        return None
    total = 0.0
    while s:
        m = re.match(r"^(\d*)(\.\d*)?", s)
        if not m or (not m.group(1) and (not m.group(2) or m.group(2) == ".")):
            return None
        number = float((m.group(1) or "0") + (m.group(2) or ""))
        s = s[m.end():]
        u = re.match(r"^([^\d.]+)", s)
        if not u or u.group(1) not in _DURATION_UNITS:
            return None
        total += number * _DURATION_UNITS[u.group(1)]
        s = s[u.end():]
    return -total if neg else total


def round_second(dt):
    """Go's t.Round(time.Second)."""
    if dt.microsecond >= 500000:
        dt += datetime.timedelta(seconds=1)
    return dt.replace(microsecond=0)


def format_time(dt):
    """time.Time as Go's RFC3339Nano, in UTC."""
    dt = dt.astimezone(datetime.timezone.utc)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        text += ("." + "%06d" % dt.microsecond).rstrip("0")
    return text + "Z"


def _parse_expire(spec, env):
    """secretUpsertCommand.Init's --expire: RFC 3339, or that without a
    zone (UTC), or a positive Go duration."""
    when = _parse_rfc3339(spec) or _parse_rfc3339(spec, allow_no_zone=True)
    if when is None:
        seconds = _parse_go_duration(spec)
        if seconds is None:
            raise UsageError("expire time or duration %s not valid" % go_quote(spec))
        if seconds <= 0:
            raise UsageError("negative expire duration %s not valid" % go_quote(spec))
        when = _now(env) + datetime.timedelta(seconds=seconds)
    return when


def _add_months(dt, months):
    """Go's AddDate(0, months, 0), which normalises (Jan 31 + 1 month is
    Mar 3 or 2)."""
    month0 = dt.month - 1 + months
    year, month = dt.year + month0 // 12, month0 % 12 + 1
    first = dt.replace(year=year, month=month, day=1)
    return first + datetime.timedelta(days=dt.day - 1)


def next_rotate_time(policy, now):
    if policy in ("", "never"):
        return None
    return {
        "hourly": lambda: now + datetime.timedelta(hours=1),
        "daily": lambda: now + datetime.timedelta(days=1),
        "weekly": lambda: now + datetime.timedelta(days=7),
        "monthly": lambda: _add_months(now, 1),
        "quarterly": lambda: _add_months(now, 3),
        "yearly": lambda: _add_months(now, 12),
    }[policy]()


# --------------------------------------------------------- model ----

def _secrets(model):
    return model.data.get("secrets") or []


def _find(model, ident):
    for s in _secrets(model):
        if s.get("id") == ident:
            return s
    return None


def _owner_kind(secret):
    return "unit" if "/" in secret.get("owner", "") else "application"


def _owned(model, secret):
    """GetOwnedSecretMetadataAsUnit: owned by this unit or its application
    (whether or not it is the leader)."""
    return secret.get("owner") in (model.unit(), model.application())


def _managed(model, secret):
    """In the unit's SecretMetadata(): owned by the unit, or by its
    application when it is the leader."""
    owner = secret.get("owner")
    return owner == model.unit() or (owner == model.application() and model.is_leader())


def _can_read(model, secret):
    if _owned(model, secret):
        return True
    targets = {unit_tag(model.unit()), application_tag(model.application())}
    return any(g.get("target") in targets and g.get("role", "view") in ("view", "manage")
               for g in secret.get("grants") or [])


def _latest(secret):
    if secret.get("latest-revision"):
        return secret["latest-revision"]
    revs = [r.get("revision", 0) for r in secret.get("revisions") or []]
    return max(revs) if revs else 0


def _revision(secret, number):
    for r in secret.get("revisions") or []:
        if r.get("revision") == number:
            return r
    return None


def _hook_error(model, message):
    """Something Juju only reports when it commits the hook's changes:
    the tool succeeds, the hook then fails."""
    model.section("hook-errors", []).append(message)


def _commit_check(model, secret, source, ident, tool):
    """Why Juju's controller refuses, at commit, a change to a secret the
    unit does not manage (secretsmanager canManage: not found, leadership,
    or ErrPerm)."""
    if secret is None:
        return "%s: secret %s not found" % (tool, go_quote(uri_string(source, ident)))
    if secret.get("owner") == model.application() and not model.is_leader():
        # core/leadership notLeaderError, from CanManage's leadership token.
        return "%s: %s is not leader of %s" % (
            tool, go_quote(model.unit()), go_quote(model.application()))
    return "%s: %s" % (tool, PERMISSION_DENIED)


def _metadata_display(model, secret):
    md = GoStruct()
    md["revision"] = _latest(secret)
    md["label"] = secret.get("label", "")
    md["owner"] = _owner_kind(secret)
    if secret.get("description"):
        md["description"] = secret["description"]
    if secret.get("rotate-policy"):
        md["rotation"] = secret["rotate-policy"]
    latest = _revision(secret, _latest(secret))
    if latest and latest.get("expire"):
        md["expiry"] = GoTime(latest["expire"])
    if secret.get("next-rotate"):
        md["rotates"] = GoTime(secret["next-rotate"])
    access = [GoStruct([("target", g.get("target", "")), ("scope", g.get("scope", "")),
                        ("role", g.get("role", "view"))])
              for g in secret.get("grants") or [] if g.get("role", "view") == "view"]
    if access:
        md["access"] = access
    return md


# ---------------------------------------------------------- tools ----

def _upsert_flags(c):
    c.string("expire", doc="Specifies either a duration or time when the secret should expire.")
    c.string("rotate", doc="Specifies the secret rotation policy.")
    c.string("description", doc="Specifies the secret description.")
    c.string("label", doc="Specifies a label used to identify the secret in hooks.")
    c.string("file", doc="Specifies a YAML file containing secret key values.")
    c.string("owner", default="application",
             doc="Specifies the owner of the secret, either the application or unit.")


def _upsert_init(ctx, opts, args):
    """secretUpsertCommand.Init."""
    expire = _parse_expire(opts["expire"], ctx.env) if opts["expire"] else None
    if opts["rotate"] and opts["rotate"] not in ROTATE_POLICIES:
        raise UsageError("rotate policy %s not valid" % go_quote(opts["rotate"]))
    if opts["owner"] not in ("application", "unit"):
        raise UsageError("secret owner %s not valid" % go_quote(opts["owner"]))
    try:
        data = create_secret_data(args)
        if opts["file"]:
            data.update(read_secret_data(opts["file"]))
    except ValueError as e:
        raise UsageError(str(e))
    return data, expire


def secret_add(ctx):
    """secret-add [--owner application|unit] [--label L] [--description D]
    [--expire T] [--rotate POLICY] [--file FILE] KEY[#base64|#file]=VALUE..."""
    model = ctx.model
    c = ctx.new_command("<key>[#base64]=<value> ...", "Adds a new secret.")
    _upsert_flags(c)
    opts, args = c.parse(ctx.args)
    if not args and not opts["file"]:
        raise UsageError("missing secret value or filename")
    data, expire = _upsert_init(ctx, opts, args)
    if not data:
        raise CommandError("empty secret value not valid")
    owner = model.unit() if opts["owner"] == "unit" else model.application()
    if opts["owner"] == "application" and not model.is_leader():
        raise CommandError(NOT_LEADER)
    label = opts["label"]
    if label and any(s.get("label") == label and s.get("owner") == owner for s in _secrets(model)):
        raise CommandError("secret with label %s already exists" % go_quote(label))
    now = _now(ctx.env)
    ident = new_id()
    policy = opts["rotate"] or "never"
    secret = {
        "id": ident,
        "owner": owner,
        "label": label,
        "description": opts["description"],
        "rotate-policy": policy,
        "next-rotate": format_time(next_rotate_time(policy, now)) if next_rotate_time(policy, now)
        else None,
        "latest-revision": 1,
        "revisions": [{"revision": 1, "content": data,
                       "expire": format_time(round_second(expire)) if expire else None}],
        "consumers": {},
        "grants": [],
    }
    model.section("secrets", []).append(secret)
    ctx.stdout.write(uri_string(model.model_uuid(), ident) + "\n")


def secret_set(ctx):
    """secret-set URI [--label L] [--description D] [--expire T] [--rotate P]
    [--file FILE] [KEY[#base64|#file]=VALUE...]"""
    model = ctx.model
    c = ctx.new_command("<ID> [key[#base64]=value...]", "Updates an existing secret.")
    _upsert_flags(c)
    opts, args = c.parse(ctx.args)
    if not args:
        raise UsageError("missing secret URI")
    try:
        source, ident = parse_uri(args[0])
    except ValueError as e:
        raise UsageError(str(e))
    data, expire = _upsert_init(ctx, opts, args[1:])
    secret = _find(model, ident)
    if secret is None or not _managed(model, secret):
        wants = data or opts["label"] or opts["description"] or opts["rotate"] or expire
        if wants:
            _hook_error(model, _commit_check(model, secret, source, ident, "secret-set"))
        return
    if _owner_kind(secret) == "application" and not model.is_leader():
        raise CommandError(NOT_LEADER)
    now = _now(ctx.env)
    latest = _revision(secret, _latest(secret))
    new_value = data and (latest is None or _checksum_key(latest.get("content") or {})
                          != _checksum_key(data))
    if opts["label"] and opts["label"] != secret.get("label"):
        if any(s is not secret and s.get("label") == opts["label"]
               and s.get("owner") == secret.get("owner") for s in _secrets(model)):
            _hook_error(model, "secret-set: secret with label %s already exists"
                        % go_quote(opts["label"]))
        else:
            secret["label"] = opts["label"]
    if opts["description"]:
        secret["description"] = opts["description"]
    if opts["rotate"]:
        secret["rotate-policy"] = opts["rotate"]
        nxt = next_rotate_time(opts["rotate"], now)
        secret["next-rotate"] = format_time(nxt) if nxt else None
    expire_text = format_time(round_second(expire)) if expire else None
    if new_value:
        number = _latest(secret) + 1
        secret.setdefault("revisions", []).append(
            {"revision": number, "content": data, "expire": expire_text})
        secret["latest-revision"] = number
    elif expire and latest is not None:
        latest["expire"] = expire_text


def _resolve_for_get(model, ident_arg, label):
    """Which secret secret-get reads, and the consumer label to record.
    Returns (secret or None, source, id, label_to_update)."""
    if ident_arg is not None:
        source, ident = ident_arg
        secret = _find(model, ident)
        if secret is not None and _owned(model, secret):
            if label and label != secret.get("label"):
                owner = secret.get("owner")
                if owner == model.unit() or model.is_leader():
                    secret["label"] = label
            return secret, source, ident, None
        return secret, source, ident, (label or None)
    # By label: the owner's label first (owned by this unit, or by its
    # application), then this unit's consumer labels.
    for s in _secrets(model):
        if _owned(model, s) and s.get("label") == label:
            return s, "", s["id"], None
    me = model.unit()
    for s in _secrets(model):
        consumer = (s.get("consumers") or {}).get(me) or {}
        if consumer.get("label") == label:
            return s, "", s["id"], None
    raise CommandError("consumer label %s not found" % go_quote(label))


def secret_get(ctx):
    """secret-get URI|--label L [--peek|--refresh] [--format=yaml|json] [-o FILE] [KEY[#base64]]"""
    model = ctx.model
    c = ctx.new_command("<ID> [key[#base64]]", "Gets the content of a secret.")
    c.output("yaml", ("yaml", "json"))
    c.string("label", doc="Specifies a label used to identify the secret in hooks.")
    c.bool("peek", doc="Gets the latest revision just this time.")
    c.bool("refresh", doc="Gets the latest revision and also gets this same revision for "
                          "subsequent calls.")
    opts, args = c.parse(ctx.args)
    ident_arg = None
    if args:
        try:
            ident_arg = parse_uri(args[0])
        except ValueError:
            raise UsageError("secret URI %s not valid" % go_quote(args[0]))
        args = args[1:]
    if ident_arg is None and not opts["label"]:
        raise UsageError("require either a secret URI or label")
    if opts["peek"] and opts["refresh"]:
        raise UsageError("specify one of --peek or --refresh but not both")
    key = ""
    if args:
        key = args[0]
        check_empty(args[1:])
    secret, source, ident, label_to_update = _resolve_for_get(model, ident_arg, opts["label"])
    if secret is None:
        raise CommandError("secret %s not found" % go_quote(uri_string(source, ident)))
    if not _can_read(model, secret):
        raise CommandError(PERMISSION_DENIED)
    # getConsumedRevision
    consumers = secret.setdefault("consumers", {})
    record = consumers.get(model.unit())
    refresh = opts["refresh"] or record is None
    want = record.get("revision", 0) if record else 0
    if refresh or opts["peek"]:
        want = _latest(secret)
    if refresh or label_to_update is not None:
        record = dict(record or {"revision": 0, "label": ""})
        if refresh:
            record["revision"] = _latest(secret)
        if label_to_update is not None:
            record["label"] = label_to_update
        consumers[model.unit()] = record
    revision = _revision(secret, want)
    if revision is None:
        raise CommandError("secret revision %s not found" % go_quote("%s/%d" % (ident, want)))
    content = revision.get("content") or {}
    if key == "":
        write_output(ctx, opts, decoded_values(content))
        return
    plain = key[:-len("#base64")] if key.endswith("#base64") else key
    if plain not in content:
        raise CommandError("secret key value %s not found" % go_quote(plain))
    if key.endswith("#base64"):
        write_output(ctx, opts, content[plain])
    else:
        write_output(ctx, opts, decoded_values({plain: content[plain]})[plain])


def secret_ids(ctx):
    """secret-ids [--format=json|yaml|smart] [-o FILE]: the IDs (not URIs)
    of the secrets this unit manages, sorted (Juju leaves them unsorted)."""
    model = ctx.model
    c = ctx.new_command("", "Prints secret IDs.")
    c.output("smart")
    opts, args = c.parse(ctx.args)
    check_empty(args)
    ids = sorted(s["id"] for s in _secrets(model) if _managed(model, s))
    write_output(ctx, opts, GoStrings(ids or None))


def secret_info_get(ctx):
    """secret-info-get URI|--label L [--format=yaml|json] [-o FILE]"""
    model = ctx.model
    c = ctx.new_command("<ID>", "Gets a secret's metadata info.")
    c.output("yaml", ("yaml", "json"))
    c.string("label", doc="Specifies a label used to identify the secret.")
    opts, args = c.parse(ctx.args)
    ident = None
    if args:
        try:
            _, ident = parse_uri(args[0])
        except ValueError:
            raise UsageError("secret URI %s not valid" % go_quote(args[0]))
        args = args[1:]
    if ident is None and not opts["label"]:
        raise UsageError("require either a secret URI or label")
    if ident is not None and opts["label"]:
        raise UsageError("specify either a secret URI or label but not both")
    check_empty(args)
    managed = [s for s in _secrets(model) if _managed(model, s)]
    if ident is not None:
        want = ident
        found = [s for s in managed if s["id"] == ident]
    else:
        want = opts["label"]
        found = [s for s in managed if s.get("label") == want]
    if not found:
        raise CommandError("secret %s not found" % go_quote(want))
    write_output(ctx, opts, GoStruct([(found[0]["id"], _metadata_display(model, found[0]))]))


def secret_grant(ctx):
    """secret-grant URI -r|--relation ID [--unit UNIT]"""
    model = ctx.model
    c = ctx.new_command("<ID>", "Grants access to a secret.")
    c.string("unit", doc="Specifies the unit to grant access.")
    c.value("r", "relation", dest="relation", default=model.default_relation_id(),
            setter=model.relation_id_setter(),
            doc="Specifies the relation with which to associate the grant.")
    opts, args = c.parse(ctx.args)
    if not args:
        raise UsageError("missing secret URI")
    try:
        _, ident = parse_uri(args[0])
    except ValueError as e:
        raise UsageError(str(e))
    if opts["relation"] == -1:
        raise UsageError("no relation id specified")
    rel = model.relation(opts["relation"])
    app = model.remote_app_of(rel)
    unit = opts["unit"]
    if unit:
        if not valid_unit(unit):
            raise UsageError("unit %s not valid" % go_quote(unit))
        if unit_application(unit) != app:
            raise UsageError("cannot specify unit %s in relation to application %s"
                             % (go_quote(unit), go_quote(app)))
    check_empty(args[1:])
    secret = _find(model, ident)
    if secret is None or not _managed(model, secret):
        raise CommandError("secret %s not found" % go_quote(ident))
    if _owner_kind(secret) == "application" and not model.is_leader():
        raise CommandError(NOT_LEADER)
    subject = unit_tag(unit) if unit else application_tag(app)
    scope = relation_tag(model.relation_key(rel))
    grants = secret.setdefault("grants", [])
    for g in grants:
        if g.get("scope") != scope or g.get("role", "view") != "view":
            continue
        if g.get("target") == subject:
            return
        if g.get("target", "").startswith("application-"):
            return  # the application already has access
        if subject.startswith("application-"):
            raise CommandError("any unit level grants need to be revoked before granting "
                               "access to the corresponding application")
    grants.append({"target": subject, "scope": scope, "role": "view"})


def secret_revoke(ctx):
    """secret-revoke URI [-r|--relation ID] [--app|--application APP] [--unit UNIT]"""
    model = ctx.model
    c = ctx.new_command("<ID>", "Revokes access to a secret.")
    c.string("app", "application", dest="app",
             doc="Specifies the application for which to revoke access.")
    c.string("unit", doc="Specifies the unit for which to revoke access.")
    c.value("r", "relation", dest="relation", default=model.default_relation_id(),
            setter=model.relation_id_setter(),
            doc="Specifies the relation for which to revoke the grant.")
    opts, args = c.parse(ctx.args)
    if not args:
        raise UsageError("missing secret URI")
    try:
        source, ident = parse_uri(args[0])
    except ValueError as e:
        raise UsageError(str(e))
    app, unit = opts["app"], opts["unit"]
    if app and not valid_application(app):
        raise UsageError("application %s not valid" % go_quote(app))
    if unit and not valid_unit(unit):
        raise UsageError("unit %s not valid" % go_quote(unit))
    if app and unit:
        raise UsageError("specify only one of application or unit")
    if opts["relation"] >= 0:
        rel = model.relation(opts["relation"])
        if app:
            raise UsageError("do not specify both relation and app")
        app = model.remote_app_of(rel)
    if not app and not unit:
        raise UsageError("missing relation or application or unit")
    check_empty(args[1:])
    secret = _find(model, ident)
    if secret is None or not _managed(model, secret):
        _hook_error(model, _commit_check(model, secret, source, ident, "secret-revoke"))
        return
    if _owner_kind(secret) == "application" and not model.is_leader():
        raise CommandError(NOT_LEADER)
    subject = unit_tag(unit) if unit else application_tag(app)
    secret["grants"] = [g for g in secret.get("grants") or [] if g.get("target") != subject]


def secret_remove(ctx):
    """secret-remove URI [--revision N]"""
    model = ctx.model
    c = ctx.new_command("<ID>", "Removes an existing secret.")
    c.int("revision", doc="Removes the specified revision.")
    opts, args = c.parse(ctx.args)
    if not args:
        raise UsageError("missing secret URI")
    try:
        source, ident = parse_uri(args[0])
    except ValueError as e:
        raise UsageError(str(e))
    check_empty(args[1:])
    secret = _find(model, ident)
    if secret is None or not _managed(model, secret):
        _hook_error(model, _commit_check(model, secret, source, ident, "secret-remove"))
        return
    if _owner_kind(secret) == "application" and not model.is_leader():
        raise CommandError(NOT_LEADER)
    revision = opts["revision"]
    if revision > 0:
        secret["revisions"] = [r for r in secret.get("revisions") or []
                               if r.get("revision") != revision]
        if secret["revisions"]:
            return
    model.data["secrets"] = [s for s in _secrets(model) if s is not secret]
