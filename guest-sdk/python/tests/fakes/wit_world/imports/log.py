from enum import Enum

from ._host import host


class Level(Enum):
    TRACE = 0
    DEBUG = 1
    INFO = 2
    WARNING = 3
    ERROR = 4
    CRITICAL = 5


def juju_log(level: Level, message: str) -> None:
    return host().call("juju_log", level, message)
