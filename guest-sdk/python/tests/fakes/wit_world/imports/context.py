from dataclasses import dataclass
from typing import Optional

from ._host import host


@dataclass
class Relation:
    endpoint: str
    id: int


@dataclass
class EventInfo:
    name: str
    is_action: bool
    relation: Optional[Relation]
    remote_unit: Optional[str]
    remote_app: Optional[str]
    departing_unit: Optional[str]
    secret_id: Optional[str]
    secret_label: Optional[str]
    secret_revision: Optional[int]
    storage_id: Optional[str]
    workload: Optional[str]


def unit_name() -> str:
    return host().call("unit_name")


def model_name() -> str:
    return host().call("model_name")


def model_uuid() -> str:
    return host().call("model_uuid")


def juju_version() -> str:
    return host().call("juju_version")


def event() -> EventInfo:
    return host().call("event")


def defer() -> None:
    return host().call("defer")
