// `hello-js`: examples/hello's actions and hooks, written in JavaScript.
//
// The charm is an ops-like class from the `charmbox-ops` package (installed
// from guest-sdk/js, see package.json): each action is a method
// `on<Action>Action` (`snapshot-database` -> `onSnapshotDatabaseAction`),
// each hook `on<Hook>` (`friends-relation-joined` ->
// `onFriendsRelationJoined`), and `main` gives the functions the component
// exports, one per export of wit/world.wit, in camelCase. The hooks keep the
// unit's status: `maintenance` while installing, then `active` with the
// language its config names and how many friends (peer units) it has, or
// `blocked` with what is wrong in the config. config-changed and
// listeners-relation-joined also show the model in and out: they share the
// configured `greeting` in each `listeners` relation's unit databag and, from
// the leader, in the application's secret labelled `greeting`. Build with:
//
//   bash scripts/build-lang-charms.sh js

import {
  ActionError,
  ActiveStatus,
  BlockedStatus,
  CharmBase,
  MaintenanceStatus,
  main,
  SecretNotFoundError,
} from "charmbox-ops";

const GREETINGS = { en: "Hello", fr: "Bonjour", de: "Hallo" };
// The peer endpoint in charmcraft.yaml.
const FRIENDS = "friends";
// The endpoint the greeting is shared on (`provides` in charmcraft.yaml).
const LISTENERS = "listeners";

class HelloCharm extends CharmBase {
  // -- hooks: the unit's status, and the greeting shared

  // Nothing to install; say so while the rest comes.
  onInstall() {
    this.unit.status = new MaintenanceStatus("installing");
  }

  // `juju config hello-js greeting=Hi language=fr`: the model in (config)
  // and out (relation data, a secret, the status).
  onConfigChanged() {
    this.#shareGreeting();
    this.#showStatus();
  }

  onStart() {
    this.#showStatus();
  }

  // A peer unit joined: one more friend.
  onFriendsRelationJoined() {
    this.#showStatus();
  }

  // A peer unit left (or this one is leaving): one friend fewer.
  onFriendsRelationDeparted() {
    this.#showStatus();
  }

  // A listener joined (`juju integrate hello-js:listeners ...`): it gets the
  // greeting too.
  onListenersRelationJoined() {
    this.#shareGreeting();
    this.#showStatus();
  }

  // The configured greeting, in this unit's databag of each `listeners`
  // relation and, from the leader, in the application's secret labelled
  // `greeting`.
  #shareGreeting() {
    const greeting = String(this.config.greeting);
    for (const relation of this.model.relations.get(LISTENERS)) {
      relation.data.get(this.unit).set("greeting", greeting);
    }
    if (this.unit.isLeader()) {
      // An application's secret: only its leader may make one, once (a
      // label is unique); later changes give it a new revision.
      try {
        this.model.getSecret({ label: "greeting" }).setContent({ greeting });
      } catch (error) {
        if (!(error instanceof SecretNotFoundError)) throw error;
        this.app.addSecret({ greeting }, { label: "greeting" });
      }
    }
  }

  // `active` with the configured language and the number of friends, or
  // `blocked` with what is wrong in the config.
  #showStatus() {
    const language = this.config.language ?? "en";
    if (!Object.hasOwn(GREETINGS, language)) {
      this.unit.status = new BlockedStatus(`config option "language" is "${language}": it must be en, fr or de`);
      return;
    }
    const peers = this.model.getRelation(FRIENDS);
    const friends = peers ? peers.units.length : 0;
    this.unit.status = new ActiveStatus(`ready to greet in ${language}, ${friends} friends`);
  }

  // -- actions

  // `juju run hello-js/0 greet name=Ada language=fr`
  onGreetAction(event) {
    const params = event.params;
    const name = params.name;
    // charmbox fills in the schema's defaults; do not rely on it.
    const language = params.language ?? "en";
    if (!Object.hasOwn(GREETINGS, language)) {
      throw new ActionError(`unknown language ${JSON.stringify(language)}`);
    }
    const style = params.style ?? {};
    const uppercase = style.uppercase ?? false;
    const punctuation = style.punctuation ?? "!";
    event.log(`greeting ${name} in ${language}`);

    let text = `${GREETINGS[language]}, ${name}${punctuation}`;
    if (uppercase) text = text.toUpperCase();
    // Nested objects become dotted keys: greeting.text, greeting.language.
    // The length counts characters (code points), not UTF-16 units.
    event.setResults({
      greeting: { text, language },
      length: [...text].length,
    });
  }

  // `juju run hello-js/0 snapshot-database filename=db.snap steps=3`
  // An example only: it writes no file.
  onSnapshotDatabaseAction(event) {
    const filename = event.params.filename;
    const steps = event.params.steps ?? 3;
    // The schema says 1..=10 and charmbox checks it; check anyway.
    if (!(steps >= 1 && steps <= 10)) {
      throw new ActionError(`steps must be between 1 and 10, not ${steps}`);
    }
    for (let step = 1; step <= steps; step++) {
      // Each log line reaches the operator while the action runs.
      event.log(`step ${step}/${steps}: writing ${filename}`);
    }
    // What the handler prints is captured and returned with the results.
    console.log(`snapshot written to ${filename}`);
    event.setResults({ snapshot: { filename, steps } });
  }

  // `juju run hello-js/0 restore-snapshot filename=db.snap`
  onRestoreSnapshotAction(event) {
    const filename = event.params.filename;
    if (!filename.endsWith(".snap")) {
      // Results set before failing are kept...
      event.setResults({ checked: { filename } });
      // ...`fail` marks the action failed but does not stop the handler...
      event.fail(`cannot restore ${filename}: not a snapshot (expected a .snap file)`);
      // ...and results set after failing are kept too.
      event.setResults({ "checked.valid": "false" });
      return;
    }
    event.log(`restoring ${filename}`);
    event.setResults({ restored: filename });
  }

  // `juju run hello-js/0 check-disk path=/var/lib/db`
  // An example only: it checks that a path was given and reports it back.
  onCheckDiskAction(event) {
    const path = event.params.path;
    if (!path) {
      // Throwing an ActionError fails the action with this message.
      throw new ActionError("path must not be empty");
    }
    event.setResults({ path });
  }

  // `juju run hello-js/0 ping`
  // Does nothing and succeeds: shows the charm answers.
  onPingAction() {}
}

// One export per action and hook of wit/world.wit, by its camelCase name.
export const {
  greet,
  snapshotDatabase,
  restoreSnapshot,
  checkDisk,
  ping,
  install,
  configChanged,
  start,
  friendsRelationJoined,
  friendsRelationDeparted,
  listenersRelationJoined,
} = main(HelloCharm);
