"""Test support: the helper's host imports faked.

``tests/fakes`` holds stand-ins for the modules componentize-py generates
(``wit_world``, ``wit_world.imports.*``, ``componentize_py_types``), with the
same types and signatures (``test_bindings.py`` holds them to the real
generated ones). Their functions land in a :class:`FakeHost`: a small model
of one unit that answers as Juju's hook tools do for what the tests need,
records every call, and checks each argument's type as the real bindings
would lower it (a wrong type is a ``TypeError`` here, a trap in a component).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Protocol, Set, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fakes"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

import wit_world  # noqa: E402  (the stand-in)
from componentize_py_types import Err  # noqa: E402
from wit_world.imports import _host as fake_host_slot  # noqa: E402
from wit_world.imports import context, log, ports, secret, status  # noqa: E402

UNIT = "db/0"
MODEL_UUID = "8c3ef5a1-0000-4000-8000-00000000cafe"


def world(*exports: str) -> None:
    """Makes the stand-in ``wit_world.WitWorld`` a world with these exports
    (Juju names: ``install``, ``snapshot-database``)."""

    def abstract(name: str) -> Any:
        def method(self: Any) -> None:
            raise NotImplementedError

        method.__name__ = name
        method.__isabstractmethod__ = True  # type: ignore[attr-defined]
        return method

    namespace = {e.replace("-", "_"): abstract(e.replace("-", "_")) for e in exports}
    wit_world.WitWorld = type("WitWorld", (Protocol,), namespace)  # type: ignore[misc]


def hook_event(name: str, **fields: Any) -> context.EventInfo:
    """The event the host gives for hook ``name``."""
    info = dict(
        name=name,
        is_action=False,
        relation=None,
        remote_unit=None,
        remote_app=None,
        departing_unit=None,
        secret_id=None,
        secret_label=None,
        secret_revision=None,
        storage_id=None,
        workload=None,
    )
    info.update(fields)
    return context.EventInfo(**info)


def action_event(name: str) -> context.EventInfo:
    return context.EventInfo(name, True, None, None, None, None, None, None, None, None, None)


def _is_pairs(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, tuple) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in value
    )


def _check(what: str, value: Any, ok: bool) -> None:
    if not ok:
        raise TypeError(f"{what}: {value!r} has the wrong type for the contract")


def _check_u32(what: str, value: Any) -> None:
    _check(what, value, isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**32)


def _check_opt_str(what: str, value: Any) -> None:
    _check(what, value, value is None or isinstance(value, str))


def _check_ref(value: Any) -> None:
    _check("secret", value, isinstance(value, (secret.SecretRef_Id, secret.SecretRef_Label)))
    _check("secret ref", value.value, isinstance(value.value, str))


def _check_options(value: Any) -> None:
    _check("options", value, isinstance(value, secret.SecretOptions))
    for name in ("label", "description", "expire"):
        _check_opt_str(name, getattr(value, name))
    _check("rotate", value.rotate, value.rotate is None or isinstance(value.rotate, secret.RotatePolicy))


@dataclass
class FakeRelation:
    endpoint: str
    app: str
    units: List[str]
    bags: Dict[str, Dict[str, str]] = field(default_factory=dict)


@dataclass
class FakeSecret:
    owner: str  # "application" or "unit"
    revisions: Dict[int, Dict[str, str]]
    label: Optional[str] = None
    description: Optional[str] = None
    expire: Optional[str] = None
    rotate: Optional[Any] = None
    tracked: Optional[int] = None
    consumer_label: Optional[str] = None
    grants: Set[Tuple[int, Optional[str]]] = field(default_factory=set)

    @property
    def latest(self) -> int:
        return max(self.revisions)


class FakeHost:
    """One unit's model, answering the contract's calls."""

    def __init__(self, unit: str = UNIT) -> None:
        self.unit = unit
        self.app = unit.split("/")[0]
        self.event: context.EventInfo = action_event("ping")
        self.params: Optional[Dict[str, Any]] = None
        self.results: Dict[str, str] = {}
        self.failure: Optional[str] = None
        self.action_log: List[str] = []
        self.config: Dict[str, Any] = {}
        self.leader = False
        self.unit_status = ("unknown", "")
        self.app_status = ("unknown", "")
        self.workload_version: Optional[str] = None
        self.log: List[Tuple[str, str]] = []
        self.state: Dict[str, str] = {}
        self.relations: Dict[int, FakeRelation] = {}
        self.secrets: Dict[str, FakeSecret] = {}
        self.ports: Set[Tuple[Any, int, int]] = set()
        self.deferred = False
        self.stdout = ""
        self.stderr = ""
        self.calls: List[Tuple[str, Tuple[Any, ...]]] = []
        self._next_secret = 1

    def install(self) -> "FakeHost":
        fake_host_slot.HOST = self
        return self

    def call(self, name: str, *args: Any) -> Any:
        self.calls.append((name, args))
        return getattr(self, "_" + name)(*args)

    def count(self, name: str) -> int:
        return sum(1 for n, _ in self.calls if n == name)

    def add_relation(self, relation_id: int, endpoint: str, app: str, units: List[str], bags: Optional[Dict[str, Dict[str, str]]] = None) -> FakeRelation:
        relation = FakeRelation(endpoint, app, units, bags or {})
        for member in [self.unit, self.app, app, *units]:
            relation.bags.setdefault(member, {})
        self.relations[relation_id] = relation
        return relation

    def add_secret(self, content: Dict[str, str], *, owner: str = "application", label: Optional[str] = None) -> str:
        uri = f"secret://{MODEL_UUID}/s{self._next_secret:019d}"
        self._next_secret += 1
        self.secrets[uri] = FakeSecret(owner=owner, revisions={1: dict(content)}, label=label)
        return uri

    # -- action ---------------------------------------------------------

    def _action_get(self, key: Optional[str]) -> Optional[str]:
        _check_opt_str("key", key)
        if not self.event.is_action:
            return None
        return json.dumps(self.params or {})

    def _action_set(self, results: List[Tuple[str, str]]) -> None:
        _check("results", results, _is_pairs(results))
        if not self.event.is_action:
            raise Err("action-set is not available outside an action")
        for key, _ in results:
            if key == "stdout" or not key.replace("-", "").replace(".", "").isalnum() or key != key.lower():
                raise Err(f'key "{key}" must start and end with lowercase alphanumeric')
        self.results.update(results)

    def _action_log(self, message: str) -> None:
        _check("message", message, isinstance(message, str))
        self.action_log.append(message)

    def _action_fail(self, message: str) -> None:
        _check("message", message, isinstance(message, str))
        self.failure = message

    # -- context --------------------------------------------------------

    def _unit_name(self) -> str:
        return self.unit

    def _model_name(self) -> str:
        return "test-model"

    def _model_uuid(self) -> str:
        return MODEL_UUID

    def _juju_version(self) -> str:
        return "3.6.1"

    def _event(self) -> context.EventInfo:
        return self.event

    def _defer(self) -> None:
        if self.event.is_action:
            raise Err(f"cannot defer action {self.event.name!r}")
        self.deferred = True

    # -- config, status, log ----------------------------------------------

    def _config_get(self, key: Optional[str]) -> Optional[str]:
        _check_opt_str("key", key)
        if key is None:
            return json.dumps(self.config)
        return json.dumps(self.config[key]) if key in self.config else None

    def _is_leader(self) -> bool:
        return self.leader

    def _status_set(self, kind: Any, message: str, application: bool) -> None:
        _check("status", kind, isinstance(kind, status.StatusKind))
        _check("message", message, isinstance(message, str))
        _check("application", application, isinstance(application, bool))
        if application:
            if not self.leader:
                raise Err("this unit is not the leader")
            self.app_status = (kind.name.lower(), message)
        else:
            self.unit_status = (kind.name.lower(), message)

    def _status_get(self, application: bool) -> Any:
        _check("application", application, isinstance(application, bool))
        if application:
            if not self.leader:
                raise Err("finding application status: this unit is not the leader")
            return status.StatusInfo(*self.app_status)
        return status.StatusInfo(*self.unit_status)

    def _application_version_set(self, version: str) -> None:
        _check("version", version, isinstance(version, str))
        self.workload_version = version

    def _juju_log(self, level: Any, message: str) -> None:
        _check("level", level, isinstance(level, log.Level))
        _check("message", message, isinstance(message, str))
        self.log.append((level.name, message))

    # -- state ------------------------------------------------------------

    def _state_get(self, key: str) -> Optional[str]:
        _check("key", key, isinstance(key, str))
        return self.state.get(key)

    def _state_list(self) -> List[Tuple[str, str]]:
        return sorted(self.state.items())

    def _state_set(self, pairs: List[Tuple[str, str]]) -> None:
        _check("pairs", pairs, _is_pairs(pairs))
        self.state.update(pairs)

    def _state_delete(self, key: str) -> None:
        _check("key", key, isinstance(key, str))
        self.state.pop(key, None)

    # -- relations ----------------------------------------------------------

    def _relation(self, relation_id: int) -> FakeRelation:
        _check_u32("relation-id", relation_id)
        if relation_id not in self.relations:
            raise Err(f'invalid value "{relation_id}" for option -r: relation not found')
        return self.relations[relation_id]

    def _relation_ids(self, endpoint: str) -> List[context.Relation]:
        _check("endpoint", endpoint, isinstance(endpoint, str))
        return [
            context.Relation(r.endpoint, rid)
            for rid, r in sorted(self.relations.items())
            if r.endpoint == endpoint
        ]

    def _relation_list(self, relation_id: int) -> List[str]:
        return sorted(self._relation(relation_id).units)

    def _relation_app(self, relation_id: int) -> str:
        return self._relation(relation_id).app

    def _relation_get(self, relation_id: int, member: str, app: bool) -> List[Tuple[str, str]]:
        relation = self._relation(relation_id)
        _check("member", member, isinstance(member, str))
        _check("app", app, isinstance(app, bool))
        peer = relation.app == self.app
        if app and member == self.app and not self.leader and not peer:
            raise Err("permission denied")
        if member not in relation.bags:
            raise Err(f'cannot read settings for unit "{member}": settings not found')
        return sorted(relation.bags[member].items())

    def _relation_set(self, relation_id: int, app: bool, pairs: List[Tuple[str, str]]) -> None:
        relation = self._relation(relation_id)
        _check("app", app, isinstance(app, bool))
        _check("pairs", pairs, _is_pairs(pairs))
        if app and not self.leader:
            raise Err("cannot write relation settings")
        bag = relation.bags[self.app if app else self.unit]
        for key, value in pairs:
            if value == "":
                bag.pop(key, None)
            else:
                bag[key] = value

    # -- secrets ------------------------------------------------------------

    def _find(self, ref: Any) -> Tuple[str, FakeSecret]:
        _check_ref(ref)
        if isinstance(ref, secret.SecretRef_Id):
            uri = ref.value
            if uri not in self.secrets:
                raise Err(f'secret "{uri}" not found')
            return uri, self.secrets[uri]
        for uri, s in self.secrets.items():
            if ref.value in (s.label, s.consumer_label):
                return uri, s
        raise Err(f'consumer label "{ref.value}" not found')

    def _secret_get(self, ref: Any, mode: Any, label: Optional[str]) -> List[Tuple[str, str]]:
        _check("mode", mode, isinstance(mode, secret.ReadMode))
        _check_opt_str("label", label)
        _, s = self._find(ref)
        if label is not None:
            s.consumer_label = label
        if mode == secret.ReadMode.PEEK:
            revision = s.latest
        elif mode == secret.ReadMode.REFRESH or s.tracked is None:
            revision = s.tracked = s.latest
        else:
            revision = s.tracked
        return sorted(s.revisions[revision].items())

    def _secret_add(self, content: List[Tuple[str, str]], options: Any, owner_unit: bool) -> str:
        _check("content", content, _is_pairs(content))
        _check_options(options)
        _check("owner-unit", owner_unit, isinstance(owner_unit, bool))
        if not owner_unit and not self.leader:
            raise Err("this unit is not the leader")
        uri = self.add_secret(dict(content), owner="unit" if owner_unit else "application", label=options.label)
        s = self.secrets[uri]
        s.description, s.expire, s.rotate = options.description, options.expire, options.rotate
        return uri

    def _secret_set(self, ref: Any, content: Optional[List[Tuple[str, str]]], options: Any) -> None:
        _check("content", content, content is None or _is_pairs(content))
        _check_options(options)
        _, s = self._find(ref)
        if content is not None and dict(content) != s.revisions[s.latest]:
            s.revisions[s.latest + 1] = dict(content)
        for name in ("label", "description", "expire", "rotate"):
            if getattr(options, name) is not None:
                setattr(s, name, getattr(options, name))

    def _secret_ids(self) -> List[str]:
        return sorted(self.secrets)

    def _secret_info_get(self, ref: Any) -> Any:
        uri, s = self._find(ref)
        return secret.SecretInfo(
            id=uri.rsplit("/", 1)[-1],
            label=s.label,
            description=s.description,
            revision=s.latest,
            rotation=s.rotate,
            expiry=s.expire,
            owner=s.owner,
        )

    def _secret_grant(self, ref: Any, relation_id: int, unit: Optional[str]) -> None:
        _check_u32("relation-id", relation_id)
        _check_opt_str("unit", unit)
        self._find(ref)[1].grants.add((relation_id, unit))

    def _secret_revoke(self, ref: Any, relation_id: int, unit: Optional[str]) -> None:
        _check_u32("relation-id", relation_id)
        _check_opt_str("unit", unit)
        self._find(ref)[1].grants.discard((relation_id, unit))

    def _secret_remove(self, ref: Any, revision: Optional[int]) -> None:
        if revision is not None:
            _check_u32("revision", revision)
        uri, s = self._find(ref)
        if revision is None:
            del self.secrets[uri]
        else:
            s.revisions.pop(revision, None)
            if not s.revisions:
                del self.secrets[uri]

    # -- ports --------------------------------------------------------------

    def _port(self, value: Any) -> Tuple[Any, int, int]:
        _check("ports", value, isinstance(value, ports.PortRange))
        _check("protocol", value.protocol, isinstance(value.protocol, ports.Protocol))
        for bound in (value.from_, value.to):
            _check("port", bound, isinstance(bound, int) and 0 <= bound <= 65535)
        return (value.protocol, value.from_, value.to)

    def _open_port(self, value: Any) -> None:
        self.ports.add(self._port(value))

    def _close_port(self, value: Any) -> None:
        self.ports.discard(self._port(value))

    def _opened_ports(self) -> List[Any]:
        return [ports.PortRange(p, f, t) for p, f, t in sorted(self.ports, key=lambda r: (r[0].value, r[1], r[2]))]


def run_export(world_class: type, name: str) -> Optional[str]:
    """Calls export ``name`` as the host would: ``None`` when it returns,
    the error string when it raises ``Err``. What it writes to stdout and
    stderr is kept in the FakeHost's ``stdout`` and ``stderr``."""
    host = fake_host_slot.host()
    method = getattr(world_class(), name.replace("-", "_"))
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            method()
    except Err as e:
        return e.value
    finally:
        host.stdout += out.getvalue()
        host.stderr += err.getvalue()
    return None
