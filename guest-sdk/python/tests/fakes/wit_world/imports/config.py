from typing import Optional

from ._host import host


def config_get(key: Optional[str]) -> Optional[str]:
    return host().call("config_get", key)
