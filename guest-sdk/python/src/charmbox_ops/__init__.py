"""An ops-like API for Juju charms written in Python and run by charmbox as
WebAssembly components built with componentize-py.

A charm is a :class:`CharmBase` subclass with one method per event it
handles, named as ops names the event: ``on_install``,
``on_config_changed``, ``on_db_relation_changed``,
``on_snapshot_database_action``. :func:`main` turns it into the
``WitWorld`` class componentize-py calls::

    import logging

    import charmbox_ops as ops

    logger = logging.getLogger(__name__)

    class DatabaseCharm(ops.CharmBase):
        def on_config_changed(self, event: ops.ConfigChangedEvent) -> None:
            if "port" not in self.config:
                self.unit.status = ops.BlockedStatus("set a port")
                return
            self.unit.open_port("tcp", self.config["port"])
            self.unit.status = ops.ActiveStatus()

        def on_db_relation_changed(self, event: ops.RelationChangedEvent) -> None:
            if not self.unit.is_leader():
                return
            secret = self.app.add_secret({"password": "s3cret"}, label="db-password")
            secret.grant(event.relation)
            event.relation.data[self.app]["secret-id"] = secret.id
            logger.info("shared the password with %s", event.app.name)

        def on_snapshot_database_action(self, event: ops.ActionEvent) -> None:
            event.log(f"writing {event.params['filename']}")
            event.set_results({"snapshot": {"filename": event.params["filename"]}})

    WitWorld = ops.main(DatabaseCharm)

The world (``wit/world.wit``) includes ``juju:charm/charm@0.2.0`` and exports
one ``func() -> result<_, string>`` per action and hook handled, named as
Juju names it (``export db-relation-changed: func() -> result<_, string>;``).
This version of the package speaks contract ``juju:charm@0.2.0``.
"""

from types import ModuleType as _ModuleType

from ._host import CONTRACT
from .charm import (
    ActionEvent,
    CharmBase,
    ConfigChangedEvent,
    EventBase,
    Framework,
    HookEvent,
    InstallEvent,
    LeaderDeposedEvent,
    LeaderElectedEvent,
    LeaderSettingsChangedEvent,
    PebbleChangeUpdatedEvent,
    PebbleCheckFailedEvent,
    PebbleCheckRecoveredEvent,
    PebbleCustomNoticeEvent,
    PebbleReadyEvent,
    PostSeriesUpgradeEvent,
    PreSeriesUpgradeEvent,
    RelationBrokenEvent,
    RelationChangedEvent,
    RelationCreatedEvent,
    RelationDepartedEvent,
    RelationEvent,
    RelationJoinedEvent,
    RemoveEvent,
    SecretChangedEvent,
    SecretEvent,
    SecretExpiredEvent,
    SecretRemoveEvent,
    SecretRotateEvent,
    StartEvent,
    StopEvent,
    StorageAttachedEvent,
    StorageDetachingEvent,
    StorageEvent,
    UpdateStatusEvent,
    UpgradeCharmEvent,
    WorkloadEvent,
    flatten_results,
    main,
)
from .errors import (
    ActionError,
    InvalidStatusError,
    ModelError,
    RelationDataAccessError,
    RelationDataError,
    RelationDataTypeError,
    RelationNotFoundError,
    SecretNotFoundError,
    TooManyRelatedAppsError,
)
from .log import JujuLogHandler, setup_root_logging
from .model import (
    ActiveStatus,
    Application,
    BlockedStatus,
    ConfigData,
    ErrorStatus,
    MaintenanceStatus,
    Model,
    Port,
    Relation,
    RelationData,
    RelationDataContent,
    RelationMapping,
    Secret,
    SecretInfo,
    SecretRotate,
    StatusBase,
    Unit,
    UnitState,
    UnknownStatus,
    WaitingStatus,
)

__version__ = "0.2.0"

__all__ = [
    name
    for name, value in dict(globals()).items()
    if not name.startswith("_") and not isinstance(value, _ModuleType)
]
