// charmbox-ops: an ops-like API for Juju charms written in JavaScript and
// run by charmbox as WebAssembly components (jco componentize, QuickJS
// backend). Version 0.2.x speaks contract juju:charm@0.2.0.
//
// A charm is a class extending CharmBase with one method per event it
// handles, named as ops names the event in camelCase: onInstall,
// onConfigChanged, onDbRelationChanged, onSnapshotDatabaseAction. `main`
// gives the component's exports, which the module exports by name:
//
//   import { ActiveStatus, BlockedStatus, CharmBase, logger, main } from "charmbox-ops";
//
//   class DatabaseCharm extends CharmBase {
//     onConfigChanged(event) {
//       const port = this.config.port;
//       if (port === undefined) { this.unit.status = new BlockedStatus("set a port"); return; }
//       this.unit.openPort("tcp", port);
//       this.unit.status = new ActiveStatus();
//     }
//     onDbRelationChanged(event) {
//       if (!this.unit.isLeader()) return;
//       const secret = this.app.addSecret({ password: "s3cret" }, { label: "db-password" });
//       secret.grant(event.relation);
//       event.relation.data.get(this.app).set("secret-id", secret.id);
//       logger.info(`shared the password with ${event.app.name}`);
//     }
//     onSnapshotDatabaseAction(event) {
//       event.log(`writing ${event.params.filename}`);
//       event.setResults({ snapshot: { filename: event.params.filename } });
//     }
//   }
//
//   export const { configChanged, dbRelationChanged, snapshotDatabase } = main(DatabaseCharm);
//
// The world (wit/world.wit) includes juju:charm/charm@0.2.0 and
// wasi:cli/environment, stdout and stderr @0.2.12, and exports one
// `func() -> result<_, string>` per action and hook handled, named as Juju
// names it. Importing this package defines `console` over WASI stdout and
// stderr (QuickJS has none).

import "./console.js";

export { CONTRACT } from "./host.js";
export {
  ActionError,
  InvalidStatusError,
  ModelError,
  RelationDataAccessError,
  RelationDataError,
  RelationDataTypeError,
  RelationNotFoundError,
  SecretNotFoundError,
  TooManyRelatedAppsError,
} from "./errors.js";
export { LEVELS, jujuLog, logger } from "./log.js";
export {
  ActiveStatus,
  Application,
  BlockedStatus,
  ErrorStatus,
  MaintenanceStatus,
  Model,
  Port,
  Relation,
  RelationData,
  RelationDataContent,
  RelationMapping,
  Secret,
  SecretRotate,
  StatusBase,
  Unit,
  UnitState,
  UnknownStatus,
  WaitingStatus,
} from "./model.js";
export {
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
  flattenResults,
  main,
} from "./charm.js";
