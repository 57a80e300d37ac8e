from typing import List, Tuple

from ..imports import context
from ._host import host


def relation_ids(endpoint: str) -> List[context.Relation]:
    return host().call("relation_ids", endpoint)


def relation_list(relation_id: int) -> List[str]:
    return host().call("relation_list", relation_id)


def relation_app(relation_id: int) -> str:
    return host().call("relation_app", relation_id)


def relation_get(relation_id: int, member: str, app: bool) -> List[Tuple[str, str]]:
    return host().call("relation_get", relation_id, member, app)


def relation_set(relation_id: int, app: bool, pairs: List[Tuple[str, str]]) -> None:
    return host().call("relation_set", relation_id, app, pairs)
