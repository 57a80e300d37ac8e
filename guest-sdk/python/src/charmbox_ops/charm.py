"""The charm class and its events, as ops shapes them, and :func:`main`,
which turns a charm class into the ``WitWorld`` class componentize-py calls.

A component exports one function per action and per hook the charm handles,
named as Juju names it. componentize-py gives each export a method of
``WitWorld`` (``-`` turned into ``_``); :func:`main` makes every such method
build the charm and its event and call the charm's handler: ``on_<hook>``
for a hook (``on_install``, ``on_db_relation_changed``),
``on_<action>_action`` for an action (``on_snapshot_database_action``)::

    import charmbox_ops as ops

    class MyCharm(ops.CharmBase):
        def on_install(self, event: ops.InstallEvent) -> None:
            self.unit.status = ops.ActiveStatus("installed")

        def on_greet_action(self, event: ops.ActionEvent) -> None:
            event.set_results({"greeting": f"hello, {event.params['name']}"})

    WitWorld = ops.main(MyCharm)
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _host, hooks
from .errors import ActionError
from .log import setup_root_logging
from .model import Application, Model, Relation, Secret, Unit

logger = logging.getLogger(__name__)


class Framework:
    """What a charm is made with: the model of this run."""

    def __init__(self, model: Model) -> None:
        self.model = model
        """The model as this unit sees it."""


class CharmBase:
    """The base of a charm class: handlers are its ``on_*`` methods."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        """The framework the charm was made with."""

    @property
    def model(self) -> Model:
        """The model as this unit sees it."""
        return self.framework.model

    @property
    def unit(self) -> Unit:
        """This unit."""
        return self.framework.model.unit

    @property
    def app(self) -> Application:
        """This unit's application."""
        return self.framework.model.app

    @property
    def config(self) -> Any:
        """The application's config (a mapping)."""
        return self.framework.model.config


# ---------------------------------------------------------------------------
# Events


class EventBase:
    """An event a handler runs for."""

    def __init__(self, framework: Framework, name: str) -> None:
        self.framework = framework
        self.name = name
        """The hook's or action's name, as Juju names it (``db-relation-changed``)."""
        self.deferred = False
        """Whether :meth:`defer` was called in this run."""

    def defer(self) -> None:
        """Runs this event again, with the same context, before the next
        event on this unit (hook or action), until a run of it does not
        defer. The handler carries on: return after deferring."""
        if not self.deferred:
            _host.call("context", "defer")
            self.deferred = True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class HookEvent(EventBase):
    """A hook's event."""


class _NoDefer:
    """Events ops does not let a charm defer."""

    _why = "cannot defer {} events"

    def defer(self) -> None:
        raise RuntimeError(self._why.format(self.name))  # type: ignore[attr-defined]


class InstallEvent(HookEvent):
    """``install``."""


class StartEvent(HookEvent):
    """``start``."""


class StopEvent(_NoDefer, HookEvent):
    """``stop``: the unit is being torn down; cannot be deferred."""


class RemoveEvent(_NoDefer, HookEvent):
    """``remove``: cannot be deferred."""


class ConfigChangedEvent(HookEvent):
    """``config-changed``."""


class UpdateStatusEvent(HookEvent):
    """``update-status``."""


class UpgradeCharmEvent(HookEvent):
    """``upgrade-charm``."""


class LeaderElectedEvent(HookEvent):
    """``leader-elected``."""


class LeaderDeposedEvent(HookEvent):
    """``leader-deposed``."""


class LeaderSettingsChangedEvent(HookEvent):
    """``leader-settings-changed``."""


class PreSeriesUpgradeEvent(HookEvent):
    """``pre-series-upgrade``."""


class PostSeriesUpgradeEvent(HookEvent):
    """``post-series-upgrade``."""


class RelationEvent(HookEvent):
    """A relation hook's event: the relation, the remote application and,
    where Juju gives one, the remote unit."""

    def __init__(
        self,
        framework: Framework,
        name: str,
        relation: Relation,
        app: Optional[Application],
        unit: Optional[Unit],
    ) -> None:
        super().__init__(framework, name)
        self.relation = relation
        """The relation."""
        self.app = app
        """The remote application."""
        self.unit = unit
        """The remote unit, or ``None``."""


class RelationCreatedEvent(RelationEvent):
    """``<endpoint>-relation-created``."""


class RelationJoinedEvent(RelationEvent):
    """``<endpoint>-relation-joined``."""


class RelationChangedEvent(RelationEvent):
    """``<endpoint>-relation-changed``: read ``event.relation.data[event.unit]``
    (or ``[event.app]``) for what changed."""


class RelationDepartedEvent(RelationEvent):
    """``<endpoint>-relation-departed``."""

    def __init__(self, *args: Any, departing_unit: Optional[Unit] = None) -> None:
        super().__init__(*args)
        self.departing_unit = departing_unit
        """The unit leaving the relation."""


class RelationBrokenEvent(RelationEvent):
    """``<endpoint>-relation-broken``."""


class SecretEvent(HookEvent):
    """A secret hook's event."""

    def __init__(self, framework: Framework, name: str, secret: Secret) -> None:
        super().__init__(framework, name)
        self.secret = secret
        """The secret (its content is read when asked for)."""


class SecretChangedEvent(SecretEvent):
    """``secret-changed``: a secret this unit reads has a new revision;
    ``event.secret.get_content(refresh=True)`` reads and tracks it."""


class SecretRotateEvent(_NoDefer, SecretEvent):
    """``secret-rotate``: Juju fires it until the owner sets new content."""

    _why = (
        "Cannot defer secret rotation events. Juju will keep firing this event "
        "until you create a new revision."
    )


class _SecretRevisionEvent(SecretEvent):
    def __init__(self, framework: Framework, name: str, secret: Secret, revision: int) -> None:
        super().__init__(framework, name, secret)
        self.revision = revision
        """The revision concerned."""

    def remove_revision(self) -> None:
        """Removes :attr:`revision`."""
        self.secret.remove_revision(self.revision)


class SecretRemoveEvent(_SecretRevisionEvent):
    """``secret-remove``: no consumer tracks :attr:`revision` any more."""


class SecretExpiredEvent(_NoDefer, _SecretRevisionEvent):
    """``secret-expired``: :attr:`revision` expired; cannot be deferred."""


class StorageEvent(HookEvent):
    """A storage hook's event."""

    def __init__(self, framework: Framework, name: str, storage_name: str, storage_id: Optional[str]) -> None:
        super().__init__(framework, name)
        self.storage_name = storage_name
        """The storage's name in the metadata (``data``)."""
        self.storage_id = storage_id
        """The storage instance (``data/0``)."""


class StorageAttachedEvent(StorageEvent):
    """``<storage>-storage-attached``."""


class StorageDetachingEvent(StorageEvent):
    """``<storage>-storage-detaching``."""


class WorkloadEvent(HookEvent):
    """A workload container's (Pebble) event."""

    def __init__(self, framework: Framework, name: str, workload: str) -> None:
        super().__init__(framework, name)
        self.workload = workload
        """The container's name."""


class PebbleReadyEvent(WorkloadEvent):
    """``<container>-pebble-ready``."""


class PebbleCustomNoticeEvent(WorkloadEvent):
    """``<container>-pebble-custom-notice``."""


class PebbleCheckFailedEvent(WorkloadEvent):
    """``<container>-pebble-check-failed``."""


class PebbleCheckRecoveredEvent(WorkloadEvent):
    """``<container>-pebble-check-recovered``."""


class PebbleChangeUpdatedEvent(WorkloadEvent):
    """``<container>-pebble-change-updated``."""


class ActionEvent(EventBase):
    """A running action (like ``ops.ActionEvent``)."""

    def __init__(self, framework: Framework, name: str, id: str = "") -> None:
        super().__init__(framework, name)
        self.id = id
        """This run's id (``JUJU_ACTION_UUID``): the task id ``charmbox
        show-task`` takes."""
        self._params: Optional[Dict[str, Any]] = None

    def defer(self) -> None:
        """Actions cannot be deferred: raises ``RuntimeError``, as ops does."""
        raise RuntimeError("cannot defer action events")

    @property
    def params(self) -> Dict[str, Any]:
        """The params, with the schema's defaults filled in (``{}`` when none)."""
        if self._params is None:
            text = _host.interface("action").action_get(None)
            self._params = json.loads(text) if text else {}
        return self._params

    def log(self, message: str) -> None:
        """A progress message for the operator (``action-log``)."""
        _host.interface("action").action_log(str(message))

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
            _host.interface("action").action_set(pairs)
        except _host.err_type() as e:
            raise ActionError(
                f"cannot set results of action {json.dumps(self.name)}: {e.value}"
            ) from None

    def fail(self, message: str = "") -> None:
        """Marks the action failed (``action-fail``). The handler carries on,
        and results set before and after are kept; the last message wins."""
        _host.interface("action").action_fail(str(message))


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


_UNIT_EVENTS: Dict[str, type] = {
    "install": InstallEvent,
    "start": StartEvent,
    "stop": StopEvent,
    "remove": RemoveEvent,
    "config-changed": ConfigChangedEvent,
    "update-status": UpdateStatusEvent,
    "upgrade-charm": UpgradeCharmEvent,
    "leader-elected": LeaderElectedEvent,
    "leader-deposed": LeaderDeposedEvent,
    "leader-settings-changed": LeaderSettingsChangedEvent,
    "pre-series-upgrade": PreSeriesUpgradeEvent,
    "post-series-upgrade": PostSeriesUpgradeEvent,
}
_RELATION_EVENTS: Dict[str, type] = {
    "relation-created": RelationCreatedEvent,
    "relation-joined": RelationJoinedEvent,
    "relation-changed": RelationChangedEvent,
    "relation-departed": RelationDepartedEvent,
    "relation-broken": RelationBrokenEvent,
}
_SECRET_EVENTS: Dict[str, type] = {
    "secret-changed": SecretChangedEvent,
    "secret-rotate": SecretRotateEvent,
    "secret-remove": SecretRemoveEvent,
    "secret-expired": SecretExpiredEvent,
}
_STORAGE_EVENTS: Dict[str, type] = {
    "storage-attached": StorageAttachedEvent,
    "storage-detaching": StorageDetachingEvent,
}
_WORKLOAD_EVENTS: Dict[str, type] = {
    "pebble-ready": PebbleReadyEvent,
    "pebble-custom-notice": PebbleCustomNoticeEvent,
    "pebble-check-failed": PebbleCheckFailedEvent,
    "pebble-check-recovered": PebbleCheckRecoveredEvent,
    "pebble-change-updated": PebbleChangeUpdatedEvent,
}


def _hook_event(name: str) -> Tuple[Framework, HookEvent]:
    """The framework and event of hook ``name``, from the host's event
    context (``context.event``)."""
    info = _host.interface("context").event()
    kind, prefix = hooks.split_hook(name)  # type: ignore[misc]
    model = Model(remote_unit_name=info.remote_unit)
    framework = Framework(model)
    if kind in _UNIT_EVENTS:
        return framework, _UNIT_EVENTS[kind](framework, name)
    if kind in _RELATION_EVENTS:
        if info.relation is None:
            raise RuntimeError(f"the host gave relation hook {name} no relation")
        relation = model.get_relation(info.relation.endpoint, info.relation.id)
        assert relation is not None
        if kind == "relation-broken":
            relation.active = False
        app = model.get_app(info.remote_app) if info.remote_app else None
        unit = model.get_unit(info.remote_unit) if info.remote_unit else None
        if app is None and unit is not None:
            app = unit.app
        args = (framework, name, relation, app, unit)
        if kind == "relation-departed":
            departing = model.get_unit(info.departing_unit) if info.departing_unit else None
            return framework, RelationDepartedEvent(*args, departing_unit=departing)
        return framework, _RELATION_EVENTS[kind](*args)
    if kind in _SECRET_EVENTS:
        if info.secret_id is None and info.secret_label is None:
            raise RuntimeError(f"the host gave secret hook {name} no secret")
        secret_id = Secret._canonicalize_id(info.secret_id, model.uuid) if info.secret_id else None
        secret = Secret(model, id=secret_id, label=info.secret_label)
        cls = _SECRET_EVENTS[kind]
        if issubclass(cls, _SecretRevisionEvent):
            if info.secret_revision is None:
                raise RuntimeError(f"the host gave secret hook {name} no revision")
            return framework, cls(framework, name, secret, info.secret_revision)
        return framework, cls(framework, name, secret)
    if kind in _STORAGE_EVENTS:
        return framework, _STORAGE_EVENTS[kind](framework, name, prefix, info.storage_id)
    return framework, _WORKLOAD_EVENTS[kind](framework, name, info.workload or prefix)


def _action_event(name: str) -> Tuple[Framework, ActionEvent]:
    framework = Framework(Model())
    return framework, ActionEvent(framework, name, os.environ.get("JUJU_ACTION_UUID", ""))


def _run(charm_class: type, name: str, method: str) -> None:
    """One export call: the charm handles event ``name`` with ``method``; an
    exception becomes the export's error (the action's failure message, or
    the hook's failure)."""
    setup_root_logging()
    try:
        framework, event = _hook_event(name) if hooks.is_hook(name) else _action_event(name)
        charm = charm_class(framework)
        getattr(charm, method)(event)
    except ActionError as e:
        raise _host.err_type()(str(e)) from None
    except Exception as e:  # noqa: BLE001 - any error fails the handler
        # The traceback goes to stderr (an action's `stderr` result) and, as
        # ops sends it, to the debug log.
        traceback.print_exc()
        logger.error("Uncaught exception while in charm code:", exc_info=True)
        raise _host.err_type()(f"{type(e).__name__}: {e}") from None
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _world_exports(world: type) -> List[str]:
    """The export methods componentize-py generated for the charm's world."""
    return sorted(
        name
        for name in dir(world)
        if getattr(getattr(world, name, None), "__isabstractmethod__", False)
    )


def _handler_methods(charm_class: type) -> Dict[str, str]:
    """The charm's handler methods, by the export name each handles:
    ``on_<action>_action`` and ``on_<hook>`` (a method ``on_x`` where ``x``
    is no hook is left alone)."""
    found: Dict[str, str] = {}
    for attr in dir(charm_class):
        if not attr.startswith("on_") or not callable(getattr(charm_class, attr)):
            continue
        snake = attr[len("on_") :]
        if snake.endswith("_action"):
            name = snake[: -len("_action")].replace("_", "-")
            if not hooks.is_hook(name):
                found[name] = attr
        elif hooks.is_hook(snake.replace("_", "-")):
            found[snake.replace("_", "-")] = attr
    return found


def main(charm_class: type) -> type:
    """The ``WitWorld`` class componentize-py calls, for ``charm_class``::

        WitWorld = charmbox_ops.main(MyCharm)

    Each export of the charm's world (``export install: func() ->
    result<_, string>;``) runs its handler method with a new charm and its
    event. At build time (componentize-py runs this when it loads the
    module) it refuses an export with no handler and a handler with no
    export, naming both."""
    if not (isinstance(charm_class, type) and issubclass(charm_class, CharmBase)):
        raise TypeError(f"main() takes a CharmBase subclass, not {charm_class!r}")
    import wit_world  # generated by componentize-py for the charm's world

    exports = {snake.replace("_", "-"): snake for snake in _world_exports(wit_world.WitWorld)}
    handlers = _handler_methods(charm_class)
    problems = []
    for name in sorted(exports):
        method = hooks.handler_name(name)
        if not callable(getattr(charm_class, method, None)):
            what = "hook" if hooks.is_hook(name) else "action"
            problems.append(
                f"the world exports {what} {name!r} but {charm_class.__name__} has no "
                f"method {method}(self, event)"
            )
    for name, method in sorted(handlers.items()):
        if name not in exports:
            problems.append(
                f"{charm_class.__name__}.{method} handles {name!r}, which the world does "
                f"not export: add `export {name}: func() -> result<_, string>;` to it"
            )
    if problems:
        raise TypeError("; ".join(problems))

    def export(name: str, method: str) -> Callable[[Any], None]:
        def call(self: Any) -> None:
            _run(charm_class, name, method)

        call.__name__ = exports[name]
        call.__qualname__ = f"WitWorld.{exports[name]}"
        call.__doc__ = f"Export {name!r}: {charm_class.__name__}.{method}."
        return call

    namespace = {snake: export(name, hooks.handler_name(name)) for name, snake in exports.items()}
    namespace["__doc__"] = f"The exports of {charm_class.__name__}, for componentize-py."
    return type("WitWorld", (wit_world.WitWorld,), namespace)
