from dataclasses import dataclass
from enum import Enum
from typing import List, Optional, Tuple, Union

from ._host import host


@dataclass
class SecretRef_Id:
    value: str


@dataclass
class SecretRef_Label:
    value: str


SecretRef = Union[SecretRef_Id, SecretRef_Label]


class ReadMode(Enum):
    TRACKED = 0
    PEEK = 1
    REFRESH = 2


class RotatePolicy(Enum):
    NEVER = 0
    HOURLY = 1
    DAILY = 2
    WEEKLY = 3
    MONTHLY = 4
    QUARTERLY = 5
    YEARLY = 6


@dataclass
class SecretOptions:
    label: Optional[str]
    description: Optional[str]
    expire: Optional[str]
    rotate: Optional[RotatePolicy]


@dataclass
class SecretInfo:
    id: str
    label: Optional[str]
    description: Optional[str]
    revision: int
    rotation: Optional[RotatePolicy]
    expiry: Optional[str]
    owner: str


def secret_get(secret: SecretRef, mode: ReadMode, label: Optional[str]) -> List[Tuple[str, str]]:
    return host().call("secret_get", secret, mode, label)


def secret_add(content: List[Tuple[str, str]], options: SecretOptions, owner_unit: bool) -> str:
    return host().call("secret_add", content, options, owner_unit)


def secret_set(
    secret: SecretRef, content: Optional[List[Tuple[str, str]]], options: SecretOptions
) -> None:
    return host().call("secret_set", secret, content, options)


def secret_ids() -> List[str]:
    return host().call("secret_ids")


def secret_info_get(secret: SecretRef) -> SecretInfo:
    return host().call("secret_info_get", secret)


def secret_grant(secret: SecretRef, relation_id: int, unit: Optional[str]) -> None:
    return host().call("secret_grant", secret, relation_id, unit)


def secret_revoke(secret: SecretRef, relation_id: int, unit: Optional[str]) -> None:
    return host().call("secret_revoke", secret, relation_id, unit)


def secret_remove(secret: SecretRef, revision: Optional[int]) -> None:
    return host().call("secret_remove", secret, revision)
