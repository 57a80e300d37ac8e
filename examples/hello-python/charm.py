"""`hello-python`: examples/hello's actions and hooks, written in Python.

The charm is an ops-like class from the `charmbox-ops` package (installed
from guest-sdk/python, see requirements.txt): each action is a method
`on_<action>_action` (`-` turned into `_`), each hook `on_<hook>`,
and `charmbox_ops.main` makes the `WitWorld` class componentize-py calls,
one method per export of wit/world.wit. The hooks keep the unit's status:
`maintenance` while installing, then `active` with the language its config
names and how many friends (peer units) it has, or `blocked` with what is
wrong in the config. config-changed and listeners-relation-joined also show
the model in and out: they share the configured `greeting` in each
`listeners` relation's unit databag and, from the leader, in the
application's secret labelled `greeting`. Build with:

    bash scripts/build-lang-charms.sh python
"""

import charmbox_ops as ops
from charmbox_ops import ActionError, ActionEvent

GREETINGS = {"en": "Hello", "fr": "Bonjour", "de": "Hallo"}
FRIENDS = "friends"
"""The peer endpoint in charmcraft.yaml."""
LISTENERS = "listeners"
"""The endpoint the greeting is shared on (`provides` in charmcraft.yaml)."""


class HelloCharm(ops.CharmBase):
    # -- hooks: the unit's status, and the greeting shared

    def on_install(self, event: ops.InstallEvent) -> None:
        """Nothing to install; say so while the rest comes."""
        self.unit.status = ops.MaintenanceStatus("installing")

    def on_config_changed(self, event: ops.ConfigChangedEvent) -> None:
        """`juju config hello-python greeting=Hi language=fr`: the model in
        (config) and out (relation data, a secret, the status)."""
        self._share_greeting()
        self._show_status()

    def on_start(self, event: ops.StartEvent) -> None:
        self._show_status()

    def on_friends_relation_joined(self, event: ops.RelationJoinedEvent) -> None:
        """A peer unit joined: one more friend."""
        self._show_status()

    def on_friends_relation_departed(self, event: ops.RelationDepartedEvent) -> None:
        """A peer unit left (or this one is leaving): one friend fewer."""
        self._show_status()

    def on_listeners_relation_joined(self, event: ops.RelationJoinedEvent) -> None:
        """A listener joined (`juju integrate hello-python:listeners ...`):
        it gets the greeting too."""
        self._share_greeting()
        self._show_status()

    def _share_greeting(self) -> None:
        """The configured greeting, in this unit's databag of each
        `listeners` relation and, from the leader, in the application's
        secret labelled `greeting`."""
        greeting = str(self.config["greeting"])
        for relation in self.model.relations[LISTENERS]:
            relation.data[self.unit]["greeting"] = greeting
        if self.unit.is_leader():
            # An application's secret: only its leader may make one, once
            # (a label is unique); later changes give it a new revision.
            try:
                self.model.get_secret(label="greeting").set_content({"greeting": greeting})
            except ops.SecretNotFoundError:
                self.app.add_secret({"greeting": greeting}, label="greeting")

    def _show_status(self) -> None:
        """`active` with the configured language and the number of friends,
        or `blocked` with what is wrong in the config."""
        language = self.config.get("language", "en")
        if language not in GREETINGS:
            self.unit.status = ops.BlockedStatus(
                f'config option "language" is "{language}": it must be en, fr or de'
            )
            return
        peers = self.model.get_relation(FRIENDS)
        friends = len(peers.units) if peers is not None else 0
        self.unit.status = ops.ActiveStatus(f"ready to greet in {language}, {friends} friends")

    # -- actions

    def on_greet_action(self, event: ActionEvent) -> None:
        """`juju run hello-python/0 greet name=Ada language=fr`"""
        params = event.params
        name = params["name"]
        # charmbox fills in the schema's defaults; do not rely on it.
        language = params.get("language", "en")
        if language not in GREETINGS:
            raise ActionError(f"unknown language {language!r}")
        style = params.get("style", {})
        uppercase = style.get("uppercase", False)
        punctuation = style.get("punctuation", "!")
        event.log(f"greeting {name} in {language}")

        text = f"{GREETINGS[language]}, {name}{punctuation}"
        if uppercase:
            text = text.upper()
        # Nested dicts become dotted keys: greeting.text, greeting.language.
        event.set_results(
            {
                "greeting": {"text": text, "language": language},
                "length": len(text),
            }
        )

    def on_snapshot_database_action(self, event: ActionEvent) -> None:
        """`juju run hello-python/0 snapshot-database filename=db.snap steps=3`

        An example only: it writes no file.
        """
        filename = event.params["filename"]
        steps = event.params.get("steps", 3)
        # The schema says 1..=10 and charmbox checks it; check anyway.
        if not 1 <= steps <= 10:
            raise ActionError(f"steps must be between 1 and 10, not {steps}")
        for step in range(1, steps + 1):
            # Each log line reaches the operator while the action runs.
            event.log(f"step {step}/{steps}: writing {filename}")
        # What the handler prints is captured and returned with the results.
        print(f"snapshot written to {filename}")
        event.set_results({"snapshot": {"filename": filename, "steps": steps}})

    def on_restore_snapshot_action(self, event: ActionEvent) -> None:
        """`juju run hello-python/0 restore-snapshot filename=db.snap`"""
        filename = event.params["filename"]
        if not filename.endswith(".snap"):
            # Results set before failing are kept...
            event.set_results({"checked": {"filename": filename}})
            # ...`fail` marks the action failed but does not stop the handler...
            event.fail(
                f"cannot restore {filename}: not a snapshot (expected a .snap file)"
            )
            # ...and results set after failing are kept too.
            event.set_results({"checked.valid": "false"})
            return
        event.log(f"restoring {filename}")
        event.set_results({"restored": filename})

    def on_check_disk_action(self, event: ActionEvent) -> None:
        """`juju run hello-python/0 check-disk path=/var/lib/db`

        An example only: it checks that a path was given and reports it back.
        """
        path = event.params["path"]
        if not path:
            # Raising ActionError fails the action with this message.
            raise ActionError("path must not be empty")
        event.set_results({"path": path})

    def on_ping_action(self, event: ActionEvent) -> None:
        """`juju run hello-python/0 ping`

        Does nothing and succeeds: shows the charm answers.
        """


WitWorld = ops.main(HelloCharm)
