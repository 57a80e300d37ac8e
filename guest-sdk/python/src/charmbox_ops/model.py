"""The Juju model as this unit sees it, shaped like ``ops.model``: the unit
and its application, config, status, relations and their databags, secrets,
ports and the unit's own state, each over the contract's imports.

Reads are made when first needed and kept for the rest of the handler run
(as ops keeps them for a hook); leadership is asked each time, as ops asks.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import re
from typing import (
    Any,
    ClassVar,
    Dict,
    Iterator,
    List,
    Mapping,
    MutableMapping,
    Optional,
    Set,
    Tuple,
    Union,
)

from . import _host
from .errors import (
    InvalidStatusError,
    ModelError,
    RelationDataAccessError,
    RelationDataTypeError,
    TooManyRelatedAppsError,
)

__all__ = [
    "ActiveStatus",
    "Application",
    "BlockedStatus",
    "ConfigData",
    "ErrorStatus",
    "MaintenanceStatus",
    "Model",
    "Port",
    "Relation",
    "RelationData",
    "RelationDataContent",
    "RelationMapping",
    "Secret",
    "SecretInfo",
    "SecretRotate",
    "StatusBase",
    "UnitState",
    "Unit",
    "UnknownStatus",
    "WaitingStatus",
]


class Model:
    """The model as this unit sees it (``self.model`` in a charm)."""

    def __init__(self, *, remote_unit_name: Optional[str] = None) -> None:
        self._entities: Dict[Tuple[type, str], Union["Unit", "Application"]] = {}
        self._unit = self.get_unit(_host.interface("context").unit_name())
        self._config: Optional[ConfigData] = None
        self._relations = RelationMapping(self, remote_unit_name)
        self._name: Optional[str] = None
        self._uuid: Optional[str] = None
        self._juju_version: Optional[str] = None

    @property
    def unit(self) -> "Unit":
        """This unit."""
        return self._unit

    @property
    def app(self) -> "Application":
        """This unit's application."""
        return self._unit.app

    @property
    def config(self) -> "ConfigData":
        """The application's config (``config-get``), read once per run."""
        if self._config is None:
            self._config = ConfigData()
        return self._config

    @property
    def relations(self) -> "RelationMapping":
        """The relations on each endpoint: ``model.relations["db"]``."""
        return self._relations

    @property
    def name(self) -> str:
        """The model's name."""
        if self._name is None:
            self._name = _host.interface("context").model_name()
        return self._name

    @property
    def uuid(self) -> str:
        """The model's UUID."""
        if self._uuid is None:
            self._uuid = _host.interface("context").model_uuid()
        return self._uuid

    @property
    def juju_version(self) -> str:
        """The Juju version the unit agent runs (``3.6.1``)."""
        if self._juju_version is None:
            self._juju_version = _host.interface("context").juju_version()
        return self._juju_version

    def get_unit(self, unit_name: str) -> "Unit":
        """The unit named ``unit_name`` (the same object each time)."""
        return self._entity(Unit, unit_name)  # type: ignore[return-value]

    def get_app(self, app_name: str) -> "Application":
        """The application named ``app_name`` (the same object each time)."""
        return self._entity(Application, app_name)  # type: ignore[return-value]

    def _entity(self, kind: type, name: str) -> Union["Unit", "Application"]:
        key = (kind, name)
        entity = self._entities.get(key)
        if entity is None:
            entity = kind(name, self)
            self._entities[key] = entity
        return entity

    def get_relation(
        self, relation_name: str, relation_id: Optional[int] = None
    ) -> Optional["Relation"]:
        """The relation on endpoint ``relation_name`` with ``relation_id``; or,
        without an id, its only relation (``None`` when there is none;
        :class:`TooManyRelatedAppsError` when there are several)."""
        return self._relations._get_unique(relation_name, relation_id)

    def get_secret(self, *, id: Optional[str] = None, label: Optional[str] = None) -> "Secret":
        """The secret with URI ``id`` or label ``label``, its content read
        (``secret-get``). With both, it is read by URI and ``label`` becomes
        this unit's label for it, as in ops."""
        if not (id or label):
            raise TypeError("Must provide an id or label, or both")
        if id is not None:
            id = Secret._canonicalize_id(id, self.uuid)
        secret = Secret(self, id=id, label=label)
        secret._content = secret._get(_host.interface("secret").ReadMode.TRACKED, label if id else None)
        return secret


class Application:
    """An application: this unit's, or one it is related to."""

    def __init__(self, name: str, model: Model) -> None:
        self.name = name
        """The application's name (``mysql``)."""
        self._model = model
        self._status: Optional[StatusBase] = None

    def _is_ours(self) -> bool:
        return self.name == self._model.unit.app.name

    @property
    def status(self) -> "StatusBase":
        """The application's status: read and set by the leader only (a
        ``RuntimeError`` otherwise, as in ops); another application's is
        always unknown."""
        if not self._is_ours():
            return UnknownStatus()
        if not self._model.unit.is_leader():
            raise RuntimeError("cannot get application status as a non-leader unit")
        if self._status is None:
            self._status = _status_get(application=True)
        return self._status

    @status.setter
    def status(self, value: "StatusBase") -> None:
        if not isinstance(value, StatusBase):
            raise InvalidStatusError(
                f"invalid value provided for application {self} status: {value}"
            )
        if not self._is_ours():
            raise RuntimeError(f"cannot set status for a remote application {self}")
        if not self._model.unit.is_leader():
            raise RuntimeError("cannot set application status as a non-leader unit")
        _status_set(value, application=True)
        self._status = value

    def add_secret(
        self,
        content: Dict[str, str],
        *,
        label: Optional[str] = None,
        description: Optional[str] = None,
        expire: Union[datetime.datetime, datetime.timedelta, str, None] = None,
        rotate: Optional["SecretRotate"] = None,
    ) -> "Secret":
        """A new secret owned by this application (leader only, as Juju
        says), with ``content`` as its first revision."""
        return Secret._add(self._model, content, label, description, expire, rotate, owner_unit=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Application) and other.name == self.name

    def __hash__(self) -> int:
        return hash((Application, self.name))

    def __repr__(self) -> str:
        return f"<charmbox_ops.model.Application {self.name}>"


class Unit:
    """A unit: this one, another of its application, or a related one."""

    def __init__(self, name: str, model: Model) -> None:
        self.name = name
        """The unit's name (``mysql/0``)."""
        self.app = model.get_app(name.split("/")[0])
        """The unit's application."""
        self._model = model
        self._status: Optional[StatusBase] = None
        self._state: Optional[UnitState] = None

    def _is_ours(self) -> bool:
        return self is self._model.unit or self.name == self._model.unit.name

    def _ours_only(self, what: str) -> None:
        if not self._is_ours():
            raise RuntimeError(f"cannot {what} for a remote unit {self}")

    @property
    def status(self) -> "StatusBase":
        """This unit's status (``status-get``, ``status-set``): set it to an
        :class:`ActiveStatus`, :class:`BlockedStatus`,
        :class:`MaintenanceStatus` or :class:`WaitingStatus`. Another unit's
        is always unknown."""
        if not self._is_ours():
            return UnknownStatus()
        if self._status is None:
            self._status = _status_get(application=False)
        return self._status

    @status.setter
    def status(self, value: "StatusBase") -> None:
        if not isinstance(value, StatusBase):
            raise InvalidStatusError(f"invalid value provided for unit {self} status: {value}")
        self._ours_only("set status")
        _status_set(value, application=False)
        self._status = value

    def is_leader(self) -> bool:
        """Whether this unit leads its application now (``is-leader``); not
        kept, since leadership can change during a run."""
        if not self._is_ours():
            raise RuntimeError(
                f"leadership status of remote units ({self}) is not visible to other applications"
            )
        return bool(_host.call("status", "is_leader"))

    def set_workload_version(self, version: str) -> None:
        """The workload's version, shown by ``juju status``
        (``application-version-set``)."""
        if not isinstance(version, str):
            raise TypeError(
                f"workload version must be a str, not {type(version).__name__}: {version!r}"
            )
        self._ours_only("set the workload version")
        _host.call("status", "application_version_set", version)

    def add_secret(
        self,
        content: Dict[str, str],
        *,
        label: Optional[str] = None,
        description: Optional[str] = None,
        expire: Union[datetime.datetime, datetime.timedelta, str, None] = None,
        rotate: Optional["SecretRotate"] = None,
    ) -> "Secret":
        """A new secret owned by this unit (see :meth:`Application.add_secret`)."""
        self._ours_only("add a secret")
        return Secret._add(self._model, content, label, description, expire, rotate, owner_unit=True)

    def open_port(self, protocol: str, port: Optional[int] = None, *, to_port: Optional[int] = None) -> None:
        """Opens ``port`` (or ``port``–``to_port``) for ``"tcp"`` or
        ``"udp"``, or ``"icmp"`` with no port (``open-port``)."""
        self._ours_only("open a port")
        _host.call("ports", "open_port", _port_range(protocol, port, to_port))

    def close_port(self, protocol: str, port: Optional[int] = None, *, to_port: Optional[int] = None) -> None:
        """Closes a port opened with :meth:`open_port` (``close-port``)."""
        self._ours_only("close a port")
        _host.call("ports", "close_port", _port_range(protocol, port, to_port))

    def opened_ports(self) -> Set["Port"]:
        """The ports this unit has open (``opened-ports``)."""
        self._ours_only("list opened ports")
        ports = _host.interface("ports")
        opened = set()
        for r in _host.call("ports", "opened_ports"):
            protocol = r.protocol.name.lower()
            if r.protocol == ports.Protocol.ICMP:
                opened.add(Port(protocol, None))
            elif r.from_ == r.to:
                opened.add(Port(protocol, r.from_))
            else:
                opened.add(Port(protocol, r.from_, r.to))
        return opened

    def set_ports(self, *ports: Union[int, "Port"]) -> None:
        """Opens exactly ``ports`` (an ``int`` is a TCP port), closing the
        others, as ops does."""
        existing = self.opened_ports()
        desired = {Port("tcp", p) if isinstance(p, int) else p for p in ports}
        for p in existing - desired:
            self.close_port(p.protocol, p.port, to_port=p.to_port)
        for p in desired - existing:
            self.open_port(p.protocol, p.port, to_port=p.to_port)

    @property
    def state(self) -> "UnitState":
        """This unit's own key/value state, kept by Juju between hooks and
        across the unit's machines or pods (``state-get``/``-set``/``-delete``)."""
        self._ours_only("read state")
        if self._state is None:
            self._state = UnitState()
        return self._state

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unit) and other.name == self.name

    def __hash__(self) -> int:
        return hash((Unit, self.name))

    def __repr__(self) -> str:
        return f"<charmbox_ops.model.Unit {self.name}>"


# ---------------------------------------------------------------------------
# Status


class StatusBase:
    """A workload status; use :class:`ActiveStatus`, :class:`BlockedStatus`,
    :class:`MaintenanceStatus` or :class:`WaitingStatus`."""

    _statuses: ClassVar[Dict[str, type]] = {}
    name: ClassVar[str]

    def __init__(self, message: str = "") -> None:
        if self.__class__ is StatusBase:
            raise TypeError("cannot instantiate a base class")
        self.message = message

    def __init_subclass__(cls) -> None:
        StatusBase._statuses[cls.name] = cls

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self.message == other.message

    def __hash__(self) -> int:
        return hash((self.name, self.message))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.message!r})"

    @classmethod
    def from_name(cls, name: str, message: str) -> "StatusBase":
        """The status named ``name`` with ``message`` (``unknown`` has none)."""
        if name == "unknown":
            return UnknownStatus()
        try:
            return cls._statuses[name](message)
        except KeyError:
            raise ModelError(f"unknown status {name!r}") from None


class UnknownStatus(StatusBase):
    """No status set yet. Read only: setting it is an error."""

    name = "unknown"

    def __init__(self) -> None:
        super().__init__("")

    def __repr__(self) -> str:
        return "UnknownStatus()"


class ErrorStatus(StatusBase):
    """A hook failed. Read only: setting it is an error."""

    name = "error"


class ActiveStatus(StatusBase):
    """Ready and doing its job."""

    name = "active"


class BlockedStatus(StatusBase):
    """Needs an operator to act."""

    name = "blocked"


class MaintenanceStatus(StatusBase):
    """Busy with work of its own (installing, reconfiguring)."""

    name = "maintenance"


class WaitingStatus(StatusBase):
    """Waiting on a related application."""

    name = "waiting"


def _status_set(value: StatusBase, application: bool) -> None:
    status = _host.interface("status")
    settable = {
        "maintenance": status.StatusKind.MAINTENANCE,
        "blocked": status.StatusKind.BLOCKED,
        "waiting": status.StatusKind.WAITING,
        "active": status.StatusKind.ACTIVE,
    }
    kind = settable.get(value.name)
    if kind is None:
        # Juju's status-set wording.
        raise InvalidStatusError(
            f'invalid status "{value.name}", expected one of '
            "[maintenance blocked waiting active]"
        )
    _host.call("status", "status_set", kind, str(value.message), application)


def _status_get(application: bool) -> StatusBase:
    info = _host.call("status", "status_get", application)
    return StatusBase.from_name(info.status, info.message)


# ---------------------------------------------------------------------------
# Config and state


class ConfigData(Mapping[str, Union[bool, int, float, str]]):
    """The application's config: each option that has a value (set, or its
    default), typed as its ``config:`` declaration says."""

    def __init__(self) -> None:
        text = _host.call("config", "config_get", None)
        data = json.loads(text) if text else {}
        if not isinstance(data, dict):
            raise ModelError(f"config-get gave {type(data).__name__}, not an object")
        self._data: Dict[str, Any] = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)


class UnitState(MutableMapping[str, str]):
    """This unit's key/value state (``state-get``, ``state-set``,
    ``state-delete``). Each access is a host call; values are strings (an
    empty string is a value, as in Juju)."""

    def __getitem__(self, key: str) -> str:
        value = _host.call("state", "state_get", key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: str) -> None:
        self.update({key: value})

    def update(self, other: Any = (), /, **kwargs: str) -> None:  # type: ignore[override]
        """Sets every pair in one ``state-set``: all or nothing."""
        pairs = list(dict(other, **kwargs).items())
        for key, value in pairs:
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(
                    f"unit state keys and values must be strings, not {key!r}: {value!r}"
                )
        if pairs:
            _host.call("state", "state_set", pairs)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        _host.call("state", "state_delete", key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _host.call("state", "state_get", key) is not None

    def _all(self) -> Dict[str, str]:
        return dict(_host.call("state", "state_list"))

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


# ---------------------------------------------------------------------------
# Relations


class RelationMapping:
    """The relations on each of the charm's endpoints:
    ``model.relations["db"]`` is a list of :class:`Relation` (empty when the
    endpoint has none). The component does not see the charm's metadata, so
    the endpoints cannot be listed."""

    def __init__(self, model: Model, remote_unit_name: Optional[str]) -> None:
        self._model = model
        self._remote_unit_name = remote_unit_name
        self._by_endpoint: Dict[str, List[Relation]] = {}

    def __getitem__(self, endpoint: str) -> List["Relation"]:
        relations = self._by_endpoint.get(endpoint)
        if relations is None:
            relations = [
                Relation(r.endpoint, r.id, self._model, self._remote_unit_name)
                for r in _host.call("relation", "relation_ids", endpoint)
            ]
            self._by_endpoint[endpoint] = relations
        return relations

    def _get_unique(self, endpoint: str, relation_id: Optional[int]) -> Optional["Relation"]:
        if relation_id is not None:
            if not isinstance(relation_id, int):
                raise ModelError(
                    f"relation id {relation_id} must be int or None, "
                    f"not {type(relation_id).__name__}"
                )
            for relation in self[endpoint]:
                if relation.id == relation_id:
                    return relation
            # A relation that has gone (relation-broken) keeps its data readable.
            return Relation(endpoint, relation_id, self._model, self._remote_unit_name, active=False)
        relations = self[endpoint]
        if not relations:
            return None
        if len(relations) > 1:
            raise TooManyRelatedAppsError(endpoint, len(relations), 1)
        return relations[0]

    def __repr__(self) -> str:
        return f"<charmbox_ops.model.RelationMapping {self._by_endpoint!r}>"


class Relation:
    """A relation between this application and another (or itself, for a
    peer relation)."""

    def __init__(
        self,
        name: str,
        relation_id: int,
        model: Model,
        remote_unit_name: Optional[str] = None,
        *,
        active: bool = True,
    ) -> None:
        self.name = name
        """The local endpoint (``db``)."""
        self.id = relation_id
        """The relation's id."""
        self.active = active
        """``False`` in the ``-relation-broken`` hook of this relation."""
        self._model = model
        self._remote_unit_name = remote_unit_name
        self._units: Optional[Set[Unit]] = None
        self._app: Optional[Application] = None
        self._data: Optional[RelationData] = None

    @property
    def units(self) -> Set[Unit]:
        """The remote units in the relation now (``relation-list``)."""
        if self._units is None:
            self._units = {
                self._model.get_unit(name)
                for name in _host.call("relation", "relation_list", self.id)
            }
        return self._units

    @property
    def app(self) -> Application:
        """The remote application (this application, for a peer relation)."""
        if self._app is None:
            units = self.units
            if units:
                self._app = next(iter(units)).app
            else:
                self._app = self._model.get_app(_host.call("relation", "relation_app", self.id))
        return self._app

    @property
    def data(self) -> "RelationData":
        """The databags: ``relation.data[self.unit]``,
        ``relation.data[self.app]``, ``relation.data[remote_unit]``,
        ``relation.data[relation.app]``."""
        if self._data is None:
            self._data = RelationData(self)
        return self._data

    def _remote_unit(self) -> Optional[Unit]:
        """The event's remote unit, when it belongs to this relation (a
        departing unit is no longer in :attr:`units` but its bag stays
        readable)."""
        if self._remote_unit_name is None:
            return None
        unit = self._model.get_unit(self._remote_unit_name)
        return unit if unit.app == self.app else None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Relation) and (other.name, other.id) == (self.name, self.id)

    def __hash__(self) -> int:
        return hash((Relation, self.name, self.id))

    def __repr__(self) -> str:
        return f"<charmbox_ops.model.Relation {self.name}:{self.id}>"


class RelationData(Mapping[Union[Unit, Application], "RelationDataContent"]):
    """The databags of a relation, by unit or application."""

    def __init__(self, relation: Relation) -> None:
        model = relation._model
        entities: List[Union[Unit, Application]] = [model.unit, model.app]
        entities.extend(sorted(relation.units, key=lambda u: u.name))
        entities.append(relation.app)
        remote = relation._remote_unit()
        if remote is not None:
            entities.append(remote)
        self._bags: Dict[Union[Unit, Application], RelationDataContent] = {}
        for entity in entities:
            if entity not in self._bags:
                self._bags[entity] = RelationDataContent(relation, entity)

    def __getitem__(self, key: Union[Unit, Application]) -> "RelationDataContent":
        return self._bags[key]

    def __iter__(self) -> Iterator[Union[Unit, Application]]:
        return iter(self._bags)

    def __len__(self) -> int:
        return len(self._bags)

    def __repr__(self) -> str:
        return repr(self._bags)


class RelationDataContent(MutableMapping[str, str]):
    """One databag, read once (``relation-get``) and written through
    (``relation-set``), with Juju's rules checked first as ops checks them:
    any unit's bag is readable; an application's own bag only by its leader
    (or in a peer relation); only this unit's bag, and this application's
    when leader, are writable. An empty value deletes the key."""

    def __init__(self, relation: Relation, entity: Union[Unit, Application]) -> None:
        self.relation = relation
        self._entity = entity
        self._is_app = isinstance(entity, Application)
        self._cache: Optional[Dict[str, str]] = None

    @property
    def _model(self) -> Model:
        return self.relation._model

    def _data(self) -> Dict[str, str]:
        if self._cache is None:
            self._validate_read()
            self._cache = dict(
                _host.call("relation", "relation_get", self.relation.id, self._entity.name, self._is_app)
            )
        return self._cache

    def _validate_read(self) -> None:
        if not self._is_app or self._entity.name != self._model.app.name:
            return
        if self.relation.app.name == self._model.app.name:
            return  # a peer relation's application bag is readable by all its units
        if not self._model.unit.is_leader():
            raise RelationDataAccessError(
                f"{self._model.unit.name} is not leader and cannot read its own application databag"
            )

    def _validate_write(self, data: Mapping[str, str]) -> None:
        for key, value in data.items():
            if not isinstance(key, str):
                raise RelationDataTypeError(f"relation data keys must be strings, not {type(key)}")
            if not isinstance(value, str):
                raise RelationDataTypeError(f"relation data values must be strings, not {type(value)}")
        model = self._model
        if self._is_app:
            if self._entity.name != model.app.name:
                raise RelationDataAccessError(
                    f"{model.app.name} cannot write the data of remote application {self._entity.name}"
                )
            if not model.unit.is_leader():
                raise RelationDataAccessError(
                    f"{model.unit.name} is not leader and cannot write application data."
                )
        elif self._entity.name != model.unit.name:
            raise RelationDataAccessError(
                f"{model.unit.name} cannot write databag of {self._entity.name}: not the same unit."
            )

    def __getitem__(self, key: str) -> str:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __setitem__(self, key: str, value: str) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        self.update({key: ""})

    def update(self, other: Any = (), /, **kwargs: str) -> None:  # type: ignore[override]
        """Writes every changed key in one ``relation-set``."""
        data = dict(other, **kwargs)
        self._validate_write(data)
        current = self._data()
        changes = [
            (key, value)
            for key, value in data.items()
            if (key not in current and value != "") or (key in current and current[key] != value)
        ]
        if not changes:
            return
        _host.call("relation", "relation_set", self.relation.id, self._is_app, changes)
        for key, value in changes:
            if value == "":
                current.pop(key, None)
            else:
                current[key] = value

    def __repr__(self) -> str:
        try:
            return repr(self._data())
        except RelationDataAccessError:
            return "<n/a>"


# ---------------------------------------------------------------------------
# Secrets


class SecretRotate(enum.Enum):
    """How often Juju asks the owner to rotate a secret (``secret-rotate``)."""

    NEVER = "never"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


@dataclasses.dataclass(frozen=True)
class SecretInfo:
    """A secret's metadata, for its owner (``secret-info-get``)."""

    id: str
    label: Optional[str]
    revision: int
    expires: Optional[datetime.datetime]
    rotation: Optional[SecretRotate]
    description: Optional[str]
    owner: str
    """``application`` or ``unit``."""


class Secret:
    """A Juju secret: get one with :meth:`Model.get_secret`, or make one with
    :meth:`Application.add_secret` or :meth:`Unit.add_secret`."""

    _key_re = re.compile(r"^([a-z](?:-?[a-z0-9]){2,})$")  # Juju's rule

    def __init__(
        self,
        model: Model,
        id: Optional[str] = None,
        label: Optional[str] = None,
        content: Optional[Dict[str, str]] = None,
    ) -> None:
        if not (id or label):
            raise TypeError("Must provide an id or label, or both")
        self._model = model
        self._id = id
        self._label = label
        self._content = content

    @staticmethod
    def _canonicalize_id(id: str, model_uuid: Optional[str]) -> str:
        id = id.strip()
        if not id.startswith("secret:"):
            id = f"secret:{id}" if model_uuid is None else f"secret://{model_uuid}/{id}"
        return id

    @classmethod
    def _validate_content(cls, content: Any) -> None:
        if not isinstance(content, dict):
            raise TypeError(f"Secret content must be a dict, not {type(content).__name__}")
        if not content:
            raise ValueError("Secret content must not be empty")
        bad_keys = [k for k in content if not isinstance(k, str) or not cls._key_re.match(k)]
        if bad_keys:
            raise ValueError(
                f"Invalid secret keys: {bad_keys}. Keys should be lowercase letters and "
                "digits, at least 3 characters long, start with a letter, and not start "
                "or end with a hyphen."
            )
        bad_values = [k for k, v in content.items() if not isinstance(v, str)]
        if bad_values:
            raise TypeError(
                f"Invalid secret values for keys: {bad_values}. Values should be of type str."
            )

    @classmethod
    def _add(
        cls,
        model: Model,
        content: Dict[str, str],
        label: Optional[str],
        description: Optional[str],
        expire: Union[datetime.datetime, datetime.timedelta, str, None],
        rotate: Optional[SecretRotate],
        owner_unit: bool,
    ) -> "Secret":
        cls._validate_content(content)
        options = _secret_options(label, description, expire, rotate)
        uri = _host.call("secret", "secret_add", list(content.items()), options, owner_unit)
        return cls(model, id=uri, label=label, content=dict(content))

    @property
    def id(self) -> Optional[str]:
        """The secret's URI (``None`` when got by label only)."""
        return self._id

    @property
    def unique_identifier(self) -> Optional[str]:
        """The secret's own id, without the URI's scheme and model."""
        if self._id is None:
            return None
        if "/" in self._id:
            return self._id.rsplit("/", 1)[-1]
        return self._id[len("secret:") :] if self._id.startswith("secret:") else self._id

    @property
    def label(self) -> Optional[str]:
        """The label this unit knows the secret by, if any."""
        return self._label

    def _ref(self) -> Any:
        secret = _host.interface("secret")
        return secret.SecretRef_Id(self._id) if self._id is not None else secret.SecretRef_Label(self._label)

    def _get(self, mode: Any, label: Optional[str] = None) -> Dict[str, str]:
        return dict(_host.call("secret", "secret_get", self._ref(), mode, label))

    def get_content(self, *, refresh: bool = False) -> Dict[str, str]:
        """The content of the revision this unit tracks (read once, then
        kept); with ``refresh``, the newest revision's, tracking it from now
        on."""
        if refresh or self._content is None:
            modes = _host.interface("secret").ReadMode
            self._content = self._get(modes.REFRESH if refresh else modes.TRACKED)
        return dict(self._content)

    def peek_content(self) -> Dict[str, str]:
        """The newest revision's content, without tracking it (not kept)."""
        return self._get(_host.interface("secret").ReadMode.PEEK)

    def get_info(self) -> SecretInfo:
        """The secret's metadata (owners only)."""
        info = _host.call("secret", "secret_info_get", self._ref())
        return SecretInfo(
            id=Secret._canonicalize_id(info.id, self._model.uuid),
            label=info.label,
            revision=info.revision,
            expires=_parse_time(info.expiry),
            rotation=SecretRotate(info.rotation.name.lower()) if info.rotation is not None else None,
            description=info.description,
            owner=info.owner,
        )

    def set_content(self, content: Dict[str, str]) -> None:
        """A new revision with ``content`` (none when it is the newest's)."""
        self._validate_content(content)
        options = _secret_options(None, None, None, None)
        _host.call("secret", "secret_set", self._ref(), list(content.items()), options)

    def set_info(
        self,
        *,
        label: Optional[str] = None,
        description: Optional[str] = None,
        expire: Union[datetime.datetime, datetime.timedelta, str, None] = None,
        rotate: Optional[SecretRotate] = None,
    ) -> None:
        """Changes the secret's metadata (no new revision)."""
        if label is None and description is None and expire is None and rotate is None:
            raise TypeError("Must provide a label, description, expiration time, or rotation policy")
        options = _secret_options(label, description, expire, rotate)
        _host.call("secret", "secret_set", self._ref(), None, options)
        if label is not None:
            self._label = label

    def grant(self, relation: Relation, *, unit: Optional[Unit] = None) -> None:
        """Lets ``relation``'s remote application (or only ``unit`` of it)
        read the secret."""
        _host.call("secret", "secret_grant", self._ref(), relation.id, unit.name if unit else None)

    def revoke(self, relation: Relation, *, unit: Optional[Unit] = None) -> None:
        """Takes back what :meth:`grant` gave."""
        _host.call("secret", "secret_revoke", self._ref(), relation.id, unit.name if unit else None)

    def remove_revision(self, revision: int) -> None:
        """Removes one revision (in ``secret-remove`` or ``secret-expired``)."""
        _host.call("secret", "secret_remove", self._ref(), revision)

    def remove_all_revisions(self) -> None:
        """Removes the secret."""
        _host.call("secret", "secret_remove", self._ref(), None)

    def __repr__(self) -> str:
        fields = []
        if self._id is not None:
            fields.append(f"id={self._id!r}")
        if self._label is not None:
            fields.append(f"label={self._label!r}")
        return f"<Secret {' '.join(fields)}>"


def _secret_options(
    label: Optional[str],
    description: Optional[str],
    expire: Union[datetime.datetime, datetime.timedelta, str, None],
    rotate: Optional[SecretRotate],
) -> Any:
    secret = _host.interface("secret")
    if rotate is not None and not isinstance(rotate, SecretRotate):
        raise TypeError(f"rotate must be a SecretRotate, not {type(rotate).__name__}")
    return secret.SecretOptions(
        label=label,
        description=description,
        expire=_expire_text(expire),
        rotate=secret.RotatePolicy[rotate.name] if rotate is not None else None,
    )


def _expire_text(expire: Union[datetime.datetime, datetime.timedelta, str, None]) -> Optional[str]:
    """``--expire``'s forms: an RFC 3339 time (a naive datetime is taken as
    UTC) or a duration from now, in whole seconds (``3600s``)."""
    if expire is None or isinstance(expire, str):
        return expire
    if isinstance(expire, datetime.datetime):
        if expire.tzinfo is None:
            expire = expire.replace(tzinfo=datetime.timezone.utc)
        return expire.isoformat()
    if isinstance(expire, datetime.timedelta):
        seconds = int(expire.total_seconds())
        if seconds <= 0:
            raise ValueError(f"expire must be in the future, not {expire}")
        return f"{seconds}s"
    raise TypeError(
        f"Expiration time must be a datetime or timedelta from now, not {type(expire).__name__}"
    )


def _parse_time(text: Optional[str]) -> Optional[datetime.datetime]:
    if text is None:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ModelError(f"secret expiry {text!r} is not an RFC 3339 time") from None


# ---------------------------------------------------------------------------
# Ports


@dataclasses.dataclass(frozen=True)
class Port:
    """An open port: ``Port("tcp", 80)``, a range ``Port("tcp", 8000,
    8080)``, or ``Port("icmp", None)``."""

    protocol: str
    """``tcp``, ``udp`` or ``icmp``."""
    port: Optional[int]
    """The port, or the range's first; ``None`` for ``icmp``."""
    to_port: Optional[int] = None
    """The range's last port; ``None`` for a single port."""


def _port_range(protocol: str, port: Optional[int], to_port: Optional[int]) -> Any:
    """The contract's port range, checked as Juju's ``open-port`` checks it
    (and with its wording)."""
    ports = _host.interface("ports")
    protocol = str(protocol).lower()
    kinds = {"tcp": ports.Protocol.TCP, "udp": ports.Protocol.UDP, "icmp": ports.Protocol.ICMP}
    if protocol not in kinds:
        raise ModelError(f'invalid protocol "{protocol}", expected "tcp", "udp", or "icmp"')
    if protocol == "icmp":
        if port is not None or to_port is not None:
            raise ModelError(f'protocol "icmp" doesn\'t support any ports; got "{port}"')
        return ports.PortRange(protocol=kinds[protocol], from_=0, to=0)
    if port is None:
        raise ModelError(f"a {protocol} port needs a port number")
    last = port if to_port is None else to_port
    for p in (port, last):
        if not isinstance(p, int) or isinstance(p, bool):
            raise TypeError(f"a port must be an int, not {type(p).__name__}")
    if not (0 <= port <= 65535 and 0 <= last <= 65535):
        raise ModelError(f"port range bounds must be between 0 and 65535, got {port}-{last}")
    if last < port:
        raise ModelError(f"invalid port range {port}-{last}/{protocol}")
    return ports.PortRange(protocol=kinds[protocol], from_=port, to=last)
