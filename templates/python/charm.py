"""The {{name}} charm: a CharmBase subclass with one method per event it
handles, named as ops names the handler (`greet` -> `on_greet_action`).
`charmbox build` compiles it with componentize-py into charm.wasm."""

import charmbox_ops as ops


class Charm(ops.CharmBase):
    def on_greet_action(self, event: ops.ActionEvent) -> None:
        """`charmbox run . greet name=Ada`"""
        # charmbox fills in the schema's default (`world`) before the run.
        name = event.params.get("name", "world")
        if not name:
            # Fails the action with this message.
            raise ops.ActionError("name must not be empty")
        event.log(f"greeting {name}")
        event.set_results({"greeting": f"Hello, {name}!"})


# The class componentize-py calls: one method per export of wit/world.wit.
WitWorld = ops.main(Charm)
