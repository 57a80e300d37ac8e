from typing import List, Optional, Tuple

from ._host import host


def state_get(key: str) -> Optional[str]:
    return host().call("state_get", key)


def state_list() -> List[Tuple[str, str]]:
    return host().call("state_list")


def state_set(pairs: List[Tuple[str, str]]) -> None:
    return host().call("state_set", pairs)


def state_delete(key: str) -> None:
    return host().call("state_delete", key)
