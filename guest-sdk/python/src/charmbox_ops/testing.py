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

Hooks run in a local model in the context's state directory, as
``charmbox deploy`` and ``charmbox run-hook`` run them::

    def test_start_sets_active():
        ctx.deploy(units=2)                 # install, ..., start on each unit
        out = ctx.run_hook("start")         # on <app>/0
        assert out.ran == ["start"]
        assert out.status == UnitStatus("active", "ready")

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
from typing import Any, Dict, List, Mapping, Optional, Union

__all__ = [
    "ActionFailed",
    "ActionOutput",
    "CharmboxError",
    "Context",
    "HookOutput",
    "HookRun",
    "InvalidParams",
    "LogEntry",
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
class UnitStatus:
    """A unit's workload status, as ``charmbox status`` shows it."""

    current: str
    message: str = ""


@dataclass(frozen=True)
class HookOutput:
    """What one command fired (:meth:`Context.deploy`,
    :meth:`Context.run_hook`), and the unit's status after."""

    runs: List[HookRun]
    """Every hook run, in order: deferred events' re-runs, the hook, and
    what its relation writes fired on other units."""
    unit: str
    status: UnitStatus
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
    :meth:`run_hook`.

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
        """The state directory the runs use (units' data, the task store)."""
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

    def deploy(self, units: int = 1) -> HookOutput:
        """``charmbox deploy`` of the charm with ``units`` units in the
        context's model: each unit's setup hooks (install, the peer
        relations' hooks, leader-elected, config-changed, start). The output's
        unit is the first."""
        before = self._last_hook_id()
        done = self._invoke(["deploy", str(self.charm_dir), "-n", str(units)])
        if done.returncode not in (0, EXIT_FAILED):
            raise CharmboxError(f"charmbox deploy failed: {_error_text(done.stderr)}")
        self._deployed = True
        runs = self._hook_runs(after=before)
        unit = runs[0].unit if runs else ""
        return HookOutput(runs=runs, unit=unit, status=self._unit_status(unit))

    def run_hook(
        self,
        hook: str,
        unit: Optional[str] = None,
        *,
        relation: Optional[int] = None,
        remote_unit: Optional[str] = None,
    ) -> HookOutput:
        """Fires ``hook`` on ``unit`` (default: the context's unit, or the
        first) as ``charmbox run-hook`` does, the unit's deferred events
        first; deploys one unit first if :meth:`deploy` was not called. A
        relation hook takes the endpoint's relation (``relation``, its id,
        when there are several) and ``remote_unit``. A hook that fails is in
        the output (``succeeded`` is false, the status ``error``); raises
        :class:`CharmboxError` if charmbox refused to fire it."""
        if not getattr(self, "_deployed", False):
            self.deploy()
        unit = unit or self.unit or self._first_unit()
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
        return HookOutput(runs=runs, unit=unit, status=self._unit_status(unit))

    def _hook_runs(self, after: int) -> List[HookRun]:
        done = self._invoke(["hooks", "--format", "json"])
        if done.returncode != 0:
            raise CharmboxError(f"charmbox hooks failed: {_error_text(done.stderr)}")
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

    def _status(self) -> Dict[str, Any]:
        done = self._invoke(["status", "--format", "json"])
        if done.returncode != 0:
            raise CharmboxError(f"charmbox status failed: {_error_text(done.stderr)}")
        return json.loads(done.stdout)

    def _first_unit(self) -> str:
        for app in self._status().get("applications", {}).values():
            for name in app.get("units", {}):
                return name
        raise CharmboxError("the context's model has no unit: call deploy() first")

    def _unit_status(self, unit: str) -> UnitStatus:
        for app in self._status().get("applications", {}).values():
            view = app.get("units", {}).get(unit)
            if view is not None:
                workload = view.get("workload-status", {})
                return UnitStatus(workload.get("current", ""), workload.get("message", ""))
        return UnitStatus("unknown")

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

    def _charmbox(self, args: List[str], *, what: str) -> None:
        done = self._invoke(args)
        if done.returncode != 0:
            raise CharmboxError(f"{what} failed (charmbox {' '.join(args)}):\n{_error_text(done.stderr)}")

    def _invoke(self, args: List[str]) -> subprocess.CompletedProcess:
        env = dict(os.environ, CHARMBOX_STATE_DIR=str(self.state_dir))
        return subprocess.run(
            [self.charmbox, *args], capture_output=True, text=True, env=env, check=False
        )


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
