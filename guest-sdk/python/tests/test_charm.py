"""main(): a charm class becomes componentize-py's WitWorld; each export
runs its handler with the right event; errors become the export's error."""

import os
import subprocess
import sys
import unittest

import support
from support import FakeHost, hook_event, run_export, world

import charmbox_ops as ops


class Recorder(ops.CharmBase):
    """Records which handler ran with which event."""

    seen: list = []

    def on_install(self, event):
        Recorder.seen.append(("install", event))

    def on_config_changed(self, event):
        Recorder.seen.append(("config-changed", event))
        self.unit.status = ops.ActiveStatus(f"port {self.config['port']}")

    def on_db_relation_changed(self, event):
        Recorder.seen.append(("db-relation-changed", event))

    def on_db_relation_departed(self, event):
        Recorder.seen.append(("db-relation-departed", event))

    def on_secret_changed(self, event):
        Recorder.seen.append(("secret-changed", event))

    def on_secret_remove(self, event):
        Recorder.seen.append(("secret-remove", event))

    def on_data_storage_attached(self, event):
        Recorder.seen.append(("data-storage-attached", event))

    def on_web_pebble_ready(self, event):
        Recorder.seen.append(("web-pebble-ready", event))

    def on_snapshot_database_action(self, event):
        Recorder.seen.append(("snapshot-database", event))
        event.set_results({"snapshot": {"filename": event.params["filename"], "steps": 3}})

    def on_helper_thing(self, event):
        """Not a hook name: left alone by main()."""


RECORDER_EXPORTS = (
    "install",
    "config-changed",
    "db-relation-changed",
    "db-relation-departed",
    "secret-changed",
    "secret-remove",
    "data-storage-attached",
    "web-pebble-ready",
    "snapshot-database",
)


class MainTest(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost().install()
        Recorder.seen = []
        world(*RECORDER_EXPORTS)
        self.world = ops.main(Recorder)

    def test_every_export_is_a_method_of_witworld(self):
        for name in RECORDER_EXPORTS:
            self.assertTrue(callable(getattr(self.world, name.replace("-", "_"))), name)
        self.assertIn(support.wit_world.WitWorld, self.world.__mro__)
        self.world()  # no abstract method left

    def test_a_hook_runs_its_on_method_with_its_event_class(self):
        self.host.event = hook_event("install")
        self.assertIsNone(run_export(self.world, "install"))
        [(name, event)] = Recorder.seen
        self.assertEqual(name, "install")
        self.assertIsInstance(event, ops.InstallEvent)
        self.assertEqual(event.name, "install")

    def test_config_changed_reads_config_and_sets_status(self):
        self.host.event = hook_event("config-changed")
        self.host.config = {"port": 5432}
        self.assertIsNone(run_export(self.world, "config-changed"))
        self.assertEqual(self.host.unit_status, ("active", "port 5432"))

    def test_a_relation_hook_gets_its_relation_remote_app_and_unit(self):
        self.host.add_relation(7, "db", "client", ["client/0", "client/1"], {"client/1": {"want": "db"}})
        self.host.event = hook_event(
            "db-relation-changed",
            relation=support.context.Relation("db", 7),
            remote_unit="client/1",
            remote_app="client",
        )
        self.assertIsNone(run_export(self.world, "db-relation-changed"))
        [(_, event)] = Recorder.seen
        self.assertIsInstance(event, ops.RelationChangedEvent)
        self.assertEqual((event.relation.name, event.relation.id), ("db", 7))
        self.assertEqual(event.app.name, "client")
        self.assertEqual(event.unit.name, "client/1")
        self.assertEqual(dict(event.relation.data[event.unit]), {"want": "db"})
        self.assertTrue(event.relation.active)

    def test_a_departing_unit_keeps_its_bag_readable(self):
        # client/1 has left relation-list but its bag stays readable.
        self.host.add_relation(7, "db", "client", ["client/0"], {"client/1": {"bye": "yes"}})
        self.host.event = hook_event(
            "db-relation-departed",
            relation=support.context.Relation("db", 7),
            remote_unit="client/1",
            remote_app="client",
            departing_unit="client/1",
        )
        self.assertIsNone(run_export(self.world, "db-relation-departed"))
        [(_, event)] = Recorder.seen
        self.assertIsInstance(event, ops.RelationDepartedEvent)
        self.assertEqual(event.departing_unit.name, "client/1")
        self.assertEqual(event.relation.data[event.unit]["bye"], "yes")
        self.assertNotIn(event.unit, event.relation.units)

    def test_secret_hooks_carry_the_secret_and_revision(self):
        uri = self.host.add_secret({"password": "one"}, label="pw")
        self.host.event = hook_event("secret-remove", secret_id=uri, secret_label="pw", secret_revision=1)
        self.assertIsNone(run_export(self.world, "secret-remove"))
        [(_, event)] = Recorder.seen
        self.assertIsInstance(event, ops.SecretRemoveEvent)
        self.assertEqual((event.secret.id, event.secret.label, event.revision), (uri, "pw", 1))
        event.remove_revision()
        self.assertNotIn(uri, self.host.secrets)

    def test_a_bare_secret_id_is_made_a_uri_of_this_model(self):
        self.host.event = hook_event("secret-changed", secret_id="cq3rldnmp25c7bvnhim0")
        run_export(self.world, "secret-changed")
        [(_, event)] = Recorder.seen
        self.assertEqual(event.secret.id, f"secret://{support.MODEL_UUID}/cq3rldnmp25c7bvnhim0")
        self.assertEqual(event.secret.unique_identifier, "cq3rldnmp25c7bvnhim0")

    def test_storage_and_workload_hooks_name_what_they_concern(self):
        self.host.event = hook_event("data-storage-attached", storage_id="data/3")
        run_export(self.world, "data-storage-attached")
        self.host.event = hook_event("web-pebble-ready", workload="web")
        run_export(self.world, "web-pebble-ready")
        (_, storage), (_, workload) = Recorder.seen
        self.assertEqual((storage.storage_name, storage.storage_id), ("data", "data/3"))
        self.assertIsInstance(workload, ops.PebbleReadyEvent)
        self.assertEqual(workload.workload, "web")

    def test_an_action_runs_its_on_name_action_method(self):
        self.host.event = support.action_event("snapshot-database")
        self.host.params = {"filename": "db.snap"}
        os.environ["JUJU_ACTION_UUID"] = "42"
        try:
            self.assertIsNone(run_export(self.world, "snapshot-database"))
        finally:
            del os.environ["JUJU_ACTION_UUID"]
        [(_, event)] = Recorder.seen
        self.assertIsInstance(event, ops.ActionEvent)
        self.assertEqual((event.name, event.id), ("snapshot-database", "42"))
        self.assertEqual(self.host.results, {"snapshot.filename": "db.snap", "snapshot.steps": "3"})


class BuildTimeChecksTest(unittest.TestCase):
    def setUp(self):
        FakeHost().install()

    def test_an_export_without_a_handler_is_refused_by_name(self):
        world("install", "greet")

        class Charm(ops.CharmBase):
            def on_install(self, event):
                pass

        with self.assertRaises(TypeError) as e:
            ops.main(Charm)
        self.assertIn("the world exports action 'greet' but Charm has no method on_greet_action", str(e.exception))

    def test_a_handler_without_an_export_is_refused_with_the_wit_to_add(self):
        world("install")

        class Charm(ops.CharmBase):
            def on_install(self, event):
                pass

            def on_db_relation_joined(self, event):
                pass

        with self.assertRaises(TypeError) as e:
            ops.main(Charm)
        self.assertIn(
            "Charm.on_db_relation_joined handles 'db-relation-joined', which the world does not "
            "export: add `export db-relation-joined: func() -> result<_, string>;`",
            str(e.exception),
        )

    def test_main_takes_a_charm_class(self):
        world()
        with self.assertRaises(TypeError):
            ops.main(object)


class OutsideAComponentTest(unittest.TestCase):
    def test_the_package_imports_and_each_call_says_where_it_runs(self):
        src = os.path.join(os.path.dirname(support.HERE), "src")
        code = "import charmbox_ops as ops\ntry:\n    ops.Model()\nexcept ops.ModelError as e:\n    print(e)"
        out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": src}, capture_output=True, text=True, check=True)
        self.assertEqual(
            out.stdout.strip(),
            "charmbox_ops runs inside a component built by componentize-py (no module 'wit_world' here): "
            "build the charm, or run it with charmbox",
        )


class ErrorsTest(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost().install()
        world("install", "check", "crash")

        class Charm(ops.CharmBase):
            def on_install(self, event):
                raise RuntimeError("no disk")

            def on_check_action(self, event):
                raise ops.ActionError("path must not be empty")

            def on_crash_action(self, event):
                self.model.get_secret(id="secret:nope")

        self.world = ops.main(Charm)

    def test_an_action_error_is_the_failure_message_as_given(self):
        self.host.event = support.action_event("check")
        self.assertEqual(run_export(self.world, "check"), "path must not be empty")
        self.assertEqual(self.host.log, [], "an ActionError is the charm's message, not a crash")
        self.assertEqual(self.host.stderr, "")

    def test_any_other_exception_fails_with_its_type_and_goes_to_the_debug_log(self):
        self.host.event = hook_event("install")
        self.assertEqual(run_export(self.world, "install"), "RuntimeError: no disk")
        [(level, message)] = self.host.log
        self.assertEqual(level, "ERROR")
        self.assertIn("Uncaught exception while in charm code:", message)
        self.assertIn("RuntimeError: no disk", message)
        self.assertIn("Traceback (most recent call last)", self.host.stderr)

    def test_a_refused_model_call_fails_with_the_hosts_words(self):
        self.host.event = support.action_event("crash")
        error = run_export(self.world, "crash")
        self.assertEqual(error, 'SecretNotFoundError: secret "secret:nope" not found')


class DeferTest(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost().install()

    def run_hook(self, name, handler):
        world(name)
        charm = type("Charm", (ops.CharmBase,), {"on_" + name.replace("-", "_"): handler})
        self.host.event = hook_event(name)
        return run_export(ops.main(charm), name)

    def test_defer_tells_the_host_once_and_the_handler_carries_on(self):
        after = []

        def handler(self, event):
            event.defer()
            event.defer()
            after.append(event.deferred)

        self.assertIsNone(self.run_hook("update-status", handler))
        self.assertTrue(self.host.deferred)
        self.assertEqual(self.host.count("defer"), 1)
        self.assertEqual(after, [True])

    def test_events_ops_cannot_defer_say_so(self):
        def handler(self, event):
            event.defer()

        for hook, why in [
            ("stop", "RuntimeError: cannot defer stop events"),
            ("remove", "RuntimeError: cannot defer remove events"),
            ("secret-expired", "RuntimeError: cannot defer secret-expired events"),
        ]:
            self.host.secrets.clear()
            uri = self.host.add_secret({"key": "value"})
            self.host.event = hook_event(hook, secret_id=uri, secret_revision=1)
            world(hook)
            charm = type("Charm", (ops.CharmBase,), {"on_" + hook.replace("-", "_"): handler})
            self.assertEqual(run_export(ops.main(charm), hook), why)
            self.assertFalse(self.host.deferred)

    def test_an_action_cannot_be_deferred(self):
        world("backup")

        class Charm(ops.CharmBase):
            def on_backup_action(self, event):
                event.defer()

        self.host.event = support.action_event("backup")
        self.assertEqual(run_export(ops.main(Charm), "backup"), "RuntimeError: cannot defer action events")
        self.assertEqual(self.host.count("defer"), 0)


if __name__ == "__main__":
    unittest.main()
