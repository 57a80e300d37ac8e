from typing import List, Optional, Tuple

from ._host import host


def action_get(key: Optional[str]) -> Optional[str]:
    return host().call("action_get", key)


def action_set(results: List[Tuple[str, str]]) -> None:
    return host().call("action_set", results)


def action_log(message: str) -> None:
    return host().call("action_log", message)


def action_fail(message: str) -> None:
    return host().call("action_fail", message)
