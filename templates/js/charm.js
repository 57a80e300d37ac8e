// The {{name}} charm: a CharmBase subclass with one method per event it
// handles, named as ops names the handler in camelCase (`greet` ->
// `onGreetAction`). `charmbox build` compiles it into charm.wasm.

import { ActionError, CharmBase, main } from "charmbox-ops";

class Charm extends CharmBase {
  // `charmbox run . greet name=Ada`
  onGreetAction(event) {
    // charmbox fills in the schema's default (`world`) before the run.
    const name = event.params.name ?? "world";
    // Fails the action with this message.
    if (name === "") throw new ActionError("name must not be empty");
    event.log(`greeting ${name}`);
    event.setResults({ greeting: `Hello, ${name}!` });
  }
}

// One function per export of wit/world.wit, by its camelCase name.
export const { greet } = main(Charm);
