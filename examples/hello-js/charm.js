// `hello-js`: examples/hello's four actions, written in JavaScript.
//
// Each action is an exported function named after the action in camelCase
// (`snapshot-database` -> `snapshotDatabase`), wrapped with `action` so it
// gets an ops-like `event`. Build with:
//
//   bash scripts/build-lang-charms.sh js

import { action, ActionError } from "./charmbox-ops.js";

const GREETINGS = { en: "Hello", fr: "Bonjour", de: "Hallo" };

// `juju run hello-js/0 greet name=Ada language=fr`
export const greet = action(function greet(event) {
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
});

// `juju run hello-js/0 snapshot-database filename=db.snap steps=3`
// An example only: it writes no file.
export const snapshotDatabase = action(function snapshotDatabase(event) {
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
});

// `juju run hello-js/0 restore-snapshot filename=db.snap`
export const restoreSnapshot = action(function restoreSnapshot(event) {
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
});

// `juju run hello-js/0 check-disk path=/var/lib/db`
// An example only: it checks that a path was given and reports it back.
export const checkDisk = action(function checkDisk(event) {
  const path = event.params.path;
  if (!path) {
    // Throwing an ActionError fails the action with this message.
    throw new ActionError("path must not be empty");
  }
  event.setResults({ path });
});

// `juju run hello-js/0 ping`
// Does nothing and succeeds: shows the charm answers.
export const ping = action(function ping() {});
