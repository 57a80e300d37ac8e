"""Which export names are Juju hooks (the rest are actions), and the handler
method each goes to.

The names follow charmbox's ``host/src/charm/hooks.rs`` (from juju/juju
``internal/charm/hooks/hooks.go``): unit and secret hooks by name, relation,
storage and workload hooks by suffix, whatever the endpoint (the component
does not see the charm's metadata; ``charmbox check`` refuses an action whose
name has a hook's shape). The tests hold this list to the Rust one.
"""

from __future__ import annotations

from typing import Optional, Tuple

UNIT_HOOKS = (
    "install",
    "start",
    "config-changed",
    "upgrade-charm",
    "stop",
    "remove",
    "leader-elected",
    "leader-deposed",
    "leader-settings-changed",
    "update-status",
    "pre-series-upgrade",
    "post-series-upgrade",
)
SECRET_HOOKS = ("secret-changed", "secret-expired", "secret-remove", "secret-rotate")
RELATION_SUFFIXES = (
    "-relation-created",
    "-relation-joined",
    "-relation-changed",
    "-relation-departed",
    "-relation-broken",
)
STORAGE_SUFFIXES = ("-storage-attached", "-storage-detaching")
WORKLOAD_SUFFIXES = (
    "-pebble-ready",
    "-pebble-custom-notice",
    "-pebble-check-failed",
    "-pebble-check-recovered",
    "-pebble-change-updated",
)


def split_hook(name: str) -> Optional[Tuple[str, str]]:
    """``(kind, prefix)`` of hook ``name``, or ``None`` for an action name.

    ``kind`` is the unit or secret hook's own name, or the suffix of a
    prefixed hook without its leading ``-`` (``relation-changed``,
    ``storage-attached``, ``pebble-ready``) with ``prefix`` the endpoint,
    storage or container; ``prefix`` is ``""`` for unit and secret hooks.
    """
    if name in UNIT_HOOKS or name in SECRET_HOOKS:
        return name, ""
    for suffix in RELATION_SUFFIXES + STORAGE_SUFFIXES + WORKLOAD_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return suffix[1:], name[: -len(suffix)]
    return None


def is_hook(name: str) -> bool:
    """Whether export ``name`` (``db-relation-changed``) is a hook."""
    return split_hook(name) is not None


def handler_name(name: str) -> str:
    """The charm class's method for export ``name``: ``on_<hook>`` for a hook
    (``on_install``, ``on_db_relation_changed``), ``on_<action>_action`` for
    an action (``on_snapshot_database_action``), as ops names its events."""
    snake = name.replace("-", "_")
    return f"on_{snake}" if is_hook(name) else f"on_{snake}_action"
