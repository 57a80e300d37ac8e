"""Python's ``logging`` to Juju's debug log (``juju-log``), as ops installs
it: a handler on the root logger at DEBUG, so ``logging.getLogger(__name__)
.info(...)`` in a charm is a ``juju-log`` line at that level."""

from __future__ import annotations

import logging

from . import _host


class JujuLogHandler(logging.Handler):
    """Sends each record to ``juju-log`` at the record's level (below DEBUG
    is TRACE)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            levels = _host.interface("log").Level
            if record.levelno >= logging.CRITICAL:
                level = levels.CRITICAL
            elif record.levelno >= logging.ERROR:
                level = levels.ERROR
            elif record.levelno >= logging.WARNING:
                level = levels.WARNING
            elif record.levelno >= logging.INFO:
                level = levels.INFO
            elif record.levelno >= logging.DEBUG:
                level = levels.DEBUG
            else:
                level = levels.TRACE
            _host.interface("log").juju_log(level, self.format(record))
        except Exception:  # noqa: BLE001 - logging must never raise into the charm
            self.handleError(record)


def setup_root_logging() -> None:
    """Adds a :class:`JujuLogHandler` to the root logger (once) and sets it to
    DEBUG, as ``ops.main`` does; the charm may raise the level."""
    root = logging.getLogger()
    if not any(isinstance(h, JujuLogHandler) for h in root.handlers):
        root.addHandler(JujuLogHandler())
        root.setLevel(logging.DEBUG)
