"""The model over the faked imports: what each ops-like call sends the host
and what it gives back."""

import datetime
import logging
import unittest

import support
from support import FakeHost

import charmbox_ops as ops


class ModelCase(unittest.TestCase):
    def setUp(self):
        self.host = FakeHost().install()
        self.model = ops.Model()


class NarrowWorldTest(ModelCase):
    def test_an_interface_the_world_lacks_says_what_to_include(self):
        from charmbox_ops import _host

        module = _host._modules.pop("secret")
        _host._missing["secret"] = "wit_world.imports.secret"
        try:
            with self.assertRaises(ops.ModelError) as e:
                self.model.get_secret(label="x")
            self.assertEqual(
                str(e.exception),
                "the charm's world does not import juju:charm/secret@0.2.0: add "
                "`include juju:charm/charm@0.2.0;` to the world in wit/world.wit",
            )
        finally:
            _host._modules["secret"] = module
            del _host._missing["secret"]


class StatusTest(ModelCase):
    def test_setting_unit_status_sends_status_set(self):
        self.model.unit.status = ops.MaintenanceStatus("installing")
        self.assertEqual(self.host.unit_status, ("maintenance", "installing"))
        self.model.unit.status = ops.ActiveStatus()
        self.assertEqual(self.host.unit_status, ("active", ""))
        self.assertEqual(self.model.unit.status, ops.ActiveStatus())

    def test_every_settable_status_and_the_read_only_ones(self):
        for status in (ops.ActiveStatus("a"), ops.BlockedStatus("b"), ops.WaitingStatus("w"), ops.MaintenanceStatus("m")):
            self.model.unit.status = status
            self.assertEqual(self.host.unit_status, (status.name, status.message))
        for status in (ops.UnknownStatus(), ops.ErrorStatus("x")):
            with self.assertRaises(ops.InvalidStatusError) as e:
                self.model.unit.status = status
            self.assertIn(f'invalid status "{status.name}"', str(e.exception))
        with self.assertRaises(ops.InvalidStatusError):
            self.model.unit.status = "active"

    def test_reading_status_asks_once(self):
        self.host.unit_status = ("blocked", "set a port")
        self.assertEqual(self.model.unit.status, ops.BlockedStatus("set a port"))
        self.assertEqual(self.model.unit.status, ops.BlockedStatus("set a port"))
        self.assertEqual(self.host.count("status_get"), 1)
        self.assertEqual(repr(self.model.unit.status), "BlockedStatus('set a port')")

    def test_status_equality_is_kind_and_message(self):
        self.assertEqual(ops.ActiveStatus("x"), ops.ActiveStatus("x"))
        self.assertNotEqual(ops.ActiveStatus("x"), ops.BlockedStatus("x"))
        self.assertNotEqual(ops.ActiveStatus("x"), ops.ActiveStatus("y"))
        self.assertEqual(ops.StatusBase.from_name("unknown", "ignored"), ops.UnknownStatus())
        with self.assertRaises(TypeError):
            ops.StatusBase("x")

    def test_app_status_is_for_the_leader(self):
        with self.assertRaises(RuntimeError) as e:
            self.model.app.status = ops.ActiveStatus("ready")
        self.assertEqual(str(e.exception), "cannot set application status as a non-leader unit")
        self.assertEqual(self.host.count("status_set"), 0)
        self.host.leader = True
        self.model.app.status = ops.ActiveStatus("ready")
        self.assertEqual(self.host.app_status, ("active", "ready"))
        self.assertEqual(self.model.app.status, ops.ActiveStatus("ready"))

    def test_remote_status_is_unknown_and_cannot_be_set(self):
        other = self.model.get_unit("client/0")
        self.assertEqual(other.status, ops.UnknownStatus())
        self.assertEqual(self.model.get_app("client").status, ops.UnknownStatus())
        with self.assertRaises(RuntimeError):
            other.status = ops.ActiveStatus()
        self.assertEqual(self.host.calls[-1][0], "unit_name")

    def test_leadership_is_asked_each_time(self):
        self.assertFalse(self.model.unit.is_leader())
        self.host.leader = True
        self.assertTrue(self.model.unit.is_leader())
        self.assertEqual(self.host.count("is_leader"), 2)
        with self.assertRaises(RuntimeError):
            self.model.get_unit("db/1").is_leader()

    def test_workload_version(self):
        self.model.unit.set_workload_version("14.2")
        self.assertEqual(self.host.workload_version, "14.2")
        with self.assertRaises(TypeError):
            self.model.unit.set_workload_version(14)


class ConfigAndIdentityTest(ModelCase):
    def test_config_is_read_once_with_json_types(self):
        self.host.config = {"port": 5432, "ratio": 0.5, "tls": True, "name": "main"}
        config = self.model.config
        self.assertEqual(dict(config), self.host.config)
        self.assertIsInstance(config["port"], int)
        self.assertNotIn("missing", config)
        self.assertIs(self.model.config, config)
        self.assertEqual(self.host.count("config_get"), 1)

    def test_model_identity_comes_from_the_context(self):
        self.assertEqual(self.model.unit.name, "db/0")
        self.assertEqual(self.model.app.name, "db")
        self.assertEqual((self.model.name, self.model.uuid, self.model.juju_version), ("test-model", support.MODEL_UUID, "3.6.1"))
        self.assertIs(self.model.get_unit("db/0"), self.model.unit)
        self.assertIs(self.model.get_unit("client/0").app, self.model.get_app("client"))


class RelationTest(ModelCase):
    def setUp(self):
        super().setUp()
        self.host.add_relation(
            3,
            "db",
            "client",
            ["client/0", "client/1"],
            {"client/0": {"host": "10.0.0.9"}, "client": {"database": "orders"}, "db": {"secret-id": "s1"}},
        )
        self.host.add_relation(4, "cluster", "db", ["db/1"], {"db": {"members": "2"}})

    def test_relations_by_endpoint(self):
        [relation] = self.model.relations["db"]
        self.assertEqual((relation.name, relation.id), ("db", 3))
        self.assertEqual(relation.app.name, "client")
        self.assertEqual({u.name for u in relation.units}, {"client/0", "client/1"})
        self.assertEqual(self.model.relations["cache"], [])
        self.assertIs(self.model.get_relation("db"), relation)
        self.assertIsNone(self.model.get_relation("cache"))

    def test_several_relations_on_an_endpoint_need_an_id(self):
        self.host.add_relation(9, "db", "other", ["other/0"])
        with self.assertRaises(ops.TooManyRelatedAppsError):
            self.model.get_relation("db")
        self.assertEqual(self.model.get_relation("db", 9).app.name, "other")
        gone = self.model.get_relation("db", 99)
        self.assertFalse(gone.active)

    def test_remote_bags_are_read_once_each(self):
        relation = self.model.get_relation("db")
        client0 = self.model.get_unit("client/0")
        self.assertEqual(relation.data[client0]["host"], "10.0.0.9")
        self.assertEqual(dict(relation.data[client0]), {"host": "10.0.0.9"})
        self.assertEqual(dict(relation.data[relation.app]), {"database": "orders"})
        reads = [args for name, args in self.host.calls if name == "relation_get"]
        self.assertEqual(reads, [(3, "client/0", False), (3, "client", True)])
        with self.assertRaises(KeyError):
            relation.data[self.model.get_unit("stranger/0")]

    def test_writing_our_unit_bag_sends_only_changes(self):
        bag = self.model.get_relation("db").data[self.model.unit]
        bag["address"] = "10.0.0.1"
        bag.update({"address": "10.0.0.1", "port": "5432"})
        sets = [args for name, args in self.host.calls if name == "relation_set"]
        self.assertEqual(sets, [(3, False, [("address", "10.0.0.1")]), (3, False, [("port", "5432")])])
        self.assertEqual(self.host.relations[3].bags["db/0"], {"address": "10.0.0.1", "port": "5432"})
        del bag["port"]
        self.assertEqual(self.host.relations[3].bags["db/0"], {"address": "10.0.0.1"})
        self.assertNotIn("port", bag)
        bag["address"] = ""  # an empty value deletes, as in Juju
        self.assertEqual(dict(bag), {})

    def test_values_must_be_strings(self):
        bag = self.model.get_relation("db").data[self.model.unit]
        with self.assertRaises(ops.RelationDataTypeError):
            bag["port"] = 5432
        self.assertEqual(self.host.count("relation_set"), 0)

    def test_other_units_bags_are_not_writable(self):
        relation = self.model.get_relation("db")
        with self.assertRaises(ops.RelationDataAccessError) as e:
            relation.data[self.model.get_unit("client/0")]["x"] = "y"
        self.assertEqual(str(e.exception), "db/0 cannot write databag of client/0: not the same unit.")
        with self.assertRaises(ops.RelationDataAccessError) as e:
            relation.data[relation.app]["x"] = "y"
        self.assertEqual(str(e.exception), "db cannot write the data of remote application client")

    def test_our_app_bag_is_the_leaders(self):
        relation = self.model.get_relation("db")
        bag = relation.data[self.model.app]
        with self.assertRaises(ops.RelationDataAccessError) as e:
            bag["secret-id"] = "s2"
        self.assertEqual(str(e.exception), "db/0 is not leader and cannot write application data.")
        with self.assertRaises(ops.RelationDataAccessError) as e:
            bag["secret-id"]
        self.assertEqual(str(e.exception), "db/0 is not leader and cannot read its own application databag")
        self.assertEqual(repr(bag), "<n/a>")
        self.assertEqual(self.host.count("relation_get"), 0, "refused before asking the host")
        self.host.leader = True
        bag["secret-id"] = "s2"
        self.assertEqual(self.host.relations[3].bags["db"], {"secret-id": "s2"})

    def test_a_peer_app_bag_is_readable_by_every_unit(self):
        [peers] = self.model.relations["cluster"]
        self.assertEqual(peers.app, self.model.app)
        self.assertEqual(peers.data[self.model.app]["members"], "2")
        self.assertIn(self.model.get_unit("db/1"), peers.data)

    def test_a_refused_read_is_a_model_error(self):
        relation = self.model.get_relation("db")
        del self.host.relations[3]
        with self.assertRaises(ops.RelationNotFoundError) as e:
            relation.data[self.model.get_unit("client/1")]["x"]
        self.assertIn("relation not found", str(e.exception))


class SecretTest(ModelCase):
    def test_add_secret_as_leader_and_read_it_back(self):
        self.host.leader = True
        secret = self.model.app.add_secret(
            {"password": "one"},
            label="db-password",
            description="the admin password",
            expire=datetime.timedelta(hours=24),
            rotate=ops.SecretRotate.MONTHLY,
        )
        self.assertTrue(secret.id.startswith(f"secret://{support.MODEL_UUID}/"))
        stored = self.host.secrets[secret.id]
        self.assertEqual((stored.owner, stored.label, stored.description, stored.expire), ("application", "db-password", "the admin password", "86400s"))
        self.assertEqual(stored.rotate, support.secret.RotatePolicy.MONTHLY)
        self.assertEqual(secret.get_content(), {"password": "one"})
        self.assertEqual(self.host.count("secret_get"), 0, "the content it was made with is kept")

    def test_an_app_secret_needs_leadership(self):
        with self.assertRaises(ops.ModelError) as e:
            self.model.app.add_secret({"password": "one"})
        self.assertEqual(str(e.exception), "this unit is not the leader")

    def test_a_unit_secret(self):
        secret = self.model.unit.add_secret({"token": "abc"}, expire=datetime.datetime(2030, 1, 2, 3, 4, 5))
        stored = self.host.secrets[secret.id]
        self.assertEqual((stored.owner, stored.expire), ("unit", "2030-01-02T03:04:05+00:00"))

    def test_content_is_checked_as_juju_checks_it(self):
        for content, error in [({}, ValueError), ({"pw": "x"}, ValueError), ({"Password": "x"}, ValueError), ({"password": 1}, TypeError), ("x", TypeError)]:
            with self.assertRaises(error, msg=repr(content)):
                self.model.unit.add_secret(content)
        self.assertEqual(self.host.count("secret_add"), 0)

    def test_get_by_id_or_label_tracks_revisions(self):
        uri = self.host.add_secret({"password": "one"}, label="pw")
        by_id = self.model.get_secret(id=uri)
        self.assertEqual(by_id.get_content(), {"password": "one"})
        self.host.secrets[uri].revisions[2] = {"password": "two"}
        self.assertEqual(by_id.get_content(), {"password": "one"}, "kept")
        self.assertEqual(self.model.get_secret(label="pw").get_content(), {"password": "one"}, "still tracks 1")
        self.assertEqual(by_id.peek_content(), {"password": "two"})
        self.assertEqual(self.host.secrets[uri].tracked, 1, "peeking does not track")
        self.assertEqual(by_id.get_content(refresh=True), {"password": "two"})
        self.assertEqual(self.host.secrets[uri].tracked, 2)
        modes = [args[1].name for name, args in self.host.calls if name == "secret_get"]
        self.assertEqual(modes, ["TRACKED", "TRACKED", "PEEK", "REFRESH"])

    def test_get_by_id_and_label_labels_it(self):
        uri = self.host.add_secret({"password": "one"})
        secret = self.model.get_secret(id=uri, label="theirs")
        self.assertEqual(self.host.secrets[uri].consumer_label, "theirs")
        self.assertEqual(secret.label, "theirs")
        with self.assertRaises(TypeError):
            self.model.get_secret()

    def test_a_missing_secret(self):
        with self.assertRaises(ops.SecretNotFoundError):
            self.model.get_secret(label="nope")

    def test_set_content_info_grant_revoke_remove(self):
        uri = self.host.add_secret({"password": "one"}, label="pw")
        secret = self.model.get_secret(label="pw")
        secret.set_content({"password": "two"})
        self.assertEqual(self.host.secrets[uri].revisions, {1: {"password": "one"}, 2: {"password": "two"}})
        secret.set_info(description="rotated", rotate=ops.SecretRotate.DAILY)
        with self.assertRaises(TypeError):
            secret.set_info()
        info = secret.get_info()
        self.assertEqual(
            info,
            ops.SecretInfo(id=uri, label="pw", revision=2, expires=None, rotation=ops.SecretRotate.DAILY, description="rotated", owner="application"),
        )
        self.host.add_relation(3, "db", "client", ["client/0"])
        relation = self.model.get_relation("db")
        secret.grant(relation)
        secret.grant(relation, unit=self.model.get_unit("client/0"))
        self.assertEqual(self.host.secrets[uri].grants, {(3, None), (3, "client/0")})
        secret.revoke(relation)
        self.assertEqual(self.host.secrets[uri].grants, {(3, "client/0")})
        secret.remove_revision(1)
        self.assertEqual(list(self.host.secrets[uri].revisions), [2])
        secret.remove_all_revisions()
        self.assertNotIn(uri, self.host.secrets)

    def test_info_expiry_is_a_datetime(self):
        uri = self.host.add_secret({"password": "one"})
        self.host.secrets[uri].expire = "2030-01-02T03:04:05Z"
        info = self.model.get_secret(id=uri).get_info()
        self.assertEqual(info.expires, datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc))


class PortsTest(ModelCase):
    def test_open_close_and_list(self):
        unit = self.model.unit
        unit.open_port("tcp", 80)
        unit.open_port("UDP", 53)
        unit.open_port("icmp")
        unit.open_port("tcp", 8000, to_port=8080)
        self.assertEqual(
            unit.opened_ports(),
            {ops.Port("tcp", 80), ops.Port("udp", 53), ops.Port("icmp", None), ops.Port("tcp", 8000, 8080)},
        )
        unit.close_port("tcp", 80)
        self.assertNotIn(ops.Port("tcp", 80), unit.opened_ports())

    def test_set_ports_closes_the_others(self):
        unit = self.model.unit
        unit.open_port("tcp", 22)
        unit.set_ports(80, ops.Port("udp", 53))
        self.assertEqual(unit.opened_ports(), {ops.Port("tcp", 80), ops.Port("udp", 53)})

    def test_bad_ports_are_refused_with_junus_words_before_any_call(self):
        unit = self.model.unit
        for args, kwargs, why in [
            (("sctp", 1), {}, 'invalid protocol "sctp", expected "tcp", "udp", or "icmp"'),
            (("icmp", 80), {}, 'protocol "icmp" doesn\'t support any ports; got "80"'),
            (("tcp",), {}, "a tcp port needs a port number"),
            (("tcp", 70000), {}, "port range bounds must be between 0 and 65535, got 70000-70000"),
            (("tcp", 90), {"to_port": 80}, "invalid port range 90-80/tcp"),
        ]:
            with self.assertRaises(ops.ModelError) as e:
                unit.open_port(*args, **kwargs)
            self.assertEqual(str(e.exception), why)
        self.assertEqual(self.host.count("open_port"), 0)


class StateTest(ModelCase):
    def test_unit_state_is_a_mapping_over_state_calls(self):
        state = self.model.unit.state
        state["leader-seen"] = "yes"
        state.update({"a": "1", "b": ""})
        self.assertEqual(self.host.state, {"leader-seen": "yes", "a": "1", "b": ""})
        self.assertEqual(state["b"], "", "an empty value is a value")
        self.assertEqual(dict(state), self.host.state)
        self.assertEqual(len(state), 3)
        del state["a"]
        self.assertNotIn("a", state)
        with self.assertRaises(KeyError):
            state["a"]
        with self.assertRaises(KeyError):
            del state["a"]
        with self.assertRaises(TypeError):
            state["n"] = 1
        sets = [args for name, args in self.host.calls if name == "state_set"]
        self.assertEqual(sets, [([("leader-seen", "yes")],), ([("a", "1"), ("b", "")],)])

    def test_only_our_unit_has_state(self):
        with self.assertRaises(RuntimeError):
            self.model.get_unit("db/1").state


class LoggingTest(ModelCase):
    def tearDown(self):
        root = logging.getLogger()
        for h in list(root.handlers):
            if isinstance(h, ops.JujuLogHandler):
                root.removeHandler(h)
        root.setLevel(logging.WARNING)

    def test_python_logging_goes_to_juju_log_at_its_level(self):
        ops.setup_root_logging()
        ops.setup_root_logging()  # once only
        logger = logging.getLogger("my-charm")
        logger.debug("d")
        logger.info("port %d", 80)
        logger.warning("w")
        logger.error("e")
        logger.critical("c")
        logger.log(5, "dropped: below the root logger's DEBUG")
        logging.getLogger().setLevel(1)
        logger.log(5, "t")
        self.assertEqual(
            self.host.log,
            [("DEBUG", "d"), ("INFO", "port 80"), ("WARNING", "w"), ("ERROR", "e"), ("CRITICAL", "c"), ("TRACE", "t")],
        )


class ResultsTest(unittest.TestCase):
    def test_nested_dicts_become_dotted_keys_with_string_values(self):
        self.assertEqual(
            ops.flatten_results({"a": {"b": 1, "c": {"d": True}}, "e": None, "f": [1, "x"], "g": 1.5, "h": {}}),
            [("a.b", "1"), ("a.c.d", "true"), ("e", "null"), ("f", '[1,"x"]'), ("g", "1.5")],
        )

    def test_duplicate_dotted_keys_are_refused(self):
        with self.assertRaises(ValueError):
            ops.flatten_results({"a": {"b": 1}, "a.b": 2})
        with self.assertRaises(TypeError):
            ops.flatten_results([("a", "b")])

    def test_action_event_against_the_host(self):
        host = FakeHost().install()
        host.event = support.action_event("greet")
        host.params = {"name": "Ada"}
        event = ops.ActionEvent(ops.Framework(ops.Model()), "greet", "7")
        self.assertEqual(event.params, {"name": "Ada"})
        event.log("greeting")
        event.set_results({"greeting": {"text": "Hello, Ada!"}})
        event.fail("on purpose")
        self.assertEqual((host.action_log, host.results, host.failure), (["greeting"], {"greeting.text": "Hello, Ada!"}, "on purpose"))
        with self.assertRaises(ops.ActionError) as e:
            event.set_results({"stdout": "x"})
        self.assertEqual(str(e.exception), 'cannot set results of action "greet": key "stdout" must start and end with lowercase alphanumeric')
        self.assertEqual(host.count("action_get"), 1)
        event.params
        self.assertEqual(host.count("action_get"), 1, "params are read once")


if __name__ == "__main__":
    unittest.main()
