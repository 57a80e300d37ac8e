"""Testing a charm's actions from pytest (or unittest), in the manner of
``ops.testing`` and of charmbox's Rust testing API: each run goes through
the ``charmbox`` binary, exactly as ``charmbox run`` does it, on the charm's
**built** component (params checked against ``charmcraft.yaml`` and
defaults filled in, a fresh sandbox, the same results, log and output)::

    from pathlib import Path
    from charmbox_ops.testing import Context, InvalidParams

    ctx = Context(Path(__file__).parent.parent)   # builds the charm once

    def test_greet():
        out = ctx.run("greet", {"name": "Ada"})
        assert out.results["greeting"] == "Hello, Ada!"
        assert out.log_messages == ["greeting Ada"]

    def test_empty_name_fails():
        failed = ctx.run_failing("greet", {"name": ""})
        assert failed.message == "name must not be empty"

Hooks run in a local model in the context's own state directory, as
``charmbox deploy`` and ``charmbox run-hook`` run them, and the model around
the charm is set and read as an operator would (``charmbox config``,
``integrate``, ``add-secret``; ``status``, ``show-unit``, ``secrets``)::

    def test_two_units_are_friends():
        ctx = Context(CHARM_DIR)
        out = ctx.deploy(units=2)           # install, ..., start on each unit
        assert out.status == ("active", "ready to greet in en, 1 friends")
        out = ctx.run_hook("start")         # on <app>/0
        assert out.ran == ["start"]

    def test_share_greeting():
        ctx = Context(CHARM_DIR)
        ctx.set_config({"greeting": "Hi", "language": "fr"})   # config in
        ctx.integrate("listeners", {"application": "listener",
                                     "units": {"listener/0": {}}})
        assert ctx.status() == ("active", "ready to greet in fr, 0 friends")
        (relation,) = ctx.relations("listeners")
        assert relation.unit_data == {"greeting": "Hi"}    # relation data out
        assert ctx.secret("greeting").content == {"greeting": "Hi"}

A model call (or :meth:`Context.run_hook`) made before :meth:`Context.deploy`
deploys one unit first (its install, leader-elected, config-changed and start
hooks run), so that unit leads.

The binary is ``$CHARMBOX`` if set, else ``charmbox`` on ``PATH``. A
context builds the charm with ``charmbox build`` the first time it is used
(once per process and charm; pass ``build=False`` to run ``charm.wasm`` as
it is), and keeps its units' data in a temporary state directory of its own.

This module runs outside the component: it is not imported by
``charmbox_ops`` itself, and imports nothing from the component's world.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Union

__all__ = [
    "ActionFailed",
    "ActionOutput",
    "CharmboxError",
    "Context",
    "HookOutput",
    "HookRun",
    "InvalidParams",
    "LogEntry",
    "RelationInfo",
    "SecretInfo",
    "Status",
    "UnitStatus",
]

_BUILT: Dict[Path, None] = {}
"""Charm directories built by this process."""

EXIT_FAILED = 1
"""charmbox run's exit status when an action ran and failed."""

_INVALID_PARAMS = "invalid params for action "
"""How charmbox's message starts when it refuses an action's params."""


class CharmboxError(Exception):
    """charmbox could not build, load or run the charm: the message is
    charmbox's own, with the command that was run."""


class InvalidParams(CharmboxError):
    """The params do not fit the action's schema in ``charmcraft.yaml``:
    charmbox refused them before the sandbox started. The message names each
    param at fault, as ``charmbox run`` prints it."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(message)
        self.action = action
        self.message = message


@dataclass(frozen=True)
class LogEntry:
    """One ``action-log`` line."""

    timestamp: str
    message: str


@dataclass(frozen=True)
class ActionOutput:
    """What one run of an action reported, as ``charmbox run`` prints it."""

    action: str
    id: str
    """The task id (the handler's ``event.id``)."""
    unit: str
    status: str
    """``completed`` or ``failed``."""
    results: Dict[str, Any]
    """Nested, as ``juju run`` shows them: the charm's, ``return-code``, and
    ``stdout`` / ``stderr`` when the handler printed anything."""
    log: List[LogEntry]
    message: Optional[str] = None
    """The failure message, for a failed run."""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)
    """The task as ``charmbox run --format json`` printed it."""

    @property
    def log_messages(self) -> List[str]:
        """The log's messages, without their timestamps."""
        return [entry.message for entry in self.log]

    @property
    def stdout(self) -> str:
        """What the handler printed to stdout."""
        return str(self.results.get("stdout", ""))

    @property
    def stderr(self) -> str:
        """What the handler printed to stderr."""
        return str(self.results.get("stderr", ""))

    @property
    def return_code(self) -> int:
        """Juju's ``return-code``: 0 unless the action failed."""
        return int(self.results.get("return-code", 0))

    @property
    def charm_results(self) -> Dict[str, Any]:
        """Only what the charm set (no ``return-code``, ``stdout``, ``stderr``)."""
        reserved = {"return-code", "stdout", "stderr", "stdout-encoding", "stderr-encoding"}
        return {k: v for k, v in self.results.items() if k not in reserved}

    def result(self, key: str) -> Any:
        """The result at a dotted ``key`` (``greeting.text``), or None."""
        value: Any = self.results
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value


class Status(NamedTuple):
    """A workload status as ``charmbox status`` shows it: ``("active",
    "ready")``, a tuple, so a test compares it to one; the message is ``""``
    when none was set."""

    current: str
    """``active``, ``blocked``, ``maintenance``, ``waiting``, ``error``...
    (``current`` in ``charmbox status --format json``)."""
    message: str = ""


UnitStatus = Status
"""A unit's workload status: :class:`Status` under the name
:class:`HookOutput` gives it."""


@dataclass(frozen=True)
class RelationInfo:
    """One relation of a unit, its databags as ``charmbox show-unit`` shows
    them (values are strings, as Juju keeps them)."""

    id: int
    endpoint: str
    remote_endpoint: str
    unit_data: Dict[str, str]
    """This unit's own databag: what the charm wrote for it."""
    app_data: Dict[str, str]
    """This application's databag (the leader writes it)."""
    remote_app_data: Dict[str, str]
    """The other application's databag."""
    remote_units: Dict[str, Dict[str, str]]
    """Each remote unit's databag, by unit name."""


@dataclass(frozen=True)
class SecretInfo:
    """A secret of the model, as ``charmbox show-secret --reveal`` shows it."""

    uri: str
    owner: str
    """The owning application, or ``<model>`` for a user secret."""
    label: Optional[str]
    """The name (a user secret) or label (a charm's) it goes by."""
    revision: int
    content: Dict[str, str]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


class ActionFailed(CharmboxError):
    """An action that ran and failed (``event.fail``, an ``ActionError``, an
    exception, a trap, a timeout), with everything it reported."""

    def __init__(self, output: ActionOutput) -> None:
        self.output = output
        self.message = output.message or ""
        log = "".join(f"\n  {line}" for line in output.log_messages) or " (none)"
        super().__init__(
            f"action {output.action!r} failed: {self.message}\n"
            f"results: {json.dumps(output.results, indent=2)}\nlog:{log}"
        )


@dataclass(frozen=True)
class HookRun:
    """One hook run, as ``charmbox hooks --format json`` records it."""

    id: int
    unit: str
    hook: str
    context: Dict[str, Any]
    """The event's context: ``relation``, ``remote_unit``, ``remote_app``,
    ``departing_unit``, ``secret_id``... (only those Juju set)."""
    status: str
    """``completed``, ``deferred``, ``failed`` or ``no handler``."""
    cause: str
    """What fired it (``deploy``, ``run-hook``, a databag write...)."""
    message: Optional[str] = None
    """Why it failed, when it did."""


@dataclass(frozen=True)
class HookOutput:
    """What one command fired (:meth:`Context.deploy`,
    :meth:`Context.run_hook`), and the unit's status after."""

    runs: List[HookRun]
    """Every hook run, in order: deferred events' re-runs, the hook, and
    what its relation writes fired on other units."""
    unit: str
    status: Status
    """The unit's workload status after (``error`` while a hook failed)."""

    @property
    def ran(self) -> List[str]:
        """The hooks that ran on :attr:`unit`, by name."""
        return [run.hook for run in self.runs if run.unit == self.unit]

    @property
    def succeeded(self) -> bool:
        """Whether no run failed."""
        return all(run.status != "failed" for run in self.runs)


class Context:
    """One charm, built, with its own units' data: run its actions with
    :meth:`run` and :meth:`run_failing`, its hooks with :meth:`deploy` and
    :meth:`run_hook`; set the model around it (:meth:`set_config`,
    :meth:`integrate`, :meth:`add_secret`) and read what it wrote
    (:meth:`status`, :meth:`relations`, :meth:`secret`).

    ``charm_dir`` is the charm's directory (``charmcraft.yaml`` and, once
    built, ``charm.wasm``). ``unit`` is the unit actions run on (default
    ``<charm name>/0``); ``build`` whether to run ``charmbox build`` first;
    ``timeout`` is ``charmbox run --timeout`` (``"5m"``, ``"30s"``).
    """

    def __init__(
        self,
        charm_dir: Union[str, os.PathLike],
        *,
        unit: Optional[str] = None,
        build: bool = True,
        timeout: Optional[str] = None,
        charmbox: Optional[str] = None,
    ) -> None:
        self.charm_dir = Path(charm_dir).resolve()
        self.unit = unit
        self.timeout = timeout
        self.charmbox = charmbox or _find_charmbox()
        self._state = tempfile.TemporaryDirectory(prefix="charmbox-test-")
        self.state_dir = Path(self._state.name)
        """The state directory the runs use (units' data, the task store,
        the local model)."""
        self._app: Optional[str] = None
        if build and self.charm_dir not in _BUILT:
            self._charmbox(["build", str(self.charm_dir)], what="building the charm")
            _BUILT[self.charm_dir] = None

    def data_dir(self, unit: Optional[str] = None) -> Path:
        """A unit's ``/data`` on the host (default: the context's unit, or
        ``<app>/0``): seed files before a run, inspect them after."""
        name = unit or self.unit
        if name is None:
            raise ValueError("name the unit: data_dir('my-app/0')")
        app, number = name.split("/", 1)
        return self.state_dir / "units" / f"{app}-{number}" / "data"

    def run(self, action: str, params: Optional[Mapping[str, Any]] = None) -> ActionOutput:
        """Runs ``action`` with ``params`` and returns what it reported.

        Raises :class:`ActionFailed` if it failed, :class:`InvalidParams` if
        charmbox refused the params, :class:`CharmboxError` if the charm
        could not be loaded or run."""
        output = self._run(action, params)
        if output.status != "completed":
            raise ActionFailed(output)
        return output

    def run_failing(self, action: str, params: Optional[Mapping[str, Any]] = None) -> ActionFailed:
        """Runs ``action``, expecting it to fail, and returns the failure;
        raises ``AssertionError`` if it completed."""
        output = self._run(action, params)
        if output.status == "completed":
            raise AssertionError(
                f"action {action!r} completed, but the test expected it to fail; "
                f"results: {json.dumps(output.results)}"
            )
        return ActionFailed(output)

    # Hooks, in the context's local model.

    def deploy(self, units: int = 1) -> HookOutput:
        """``charmbox deploy`` of the charm with ``units`` units in the
        context's model: each unit's setup hooks (install, the peer
        relations' hooks, leader-elected, config-changed, start); its first
        unit leads. Records the application (:attr:`app`). The output's unit
        is the first. Raises :class:`CharmboxError` if charmbox refused (the
        charm deployed already, for one)."""
        before = self._last_hook_id()
        done = self._invoke(["deploy", str(self.charm_dir), "-n", str(units)])
        if done.returncode not in (0, EXIT_FAILED):
            raise CharmboxError(f"charmbox deploy failed: {_error_text(done.stderr)}")
        app = self._app_of_charm()
        if app is None:
            raise CharmboxError(f"charmbox deploy {self.charm_dir} left no application of it in the model")
        self._app = app
        runs = self._hook_runs(after=before)
        unit = runs[0].unit if runs else self._default_unit()
        return HookOutput(runs=runs, unit=unit, status=self.status(unit))

    def run_hook(
        self,
        hook: str,
        unit: Optional[str] = None,
        *,
        relation: Optional[int] = None,
        remote_unit: Optional[str] = None,
    ) -> HookOutput:
        """Fires ``hook`` on ``unit`` (default: the context's unit, or the
        application's first) as ``charmbox run-hook`` does, the unit's
        deferred events first; deploys one unit first if :meth:`deploy` was
        not called. A relation hook takes the endpoint's relation
        (``relation``, its id, when there are several) and ``remote_unit``. A
        hook that fails is in the output (``succeeded`` is false, the status
        ``error``); raises :class:`CharmboxError` if charmbox refused to fire
        it."""
        self._deployed_app()
        unit = unit or self._default_unit()
        before = self._last_hook_id()
        args = ["run-hook", unit, hook]
        if relation is not None:
            args += ["--relation", str(relation)]
        if remote_unit is not None:
            args += ["--remote-unit", remote_unit]
        done = self._invoke(args)
        runs = self._hook_runs(after=before)
        if done.returncode not in (0, EXIT_FAILED) or (done.returncode == EXIT_FAILED and not runs):
            raise CharmboxError(f"charmbox run-hook {unit} {hook} failed: {_error_text(done.stderr)}")
        return HookOutput(runs=runs, unit=unit, status=self.status(unit))

    # The local model: what the charm reads, set before a run; what it
    # wrote, read after. Each goes through the operator's command.

    @property
    def app(self) -> str:
        """The charm's application in the model: the one :meth:`deploy`
        made, or, when none was, one unit deployed now."""
        return self._deployed_app()

    def set_config(self, values: Mapping[str, Any]) -> None:
        """Sets config options, as ``charmbox config APP key=value`` (typed
        as Juju types them; ``config-changed`` runs)."""
        pairs = [f"{key}={_config_text(value)}" for key, value in values.items()]
        self._charmbox(["config", self.app, *pairs], what="setting config")

    def reset_config(self, *keys: str) -> None:
        """Resets config options to their defaults."""
        self._charmbox(["config", self.app, "--reset", ",".join(keys)], what="resetting config")

    def integrate(self, endpoint: str, remote: Mapping[str, Any]) -> None:
        """Relates the charm's ``endpoint`` to a stand-in remote application
        (``charmbox integrate APP:ENDPOINT --remote FILE``): ``remote`` is that
        file's content, ``application``, ``endpoint``, ``interface``,
        ``application-data`` and ``units`` (each unit's databag)."""
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(dict(remote), file)
        try:
            self._charmbox(
                ["integrate", f"{self.app}:{endpoint}", "--remote", file.name],
                what=f"relating {endpoint}",
            )
        finally:
            os.unlink(file.name)

    def add_secret(self, name: str, content: Mapping[str, str], *, grant: bool = True) -> str:
        """Adds a user secret (``charmbox add-secret``) and, unless ``grant``
        is false, grants the charm's application access; returns its URI."""
        pairs = [f"{key}={value}" for key, value in content.items()]
        done = self._charmbox(["add-secret", name, *pairs], what="adding a secret")
        if grant:
            self._charmbox(["grant-secret", name, self.app], what="granting the secret")
        return done.stdout.strip()

    def status(self, unit: Optional[str] = None) -> Status:
        """A unit's workload status (default: the context's unit, or the
        application's first), as ``charmbox status`` shows it."""
        name = unit or self._default_unit()
        apps = self._model_status().get("applications", {})
        for info in apps.values():
            view = info.get("units", {}).get(name)
            if view is not None:
                return _status(view.get("workload-status", {}))
        known = sorted(unit for info in apps.values() for unit in info.get("units", {}))
        raise CharmboxError(f"unit {name} is not in the model; its units are {known}")

    def app_status(self) -> Status:
        """The application's status, as ``charmbox status`` shows it."""
        return _status(self._status_of_app().get("application-status", {}))

    def relations(self, endpoint: str, unit: Optional[str] = None) -> List[RelationInfo]:
        """A unit's relations on ``endpoint`` with their databags, as
        ``charmbox show-unit`` shows them (default: the context's unit, or
        the application's first)."""
        name = unit or self._default_unit()
        shown = self._json(["show-unit", name, "--format", "json"], what=f"showing {name}")
        found = []
        for info in shown.get(name, {}).get("relation-info", []):
            if info.get("endpoint") != endpoint:
                continue
            found.append(
                RelationInfo(
                    id=int(info["relation-id"]),
                    endpoint=endpoint,
                    remote_endpoint=info.get("related-endpoint", ""),
                    unit_data=dict(info.get("local-unit", {}).get("data", {})),
                    app_data=dict(info.get("local-application-data", {})),
                    remote_app_data=dict(info.get("application-data", {})),
                    remote_units={
                        remote: dict(bag.get("data", {}))
                        for remote, bag in info.get("related-units", {}).items()
                    },
                )
            )
        return found

    def secrets(self) -> List[SecretInfo]:
        """Every secret of the model, content revealed."""
        listed = self._json(["secrets", "--format", "json"], what="listing secrets")
        return [self.secret(uri) for uri in listed]

    def secret(self, name: str) -> SecretInfo:
        """A secret by URI, name (a user secret) or label (a charm's own),
        content revealed, as ``charmbox show-secret --reveal`` shows it."""
        listed = self._json(["secrets", "--format", "json"], what="listing secrets")
        uri = next(
            (uri for uri, info in listed.items() if name in (uri, info.get("name"), info.get("label"))),
            name,
        )
        shown = self._json(["show-secret", uri, "--reveal", "--format", "json"], what=f"showing secret {name}")
        ((uri, info),) = shown.items()
        return SecretInfo(
            uri=uri,
            owner=str(info.get("owner", "")),
            label=info.get("label", info.get("name")),
            revision=int(info.get("revision", 0)),
            content=dict(info.get("content", {})),
            raw=info,
        )

    def _default_unit(self) -> str:
        """The context's unit, or the first unit of the charm's application
        (deployed first when it is not yet)."""
        if self.unit:
            return self.unit
        units = self._status_of_app().get("units", {})
        if not units:
            raise CharmboxError(f"the application {self.app} has no unit in the model")
        return next(iter(units))

    def _hook_runs(self, after: int) -> List[HookRun]:
        done = self._charmbox(["hooks", "--format", "json"], what="listing the hook runs")
        return [
            HookRun(
                id=int(run["id"]),
                unit=run["unit"],
                hook=run["hook"],
                context=run.get("context", {}),
                status=run["status"],
                cause=run.get("cause", ""),
                message=run.get("message"),
            )
            for run in json.loads(done.stdout or "[]")
            if int(run["id"]) > after
        ]

    def _last_hook_id(self) -> int:
        if not (self.state_dir / "hooks.db").exists():
            return 0
        runs = self._hook_runs(after=0)
        return runs[-1].id if runs else 0

    def _model_status(self) -> Dict[str, Any]:
        return self._json(["status", "--format", "json"], what="reading the status")

    def _status_of_app(self) -> Dict[str, Any]:
        app = self.app  # deployed first, if need be, before the status is read
        return self._model_status().get("applications", {}).get(app, {})

    def _deployed_app(self) -> str:
        """The charm's application, deploying one unit of it first when the
        model has none."""
        if self._app is None:
            self._app = self._app_of_charm()
        if self._app is None:
            self.deploy()
        if self._app is None:
            raise CharmboxError(f"charmbox deploy {self.charm_dir} left no application of it in the model")
        return self._app

    def _app_of_charm(self) -> Optional[str]:
        """The application in the model running this charm directory, if any
        (found by its charm's path, as ``charmbox status`` shows it)."""
        for app, info in self._model_status().get("applications", {}).items():
            if info.get("charm") and Path(info["charm"]).resolve() == self.charm_dir:
                return app
        return None

    def _json(self, args: List[str], *, what: str) -> Dict[str, Any]:
        done = self._charmbox(args, what=what)
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def _run(self, action: str, params: Optional[Mapping[str, Any]]) -> ActionOutput:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(dict(params or {}), file)
        try:
            args = ["run", str(self.charm_dir), action, "--params", file.name, "--format", "json"]
            if self.unit:
                args += ["--unit", self.unit]
            if self.timeout:
                args += ["--timeout", self.timeout]
            done = self._invoke(args)
        finally:
            os.unlink(file.name)
        if done.returncode not in (0, EXIT_FAILED) or not done.stdout.strip():
            message = _error_text(done.stderr)
            if message.startswith(_INVALID_PARAMS):
                raise InvalidParams(action, message)
            raise CharmboxError(f"charmbox run {action} failed: {message}")
        tasks = json.loads(done.stdout)
        (task,) = tasks.values()
        return ActionOutput(
            action=action,
            id=str(task.get("id", "")),
            unit=task.get("unit", ""),
            status=task.get("status", ""),
            results=task.get("results", {}),
            log=[_log_entry(entry) for entry in task.get("log", [])],
            message=task.get("message"),
            raw=task,
        )

    def _charmbox(self, args: List[str], *, what: str) -> subprocess.CompletedProcess:
        done = self._invoke(args)
        if done.returncode != 0:
            raise CharmboxError(f"{what} failed (charmbox {' '.join(args)}):\n{_error_text(done.stderr)}")
        return done

    def _invoke(self, args: List[str]) -> subprocess.CompletedProcess:
        env = dict(os.environ, CHARMBOX_STATE_DIR=str(self.state_dir))
        return subprocess.run(
            [self.charmbox, *args], capture_output=True, text=True, env=env, check=False
        )


def _config_text(value: Any) -> str:
    """A config value as ``charmbox config`` takes it: ``true``, ``3``, text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _status(shown: Mapping[str, Any]) -> Status:
    return Status(str(shown.get("current", "")), str(shown.get("message", "")))


def _log_entry(entry: Any) -> LogEntry:
    """A log line as ``juju run`` prints it: ``2026-12-02 01:39:58 +0000 UTC
    message`` (a timestamp of four words, then the message)."""
    if isinstance(entry, dict):
        return LogEntry(str(entry.get("timestamp", "")), str(entry.get("message", "")))
    words = str(entry).split(" ", 4)
    if len(words) < 5:
        return LogEntry("", str(entry))
    return LogEntry(" ".join(words[:4]), words[4])


def _find_charmbox() -> str:
    explicit = os.environ.get("CHARMBOX")
    if explicit:
        return explicit
    found = shutil.which("charmbox")
    if found is None:
        raise CharmboxError(
            "cannot find the charmbox binary: put it on PATH "
            "(`cargo install --path <charmbox checkout>/cli`) or set CHARMBOX to its path"
        )
    return found


def _error_text(stderr: str) -> str:
    text = stderr.strip()
    return text[len("error: "):] if text.startswith("error: ") else text
