// Which export names are Juju hooks (the rest are actions), and the handler
// method each goes to.
//
// The names follow charmbox's host/src/charm/hooks.rs (from juju/juju
// internal/charm/hooks/hooks.go): unit and secret hooks by name, relation,
// storage and workload hooks by suffix, whatever the endpoint (the component
// does not see the charm's metadata; `charmbox check` refuses an action
// whose name has a hook's shape). The tests hold this list to the Rust one.

export const UNIT_HOOKS = Object.freeze([
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
]);
export const SECRET_HOOKS = Object.freeze(["secret-changed", "secret-expired", "secret-remove", "secret-rotate"]);
export const RELATION_SUFFIXES = Object.freeze([
  "-relation-created",
  "-relation-joined",
  "-relation-changed",
  "-relation-departed",
  "-relation-broken",
]);
export const STORAGE_SUFFIXES = Object.freeze(["-storage-attached", "-storage-detaching"]);
export const WORKLOAD_SUFFIXES = Object.freeze([
  "-pebble-ready",
  "-pebble-custom-notice",
  "-pebble-check-failed",
  "-pebble-check-recovered",
  "-pebble-change-updated",
]);

/**
 * `[kind, prefix]` of hook `name`, or `null` for an action name. `kind` is
 * a unit or secret hook's own name, or a prefixed hook's suffix without its
 * leading `-` (`relation-changed`) with `prefix` the endpoint, storage or
 * container; `prefix` is `""` for unit and secret hooks.
 * @param {string} name
 * @returns {[string, string] | null}
 */
export function splitHook(name) {
  if (UNIT_HOOKS.includes(name) || SECRET_HOOKS.includes(name)) return [name, ""];
  for (const suffix of [...RELATION_SUFFIXES, ...STORAGE_SUFFIXES, ...WORKLOAD_SUFFIXES]) {
    if (name.endsWith(suffix) && name.length > suffix.length) {
      return [suffix.slice(1), name.slice(0, -suffix.length)];
    }
  }
  return null;
}

/**
 * Whether export `name` (`db-relation-changed`) is a hook.
 * @param {string} name
 */
export function isHook(name) {
  return splitHook(name) !== null;
}

/**
 * `snapshot-database` → `snapshotDatabase`, as componentize-qjs names
 * exports and imports (heck's lower camel case).
 * @param {string} kebab
 */
export function camel(kebab) {
  return kebab.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/**
 * `snapshotDatabase` → `snapshot-database`.
 * @param {string} camelName
 */
export function kebab(camelName) {
  return camelName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The charm class's method for export `name`: `on<Hook>` for a hook
 * (`onInstall`, `onDbRelationChanged`), `on<Action>Action` for an action
 * (`onSnapshotDatabaseAction`), as ops names its events.
 * @param {string} name
 */
export function handlerName(name) {
  const pascal = camel(name).replace(/^./, (c) => c.toUpperCase());
  return isHook(name) ? `on${pascal}` : `on${pascal}Action`;
}
