"""Where the helper meets the host: the imports componentize-py generates for
the charm's world (``wit_world.imports.<interface>``), and the host's
refusals turned into the exceptions ops raises.

Every interface is imported when this module is: componentize-py bundles
only the modules imported while it builds the component (the charm's
module and what it imports), so nothing can be imported later. An
interface the world does not include is noted, and using it is a
:class:`ModelError` that says so; outside a component (no ``wit_world``),
importing the package works and every call says where it must run. Every
other module of the package reaches the host through here.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Dict

from .errors import ModelError, RelationNotFoundError, SecretNotFoundError

CONTRACT = "juju:charm@0.2.0"
"""The contract this version of the helper speaks."""

INTERFACES = ("action", "context", "config", "status", "log", "state", "relation", "secret", "ports")

_modules: Dict[str, ModuleType] = {}
_missing: Dict[str, str] = {}
for _name in INTERFACES:
    try:
        _modules[_name] = importlib.import_module(f"wit_world.imports.{_name}")
    except ModuleNotFoundError as _e:
        _missing[_name] = _e.name or ""

try:
    from componentize_py_types import Err as _Err
except ModuleNotFoundError:
    _Err = None


def interface(name: str) -> ModuleType:
    """The bindings of ``juju:charm/<name>@0.2.0`` in the charm's world."""
    module = _modules.get(name)
    if module is not None:
        return module
    if _missing.get(name) in ("wit_world", "wit_world.imports"):
        raise ModelError(
            "charmbox_ops runs inside a component built by componentize-py "
            "(no module 'wit_world' here): build the charm, or run it with "
            "charmbox"
        )
    raise ModelError(
        f"the charm's world does not import juju:charm/{name}@0.2.0: add "
        "`include juju:charm/charm@0.2.0;` to the world in wit/world.wit"
    )


def err_type() -> type:
    """componentize-py's ``Err``: what a failed import call raises, and what
    an export raises to return an error."""
    if _Err is None:
        interface("action")  # says why
    return _Err  # type: ignore[return-value]


def call(name: str, function: str, *args: Any) -> Any:
    """Calls ``function`` of interface ``name``; a refusal becomes the
    exception ops raises for it (see :func:`error_for`)."""
    module = interface(name)
    err = err_type()
    try:
        return getattr(module, function)(*args)
    except err as e:
        raise error_for(name, str(e.value)) from None


def error_for(name: str, message: str) -> ModelError:
    """The exception for the host refusing a call of interface ``name``,
    by ops' rule: a secret call that says "not found" is a
    :class:`SecretNotFoundError`, a relation call that says "relation not
    found" a :class:`RelationNotFoundError`, anything else a
    :class:`ModelError`; each carries the host's message."""
    lowered = message.lower()
    if name == "secret" and "not found" in lowered:
        return SecretNotFoundError(message)
    if name == "relation" and "relation not found" in lowered:
        return RelationNotFoundError(message)
    return ModelError(message)
