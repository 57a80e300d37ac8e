//! The {{name}} charm's actions: one function each, exported to charmbox by
//! `charm!` under the names `charmcraft.yaml` declares (`_` becomes `-`).
//! `charmbox build` compiles it to `charm.wasm`.

use charmbox_sdk::{bail, Action, Result};

charmbox_sdk::charm!(greet);

/// `charmbox run . greet name=Ada`
fn greet(action: &Action) -> Result<()> {
    // charmbox fills in the schema's default (`world`) before the run.
    let name: String = action.param("name")?.unwrap_or_else(|| "world".into());
    if name.is_empty() {
        // An error fails the action with its message.
        bail!("name must not be empty");
    }
    action.log(format!("greeting {name}"));
    action.set_result("greeting", format!("Hello, {name}!"))
}
