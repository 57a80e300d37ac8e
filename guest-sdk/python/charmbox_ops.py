"""An ops-like surface for charmbox action handlers written in Python.

A charm built with componentize-py defines ``class WitWorld(wit_world.WitWorld)``
with one method per action. Decorate each method with :func:`action` and it
receives an :class:`ActionEvent`, shaped like ``ops.ActionEvent``::

    import wit_world
    from charmbox_ops import ActionError, ActionEvent, action

    class WitWorld(wit_world.WitWorld):
        @action
        def snapshot_database(self, event: ActionEvent) -> None:
            filename = event.params["filename"]
            event.log(f"writing {filename}")
            event.set_results({"snapshot": {"filename": filename}})

- ``event.params``: the params as a dict (defaults from the charm's metadata
  already filled in by charmbox);
- ``event.log(msg)``: a progress message (Juju's ``action-log``);
- ``event.set_results(dict)``: nested dicts become dotted keys, as in ops;
- ``event.fail(msg)``: marks the action failed; the handler carries on;
- ``event.id``, ``event.name``, ``event.unit``.

Raising :class:`ActionError` fails the action with its message; any other
exception fails it with ``"<ExceptionType>: <message>"`` and its traceback on
the task's stderr. What the handler prints is captured as the ``stdout``
result.

The module needs the bindings componentize-py generates for a world that
includes ``juju:charm/charm@0.2.0``; put this file's folder on the module path
(``componentize-py ... componentize -p path/to/guest-sdk/python app``).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

from componentize_py_types import Err
from wit_world.imports import action as _host

__all__ = ["ActionError", "ActionEvent", "action", "flatten_results"]


class ActionError(Exception):
    """Raise it from a handler to fail the action with exactly this message."""


class ActionEvent:
    """The running action, as its handler sees it (like ``ops.ActionEvent``)."""

    def __init__(self, name: str, id: str = "", unit: str = "") -> None:
        self.name = name
        """The action's name, e.g. ``snapshot-database``."""
        self.id = id
        """The id of this run of the action (``JUJU_ACTION_UUID``)."""
        self.unit = unit
        """The unit the action runs on, e.g. ``db/0``."""
        self._params: Optional[Dict[str, Any]] = None

    @classmethod
    def from_env(cls, fallback_name: str) -> "ActionEvent":
        return cls(
            name=os.environ.get("JUJU_ACTION_NAME", fallback_name),
            id=os.environ.get("JUJU_ACTION_UUID", ""),
            unit=os.environ.get("JUJU_UNIT_NAME", ""),
        )

    @property
    def params(self) -> Dict[str, Any]:
        """The params the action was invoked with (``{}`` when none)."""
        if self._params is None:
            text = _host.action_get(None)
            self._params = json.loads(text) if text else {}
        return self._params

    def log(self, message: str) -> None:
        """Logs a progress message for the operator (``action-log``)."""
        _host.action_log(str(message))

    def set_results(self, results: Dict[str, Any]) -> None:
        """Sets results; nested dicts become dotted keys, as in ops.

        ``{"a": {"b": 1}}`` sets ``a.b`` to ``"1"``. Values become strings:
        ``str`` as is, ``bool`` as ``true``/``false``, other numbers with
        ``str()``, lists and ``None`` as JSON text (the same strings the Rust
        and JavaScript helpers produce). All keys go to the host in one
        ``action-set``: either all are stored or none.

        Raises ``ValueError`` if two entries flatten to the same dotted key
        (``{"a": {"b": 1}, "a.b": 2}``), and :class:`ActionError` if the host
        refuses a key (bad characters, or a reserved key such as ``stdout``).
        """
        pairs = flatten_results(results)
        if not pairs:
            return
        try:
            _host.action_set(pairs)
        except Err as e:
            raise ActionError(
                f"cannot set results of action {json.dumps(self.name)}: {e.value}"
            ) from None

    def fail(self, message: str = "") -> None:
        """Marks the action failed (``action-fail``). The handler carries on,
        and results set before and after are kept; the last message wins."""
        _host.action_fail(str(message))


def flatten_results(results: Dict[str, Any]) -> List[Tuple[str, str]]:
    """Flattens nested dicts to ``(dotted key, string value)`` pairs, in order.

    An empty nested dict gives nothing; two entries that flatten to the same
    key raise ``ValueError``, as ops does.
    """
    if not isinstance(results, dict):
        raise TypeError(f"results must be a dict, not {type(results).__name__}")
    pairs: List[Tuple[str, str]] = []
    seen: set = set()

    def walk(mapping: Dict[Any, Any], prefix: str) -> None:
        for key, value in mapping.items():
            dotted = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                walk(value, dotted)
                continue
            if dotted in seen:
                raise ValueError(
                    f"duplicate result key {dotted!r}: two entries flatten to "
                    "the same dotted key"
                )
            seen.add(dotted)
            pairs.append((dotted, _to_string(value)))

    walk(results, "")
    return pairs


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def action(handler: Callable[[Any, ActionEvent], None]) -> Callable[[Any], None]:
    """Turns ``def name(self, event)`` into the export componentize-py calls.

    The export name is the method's with ``_`` turned into ``-``; charmbox
    also passes the action's name in ``JUJU_ACTION_NAME``.
    """
    export_name = handler.__name__.replace("_", "-")

    @functools.wraps(handler)
    def export(self: Any) -> None:
        event = ActionEvent.from_env(export_name)
        try:
            handler(self, event)
        except ActionError as e:
            raise Err(str(e)) from None
        except Exception as e:  # noqa: BLE001 - any error fails the action
            traceback.print_exc()
            raise Err(f"{type(e).__name__}: {e}") from None
        finally:
            sys.stdout.flush()
            sys.stderr.flush()

    return export
