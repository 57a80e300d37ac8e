from dataclasses import dataclass
from enum import Enum
from typing import List

from ._host import host


class Protocol(Enum):
    TCP = 0
    UDP = 1
    ICMP = 2


@dataclass
class PortRange:
    protocol: Protocol
    from_: int
    to: int


def open_port(ports: PortRange) -> None:
    return host().call("open_port", ports)


def close_port(ports: PortRange) -> None:
    return host().call("close_port", ports)


def opened_ports() -> List[PortRange]:
    return host().call("opened_ports")
