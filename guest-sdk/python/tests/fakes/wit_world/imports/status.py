from dataclasses import dataclass
from enum import Enum

from ._host import host


class StatusKind(Enum):
    MAINTENANCE = 0
    BLOCKED = 1
    WAITING = 2
    ACTIVE = 3


@dataclass
class StatusInfo:
    status: str
    message: str


def is_leader() -> bool:
    return host().call("is_leader")


def status_set(status: StatusKind, message: str, application: bool) -> None:
    return host().call("status_set", status, message, application)


def status_get(application: bool) -> StatusInfo:
    return host().call("status_get", application)


def application_version_set(version: str) -> None:
    return host().call("application_version_set", version)
