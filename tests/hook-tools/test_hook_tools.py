"""Tests for the stand-in hook tools: each tool runs as a subprocess through
its symlinked name, against a temporary model, and its stdout, stderr, exit
status and the model it leaves are checked against what Juju 3.6's tools do.

    python3 -m unittest discover -s tests/hook-tools -v
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)

from juju_tools import formats  # noqa: E402
from juju_tools.yamlin import YamlError, load_string_map  # noqa: E402

URI_RULE = re.compile(r"^secret://deadbeef-0bad-400d-8000-4b1d0d06f00d/([0-9a-v]{19}[0g])$")


class Tools(unittest.TestCase):
    """Runs tools in a scratch directory with a clean environment."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.model_path = os.path.join(self.dir, "model.json")
        self.calls_path = os.path.join(self.dir, "calls.jsonl")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUJU_", "FAKE_JUJU_"))}
        env["PATH"] = HERE + os.pathsep + env.get("PATH", "")
        env["JUJU_UNIT_NAME"] = "hello/0"
        env["FAKE_JUJU_MODEL"] = self.model_path
        env["FAKE_JUJU_CALLS"] = self.calls_path
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.env = env

    def tearDown(self):
        self.tmp.cleanup()

    def write_model(self, **data):
        with open(self.model_path, "w", encoding="utf-8") as f:
            json.dump(data, f)

    def model(self):
        with open(self.model_path, encoding="utf-8") as f:
            return json.load(f)

    def run_tool(self, tool, *args, stdin=None, env=None, timeout=30):
        e = dict(self.env)
        e.update(env or {})
        p = subprocess.run([os.path.join(HERE, tool)] + list(args), input=stdin, env=e,
                           cwd=self.dir, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr

    def ok(self, tool, *args, **kw):
        code, out, err = self.run_tool(tool, *args, **kw)
        self.assertEqual((code, err), (0, ""), "%s %s: %s" % (tool, args, err))
        return out

    def fails(self, tool, *args, code=1, error=None, **kw):
        got, out, err = self.run_tool(tool, *args, **kw)
        self.assertEqual(got, code, "%s %s: stdout %r stderr %r" % (tool, args, out, err))
        self.assertEqual(out, "")
        if error is not None:
            self.assertEqual(err, "ERROR %s\n" % error)
        return err

    def calls(self):
        with open(self.calls_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f]


class EveryTool(Tools):
    def test_every_tool_has_a_symlink_to_hook_tool(self):
        import hook_tool
        for tool in hook_tool.TOOLS:
            path = os.path.join(HERE, tool)
            self.assertTrue(os.path.islink(path), tool)
            self.assertEqual(os.readlink(path), "hook_tool.py", tool)

    def test_unknown_name(self):
        link = os.path.join(self.dir, "not-a-tool")
        os.symlink(os.path.join(HERE, "hook_tool.py"), link)
        p = subprocess.run([link], env=self.env, capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "ERROR not-a-tool is not one of the stand-in hook tools\n")

    def test_works_through_a_symlink_elsewhere(self):
        # The e2e tests link hook_tool.py from a scratch directory.
        link = os.path.join(self.dir, "is-leader")
        os.symlink(os.path.join(HERE, "hook_tool.py"), link)
        p = subprocess.run([link], env=self.env, capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout), (0, "False\n"))


class CallsAndFailures(Tools):
    def test_every_call_is_recorded_as_a_json_array(self):
        self.ok("juju-log", "--log-level", "DEBUG", "hello there")
        self.run_tool("config-get", "--bogus")
        self.assertEqual(self.calls(), [["juju-log", "--log-level", "DEBUG", "hello there"],
                                        ["config-get", "--bogus"]])

    def test_stdin_is_recorded_only_when_read(self):
        self.write_model(relations=[{"id": 1, "endpoint": "db", "remote-app": "mysql"}])
        self.ok("relation-set", "-r", "1", "--file", "-", stdin="a: b\n")
        self.ok("relation-set", "-r", "1", "c=d", stdin="ignored")
        self.assertEqual(self.calls(), [
            ["relation-set", "-r", "1", "--file", "-", {"stdin": "a: b\n"}],
            ["relation-set", "-r", "1", "c=d"],
        ])

    def test_fake_juju_fail(self):
        self.fails("action-set", "a=b", env={"FAKE_JUJU_FAIL": "juju-log,action-set"},
                   error="action-set failed: told to by FAKE_JUJU_FAIL")
        self.assertEqual(self.calls(), [["action-set", "a=b"]])

    def test_fake_juju_unreachable(self):
        self.fails("relation-set", "-r", "1", "--file", "-", stdin="a: b\n",
                   env={"FAKE_JUJU_UNREACHABLE": "relation-set"},
                   error="dial unix @/var/lib/juju/agents/unit-hello-0/agent.socket: connect: "
                         "connection refused")
        self.assertEqual(self.calls(), [["relation-set", "-r", "1", "--file", "-"]])

    def test_fake_juju_hang(self):
        with self.assertRaises(subprocess.TimeoutExpired):
            self.run_tool("action-log", "x", env={"FAKE_JUJU_HANG": "action-log"}, timeout=1.5)
        self.assertEqual(self.calls(), [["action-log", "x"]])

    def test_without_a_model_file_the_model_is_empty(self):
        env = {"FAKE_JUJU_MODEL": ""}
        self.assertEqual(self.ok("config-get", "--format=json", env=env), "{}\n")
        self.assertEqual(self.ok("is-leader", env=env), "False\n")
        self.assertEqual(self.ok("status-set", "active", env=env), "")
        self.assertFalse(os.path.exists(self.model_path))


class CommandLine(Tools):
    def setUp(self):
        super().setUp()
        self.write_model(config={"values": {"a": "x", "n": 5}})

    def test_format_value_in_either_form_and_interspersed(self):
        self.assertEqual(self.ok("config-get", "--format=json", "a"), '"x"\n')
        self.assertEqual(self.ok("config-get", "--format", "json", "a"), '"x"\n')
        self.assertEqual(self.ok("config-get", "a", "--format", "json"), '"x"\n')

    def test_double_dash_ends_flags(self):
        self.assertEqual(self.ok("juju-log", "--", "--debug"), "")
        self.assertEqual(self.model()["log"], [{"level": "INFO", "message": "--debug"}])

    def test_errors(self):
        self.fails("config-get", "--bogus", code=2, error="option provided but not defined: --bogus")
        self.fails("config-get", "-x", code=2, error="option provided but not defined: -x")
        self.fails("config-get", "--format", code=2, error="option needs an argument: --format")
        self.fails("config-get", "--format=xml", code=2,
                   error='invalid value "xml" for option --format: unknown format "xml"')
        self.fails("config-get", "a", "b", code=2, error='unrecognized args: ["b"]')
        self.fails("config-get", "--all=maybe", code=2,
                   error='invalid value "maybe" for option --all: '
                         'strconv.ParseBool: parsing "maybe": invalid syntax')

    def test_help(self):
        out = self.ok("config-get", "--help")
        self.assertTrue(out.startswith("Usage: config-get [options] [<key>]\n"), out)

    def test_output_file(self):
        self.assertEqual(self.ok("config-get", "-o", "out.txt", "n"), "")
        with open(os.path.join(self.dir, "out.txt")) as f:
            self.assertEqual(f.read(), "5\n")


class Actions(Tools):
    def params(self, value):
        path = os.path.join(self.dir, "params.json")
        with open(path, "w") as f:
            json.dump(value, f)
        self.env["FAKE_JUJU_PARAMS"] = path

    def test_action_get(self):
        self.params({"name": "Ada", "style": {"upper": False}, "n": 2.0})
        self.assertEqual(self.ok("action-get", "--format=json"),
                         '{"n":2,"name":"Ada","style":{"upper":false}}\n')
        self.assertEqual(self.ok("action-get", "style.upper"), "False\n")
        self.assertEqual(self.ok("action-get", "name"), "Ada\n")
        self.assertEqual(self.ok("action-get", "--format=json", "missing.key"), "null\n")
        self.assertEqual(self.ok("action-get", "missing"), "")
        # "n" reads back as a bool in YAML 1.1: yaml.v2 quotes it.
        self.assertEqual(self.ok("action-get"), '"n": 2\nname: Ada\nstyle:\n  upper: false\n')

    def test_action_set_and_fail(self):
        self.ok("action-set", "out.text=hi", "length=2")
        self.ok("action-log", "step", "one")
        self.ok("action-fail")
        self.assertEqual(self.model()["action"], {
            "results": {"out": {"text": "hi"}, "length": "2"}, "log": ["step one"],
            "failed": "action failed without reason given, check action for errors"})
        self.fails("action-set", "novalue", code=2,
                   error='argument "novalue" must be of the form key...=value')
        self.fails("action-set", "Bad=1", code=2,
                   error='key "Bad" must start and end with lowercase alphanumeric, and contain '
                         'only lowercase alphanumeric and hyphens')
        self.fails("action-set", "stdout=1", code=2, error='cannot set reserved action key "stdout"')
        self.fails("action-fail", "a", "b", code=2, error='unrecognized args: ["b"]')
        self.fails("action-log", code=2, error="no message specified")


class Logging(Tools):
    def test_juju_log(self):
        self.ok("juju-log", "plain")
        self.ok("juju-log", "--debug", "dbg")
        self.ok("juju-log", "-l", "warn", "w")
        self.ok("juju-log", "--log-level=bogus", "b")
        self.write_model(**dict(self.model(), relations=[{"id": 4, "endpoint": "db"}]))
        self.ok("juju-log", "in", "hook", env={"JUJU_RELATION_ID": "db:4"})
        self.assertEqual(self.model()["log"], [
            {"level": "INFO", "message": "plain"},
            {"level": "DEBUG", "message": "dbg"},
            {"level": "WARNING", "message": "w"},
            {"level": "WARNING", "message": 'Specified log level of "bogus" is not valid'},
            {"level": "INFO", "message": "b"},
            {"level": "INFO", "message": "db:4: in hook"},
        ])
        self.fails("juju-log", code=2, error="no message specified")
        self.fails("juju-log", "-l", code=2, error="option needs an argument: -l")
        code, out, err = self.run_tool("juju-log", "--format", "json", "m")
        self.assertEqual((code, err), (0, '--format flag deprecated for command "juju-log"'))


class Config(Tools):
    def setUp(self):
        super().setUp()
        self.write_model(config={
            "defaults": {"monsters": False, "spline-reticulation": 45, "title": "My Title",
                         "empty": None, "ratio": 0.5},
            "values": {"title": "Set Title", "username": "admin001"}})

    def test_all(self):
        self.assertEqual(self.ok("config-get", "--format=json"),
                         '{"monsters":false,"ratio":0.5,"spline-reticulation":45,'
                         '"title":"Set Title","username":"admin001"}\n')
        self.assertEqual(self.ok("config-get", "--all", "--format=json"),
                         '{"empty":null,"monsters":false,"ratio":0.5,"spline-reticulation":45,'
                         '"title":"Set Title","username":"admin001"}\n')
        self.assertEqual(self.ok("config-get"),
                         "monsters: false\nratio: 0.5\nspline-reticulation: 45\n"
                         "title: Set Title\nusername: admin001\n")
        self.assertIn("empty: null\n", self.ok("config-get", "-a"))

    def test_key(self):
        self.assertEqual(self.ok("config-get", "monsters"), "False\n")
        self.assertEqual(self.ok("config-get", "--format=yaml", "monsters"), "false\n")
        self.assertEqual(self.ok("config-get", "--format=json", "monsters"), "false\n")
        self.assertEqual(self.ok("config-get", "spline-reticulation"), "45\n")
        self.assertEqual(self.ok("config-get", "missing"), "")
        self.assertEqual(self.ok("config-get", "--format=yaml", "missing"), "")
        self.assertEqual(self.ok("config-get", "--format=json", "missing"), "null\n")
        self.assertEqual(self.ok("config-get", "--format=json", "empty"), "null\n")
        self.fails("config-get", "--all", "monsters", code=2,
                   error='cannot use argument --all together with key "monsters"')


class Leadership(Tools):
    def test_is_leader(self):
        self.write_model(leader=True)
        self.assertEqual(self.ok("is-leader"), "True\n")
        self.assertEqual(self.ok("is-leader", "--format=json"), "true\n")
        self.assertEqual(self.ok("is-leader", "--format=yaml"), "true\n")
        self.write_model(leader=False)
        self.assertEqual(self.ok("is-leader"), "False\n")
        self.assertEqual(self.ok("is-leader", "--format=json"), "false\n")
        self.fails("is-leader", "x", code=2, error='unrecognized args: ["x"]')


class Status(Tools):
    def test_unit_status(self):
        self.assertEqual(self.ok("status-get"), "unknown\n")
        self.ok("status-set", "maintenance", "installing")
        self.assertEqual(self.ok("status-get"), "maintenance\n")
        self.assertEqual(self.ok("status-get", "--format=json"), '{"status":"maintenance"}\n')
        self.assertEqual(self.ok("status-get", "--include-data", "--format=json"),
                         '{"message":"installing","status":"maintenance","status-data":{}}\n')
        self.assertEqual(self.ok("status-get", "--include-data"),
                         "message: installing\nstatus: maintenance\nstatus-data: {}\n")
        self.assertEqual(self.model()["unit-status"],
                         {"status": "maintenance", "message": "installing", "data": {}})
        self.fails("status-set", "bogus", code=2,
                   error='invalid status "bogus", expected one of [maintenance blocked waiting active]')
        self.fails("status-set", code=2, error="invalid args, require <status> [message]")
        self.fails("status-set", "active", "a", "b", code=2, error='unrecognized args: ["b"]')

    def test_application_status_needs_leadership(self):
        self.write_model(leader=False)
        self.fails("status-set", "--application", "active", error="this unit is not the leader")
        self.fails("status-get", "--application",
                   error="finding application status: this unit is not the leader")
        self.write_model(leader=True, **{"unit-status": {"status": "active", "message": "up"},
                                         "peer-unit-statuses": {"hello/1": {"status": "waiting"}}})
        self.ok("status-set", "--application", "blocked", "need db")
        self.assertEqual(self.ok("status-get", "--application"), "blocked\n")
        self.assertEqual(self.ok("status-get", "--application", "--format=json"),
                         '{"application-status":{"status":"blocked","units":'
                         '{"hello/0":{"status":"active"},"hello/1":{"status":"waiting"}}}}\n')
        self.assertEqual(
            self.ok("status-get", "--application", "--include-data", "--format=json"),
            '{"application-status":{"message":"need db","status":"blocked","status-data":{},'
            '"units":{"hello/0":{"message":"up","status":"active","status-data":{}},'
            '"hello/1":{"message":"","status":"waiting","status-data":{}}}}}\n')

    def test_application_version_set(self):
        self.ok("application-version-set", "1.2.3")
        self.assertEqual(self.model()["workload-version"], "1.2.3")
        self.fails("application-version-set", code=2, error="no version specified")


class State(Tools):
    def test_get_set_delete(self):
        self.assertEqual(self.ok("state-get", "--format=json"), "null\n")
        self.assertEqual(self.ok("state-get"), "{}\n")
        self.ok("state-set", "one=two", "three= four ", "num=12")
        self.assertEqual(self.model()["state"], {"one": "two", "three": "four", "num": "12"})
        self.assertEqual(self.ok("state-get"), 'num: "12"\none: two\nthree: four\n')
        self.assertEqual(self.ok("state-get", "-"), 'num: "12"\none: two\nthree: four\n')
        self.assertEqual(self.ok("state-get", "one"), "two\n")
        self.assertEqual(self.ok("state-get", "missing"), "")
        self.assertEqual(self.ok("state-get", "--format=json", "missing"), '""\n')
        self.fails("state-get", "--strict", "missing", error='"missing" not found')
        self.ok("state-delete", "one")
        self.ok("state-delete", "never-there")
        self.ok("state-delete")
        self.assertEqual(self.model()["state"], {"three": "four", "num": "12"})

    def test_set_errors_and_file(self):
        self.fails("state-set", "five", code=2, error='expected "key=value", got "five"')
        self.fails("state-set", "=x", code=2, error='expected "key=value", got "=x"')
        self.fails("state-set", "a=1", "a=2", code=2, error='key "a" specified more than once')
        self.fails("state-set", "k=" + "v" * (64 * 1024 + 1),
                   error="max allowed value length (65536) exceeded")
        self.fails("state-set", "k" * 257 + "=v", error="max allowed key length (256) exceeded")
        self.ok("state-set", "--file", "-", "b=override", stdin="a: x\nb: y\n")
        self.assertEqual(self.model()["state"], {"a": "x", "b": "override"})
        self.fails("state-set", "--file", "-", stdin="one = two",
                   error="yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `one = two` "
                         "into map[string]string")
        self.fails("state-set", "--file", "nope.yaml",
                   error="open %s: no such file or directory" % os.path.join(
                       os.path.realpath(self.dir), "nope.yaml"))


class Relations(Tools):
    def setUp(self):
        super().setUp()
        self.write_model(leader=False, relations=[
            {"id": 1, "endpoint": "db", "remote-app": "mysql", "remote-endpoint": "server",
             "remote-units": {"mysql/1": {"host": "10.0.0.2"}, "mysql/0": {"host": "10.0.0.1",
                                                                           "port": "3306"}},
             "other-units": {"mysql/2": {"host": "gone"}},
             "local-unit-data": {"mine": "x"}, "local-app-data": {"app": "y"},
             "remote-app-data": {"database": "wp"}},
            {"id": 10, "endpoint": "db", "remote-app": "pg", "remote-units": {}},
            {"id": 2, "endpoint": "db", "remote-app": "old", "broken": True},
            {"id": 3, "endpoint": "peers", "peer": True,
             "remote-units": {"hello/1": {"p": "q"}}, "local-app-data": {"shared": "s"}},
        ])

    def test_relation_ids(self):
        self.assertEqual(self.ok("relation-ids", "db"), "db:1\ndb:10\n")
        self.assertEqual(self.ok("relation-ids", "--format=json", "db"), '["db:1","db:10"]\n')
        self.assertEqual(self.ok("relation-ids", "--format=yaml", "db"), "- db:1\n- db:10\n")
        self.assertEqual(self.ok("relation-ids", "--format=json", "nothing"), "[]\n")
        self.assertEqual(self.ok("relation-ids", "nothing"), "")
        self.assertEqual(self.ok("relation-ids", env={"JUJU_RELATION_ID": "peers:3"}), "peers:3\n")
        self.fails("relation-ids", code=2, error="no endpoint name specified")

    def test_relation_list(self):
        self.assertEqual(self.ok("relation-list", "-r", "db:1", "--format=json"),
                         '["mysql/0","mysql/1"]\n')
        self.assertEqual(self.ok("relation-list", "-r", "1"), "mysql/0\nmysql/1\n")
        self.assertEqual(self.ok("relation-list", "-r10", "--format=json"), "[]\n")
        self.assertEqual(self.ok("relation-list", "--app", env={"JUJU_RELATION_ID": "db:1"}),
                         "mysql\n")
        self.fails("relation-list", code=2, error="no relation id specified")
        self.fails("relation-list", "-r", "bad", code=2,
                   error='invalid value "bad" for option -r: invalid relation id')
        self.fails("relation-list", "--relation", "unknown:123", code=2,
                   error='invalid value "unknown:123" for option --relation: relation not found')

    def test_relation_get(self):
        self.assertEqual(self.ok("relation-get", "-r", "1", "-", "mysql/0"),
                         'host: 10.0.0.1\nport: "3306"\n')
        self.assertEqual(self.ok("relation-get", "-r", "1", "--format=json", "-", "mysql/0"),
                         '{"host":"10.0.0.1","port":"3306"}\n')
        self.assertEqual(self.ok("relation-get", "-r", "1", "port", "mysql/0"), "3306\n")
        self.assertEqual(self.ok("relation-get", "-r", "1", "missing", "mysql/0"), "")
        self.assertEqual(self.ok("relation-get", "-r", "1", "--format=json", "missing", "mysql/0"),
                         "null\n")
        self.assertEqual(self.ok("relation-get", "-r", "1", "host", "mysql/2"), "gone\n")
        self.assertEqual(self.ok("relation-get", "-r", "1", "-", "hello/0"), "mine: x\n")
        hook = {"JUJU_RELATION_ID": "db:1", "JUJU_REMOTE_UNIT": "mysql/1"}
        self.assertEqual(self.ok("relation-get", "host", env=hook), "10.0.0.2\n")
        self.assertEqual(self.ok("relation-get", env=hook), "host: 10.0.0.2\n")
        self.assertEqual(self.ok("relation-get", "--app", env=hook), "database: wp\n")
        self.assertEqual(self.ok("relation-get", "--app", "-", "mysql/0", "--format=json", "-r1"),
                         '{"database":"wp"}\n')
        only_app = {"JUJU_RELATION_ID": "db:1", "JUJU_REMOTE_APP": "mysql"}
        self.assertEqual(self.ok("relation-get", "database", env=only_app), "wp\n")

    def test_relation_get_errors(self):
        self.fails("relation-get", code=2, error="no relation id specified")
        self.fails("relation-get", "-r", "burble:123", code=2,
                   error='invalid value "burble:123" for option -r: relation not found')
        self.fails("relation-get", "-r", "1", code=2, error="no unit or application specified")
        self.fails("relation-get", "-r", "1", "-", "mysql", code=2,
                   error='expected unit name, got application name "mysql"')
        self.fails("relation-get", "-r", "1", "-", "Bad/0", code=2, error='invalid unit name "Bad/0"')
        self.fails("relation-get", "-r", "1", "-", "mysql/0", "x", code=2,
                   error='unrecognized args: ["x"]')
        self.fails("relation-get", "-r", "1", "-", "other/0", error="permission denied")
        self.fails("relation-get", "-r", "1", "-", "mysql/9",
                   error='cannot read settings for unit "mysql/9" in relation '
                         '"hello:db mysql:server": unit "mysql/9": settings not found')

    def test_own_application_bag_needs_leadership_unless_peer(self):
        self.fails("relation-get", "-r", "1", "--app", "-", "hello", error="permission denied")
        self.assertEqual(self.ok("relation-get", "-r", "3", "--app", "-", "hello"), "shared: s\n")
        self.assertEqual(self.ok("relation-get", "-r", "3", "-", "hello/1"), "p: q\n")
        m = self.model()
        m["leader"] = True
        self.write_model(**m)
        self.assertEqual(self.ok("relation-get", "-r", "1", "--app", "-", "hello"), 'app: "y"\n')

    def test_relation_set(self):
        self.ok("relation-set", "-r", "1", "a=1", "mine=", "b=x=y")
        rel = self.model()["relations"][0]
        self.assertEqual(rel["local-unit-data"], {"a": "1", "b": "x=y"})
        self.fails("relation-set", "-r", "1", "--app", "k=v", error="cannot write relation settings")
        self.fails("relation-set", "k=v", code=2, error="no relation id specified")
        self.fails("relation-set", "-r", "1", "haha", code=2, error='expected "key=value", got "haha"')
        self.ok("relation-set", "--file", "-", "c=3", env={"JUJU_RELATION_ID": "db:1"},
                stdin='{"a": "", "d": "4", "e": 5}')
        self.assertEqual(self.model()["relations"][0]["local-unit-data"],
                         {"b": "x=y", "c": "3", "d": "4", "e": "5"})
        m = self.model()
        m["leader"] = True
        self.write_model(**m)
        self.ok("relation-set", "-r", "1", "--app", "k=v", "app=")
        self.assertEqual(self.model()["relations"][0]["local-app-data"], {"k": "v"})
        self.fails("relation-set", "-r", "1", "--file", "-", stdin="[haha]",
                   error="yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into "
                         "map[string]string")
        self.fails("relation-set", "-r", "1", "--file", "-", stdin="a:\n  b: c\n",
                   error="yaml: unmarshal errors:\n  line 2: cannot unmarshal !!map into string")


class Secrets(Tools):
    def add(self, *args, **kw):
        out = self.ok("secret-add", *args, **kw)
        m = URI_RULE.match(out.strip())
        self.assertTrue(m, out)
        return out.strip(), m.group(1)

    def set_leader(self, leader):
        m = self.model() if os.path.exists(self.model_path) else {}
        m["leader"] = leader
        self.write_model(**m)

    def test_add_needs_leadership_for_application_secrets(self):
        self.write_model(leader=False)
        self.fails("secret-add", "token=abc", error="this unit is not the leader")
        uri, ident = self.add("--owner", "unit", "token=abc")
        secret = self.model()["secrets"][0]
        self.assertEqual(secret["owner"], "hello/0")
        self.assertEqual(secret["revisions"], [{"revision": 1, "content": {"token": "YWJj"},
                                                "expire": None}])

    def test_revision_tracking(self):
        self.write_model(leader=True)
        uri, ident = self.add("token=one")
        self.assertEqual(self.ok("secret-get", uri), "token: one\n")
        self.ok("secret-set", uri, "token=two")
        self.assertEqual(self.ok("secret-get", uri), "token: one\n")
        self.assertEqual(self.ok("secret-get", uri, "--peek"), "token: two\n")
        self.assertEqual(self.ok("secret-get", uri), "token: one\n")
        self.assertEqual(self.ok("secret-get", uri, "--refresh", "--format=json"),
                         '{"token":"two"}\n')
        self.assertEqual(self.ok("secret-get", uri, "token"), "two\n")
        self.assertEqual(self.ok("secret-get", "secret:" + ident, "token#base64"), "dHdv\n")
        self.assertEqual(self.model()["secrets"][0]["consumers"],
                         {"hello/0": {"revision": 2, "label": ""}})
        self.ok("secret-set", uri, "token=two")  # same content: no new revision
        self.assertEqual(self.model()["secrets"][0]["latest-revision"], 2)
        self.fails("secret-get", uri, "--peek", "--refresh", code=2,
                   error="specify one of --peek or --refresh but not both")
        self.fails("secret-get", uri, "nokey", error='secret key value "nokey" not found')

    def test_first_peek_tracks_the_latest(self):
        self.write_model(leader=True)
        uri, _ = self.add("aaa=bbb")
        self.ok("secret-set", uri, "aaa=ccc")
        self.assertEqual(self.ok("secret-get", uri, "--peek"), "aaa: ccc\n")
        self.assertEqual(self.model()["secrets"][0]["consumers"]["hello/0"]["revision"], 2)

    def test_labels(self):
        self.write_model(leader=True)
        uri, ident = self.add("--label", "db-pass", "pass=s3cret")
        self.assertEqual(self.ok("secret-get", "--label", "db-pass"), "pass: s3cret\n")
        self.fails("secret-add", "--label", "db-pass", "xxx=yyy",
                   error='secret with label "db-pass" already exists')
        # URI plus a new label relabels the owner's secret.
        self.ok("secret-get", uri, "--label", "renamed")
        self.assertEqual(self.model()["secrets"][0]["label"], "renamed")
        self.fails("secret-get", "--label", "db-pass", error='consumer label "db-pass" not found')

    def test_consumer(self):
        other = {"id": "cd88u16ffbaql5kgmlh0", "owner": "mysql", "label": "theirs",
                 "latest-revision": 2,
                 "revisions": [{"revision": 1, "content": {"password": "b2xk"}},
                               {"revision": 2, "content": {"password": "bmV3"}}]}
        self.write_model(leader=False, secrets=[other])
        self.fails("secret-get", "secret:cd88u16ffbaql5kgmlh0", error="permission denied")
        other["grants"] = [{"target": "application-hello", "scope": "relation-x", "role": "view"}]
        self.write_model(leader=False, secrets=[other])
        self.assertEqual(self.ok("secret-get", "cd88u16ffbaql5kgmlh0", "--label", "mine"),
                         "password: new\n")
        # The first argument is always the URI, even with --label.
        self.fails("secret-get", "--label", "mine", "password", code=2,
                   error='secret URI "password" not valid')
        self.assertEqual(self.ok("secret-get", "--label", "mine"), "password: new\n")
        self.fails("secret-get", "--label", "theirs", error='consumer label "theirs" not found')
        self.assertEqual(self.model()["secrets"][0]["consumers"],
                         {"hello/0": {"revision": 2, "label": "mine"}})
        # A consumer manages nothing: not listed, no metadata.
        self.assertEqual(self.ok("secret-ids", "--format=json"), "null\n")
        self.fails("secret-info-get", "secret:cd88u16ffbaql5kgmlh0",
                   error='secret "cd88u16ffbaql5kgmlh0" not found')

    def test_peers_read_application_secrets_but_do_not_manage_them(self):
        self.write_model(leader=True)
        uri, ident = self.add("--label", "shared", "key=vvv")
        self.set_leader(False)
        self.assertEqual(self.ok("secret-get", "--label", "shared"), "key: vvv\n")
        self.assertEqual(self.ok("secret-ids"), "")
        self.ok("secret-set", uri, "key=www")
        m = self.model()
        self.assertEqual(m["secrets"][0]["latest-revision"], 1)
        self.assertEqual(len(m["hook-errors"]), 1)
        self.assertEqual(m["hook-errors"], ['secret-set: "hello/0" is not leader of "hello"'])
        self.fails("secret-grant", uri, "-r", "1", code=2, error="invalid value \"1\" for option -r: "
                                                                 "relation not found")

    def test_ids_and_info(self):
        self.write_model(leader=True, relations=[{"id": 1, "endpoint": "db", "remote-app": "mysql",
                                                  "remote-endpoint": "server"}])
        uri, ident = self.add("--label", "lbl", "--description", "my pw", "--rotate", "hourly",
                              "--expire", "2030-01-01T06:06:06Z", "pwd=x1x",
                              env={"FAKE_JUJU_NOW": "2029-12-31T00:00:00Z"})
        self.assertEqual(self.ok("secret-ids"), ident + "\n")
        self.assertEqual(self.ok("secret-ids", "--format=json"), '["%s"]\n' % ident)
        self.assertEqual(
            self.ok("secret-info-get", uri, "--format=json"),
            '{"%s":{"revision":1,"label":"lbl","owner":"application","description":"my pw",'
            '"rotation":"hourly","expiry":"2030-01-01T06:06:06Z","rotates":"2029-12-31T01:00:00Z"}}\n'
            % ident)
        self.ok("secret-grant", uri, "-r", "db:1")
        self.assertEqual(
            self.ok("secret-info-get", "--label", "lbl"),
            "%s:\n  revision: 1\n  label: lbl\n  owner: application\n  description: my pw\n"
            "  rotation: hourly\n  expiry: 2030-01-01T06:06:06Z\n  rotates: 2029-12-31T01:00:00Z\n"
            "  access:\n  - target: application-mysql\n    scope: relation-hello.db#mysql.server\n"
            "    role: view\n" % ident)
        self.fails("secret-info-get", code=2, error="require either a secret URI or label")
        self.fails("secret-info-get", uri, "--label", "x", code=2,
                   error="specify either a secret URI or label but not both")
        self.fails("secret-info-get", "--label", "nope", error='secret "nope" not found')

    def test_grant_and_revoke(self):
        self.write_model(leader=True, relations=[{"id": 1, "endpoint": "db", "remote-app": "mysql"}])
        uri, ident = self.add("pwd=x1x")
        self.ok("secret-grant", uri, "-r", "1", "--unit", "mysql/0")
        grants = self.model()["secrets"][0]["grants"]
        self.assertEqual(grants, [{"target": "unit-mysql-0", "scope": "relation-hello.db#mysql.db",
                                   "role": "view"}])
        self.fails("secret-grant", uri, "-r", "1",
                   error="any unit level grants need to be revoked before granting access to the "
                         "corresponding application")
        self.ok("secret-revoke", uri, "--unit", "mysql/0")
        self.ok("secret-grant", uri, "-r", "1")
        self.ok("secret-grant", uri, "-r", "1", "--unit", "mysql/1")  # covered by the app grant
        self.assertEqual(len(self.model()["secrets"][0]["grants"]), 1)
        self.ok("secret-revoke", uri, "-r", "1")
        self.assertEqual(self.model()["secrets"][0]["grants"], [])
        self.fails("secret-grant", uri, code=2, error="no relation id specified")
        self.fails("secret-grant", uri, "-r", "1", "--unit", "other/0", code=2,
                   error='cannot specify unit "other/0" in relation to application "mysql"')
        self.fails("secret-grant", uri, "-r", "1", "--unit", "foo", code=2,
                   error='unit "foo" not valid')
        self.fails("secret-grant", "foo", code=2, error='secret URI "foo" not valid')
        self.fails("secret-revoke", uri, code=2, error="missing relation or application or unit")
        self.fails("secret-revoke", uri, "--app", "0/foo", code=2,
                   error='application "0/foo" not valid')
        self.fails("secret-revoke", uri, "--app", "a", "--unit", "a/0", code=2,
                   error="specify only one of application or unit")
        self.fails("secret-revoke", uri, "--app", "mysql", code=2,
                   env={"JUJU_RELATION_ID": "db:1"}, error="do not specify both relation and app")
        self.fails("secret-grant", "secret:cd88u16ffbaql5kgmlh0", "-r", "1",
                   error='secret "cd88u16ffbaql5kgmlh0" not found')

    def test_remove(self):
        self.write_model(leader=True)
        uri, ident = self.add("aaa=bbb")
        self.ok("secret-set", uri, "aaa=ccc")
        self.ok("secret-remove", uri, "--revision", "1")
        self.assertEqual([r["revision"] for r in self.model()["secrets"][0]["revisions"]], [2])
        self.ok("secret-remove", uri)
        self.assertEqual(self.model()["secrets"], [])
        self.fails("secret-remove", code=2, error="missing secret URI")
        self.fails("secret-remove", uri, "--revision", "x", code=2,
                   error='invalid value "x" for option --revision: '
                         'strconv.ParseInt: parsing "x": invalid syntax')
        self.fails("secret-get", uri, error='secret "%s" not found' % uri)

    def test_content_forms_and_errors(self):
        self.write_model(leader=True)
        path = os.path.join(self.dir, "cert.pem")
        with open(path, "w") as f:
            f.write("line1\nline2\n")
        yaml_path = os.path.join(self.dir, "content.yaml")
        with open(yaml_path, "w") as f:
            f.write("from-file: 42\n")
        uri, _ = self.add("raw#base64=aGk=", "cert#file=" + path, "--file", yaml_path, "num=12")
        self.assertEqual(self.ok("secret-get", uri),
                         'cert: |\n  line1\n  line2\nfrom-file: "42"\nnum: "12"\nraw: hi\n')
        self.fails("secret-add", code=2, error="missing secret value or filename")
        self.fails("secret-add", "s3cret", code=2, error='key value "s3cret" not valid')
        self.fails("secret-add", "ab=c", code=2, error='key "ab" not valid')
        self.fails("secret-add", "foo=bar", "--rotate", "foo", code=2,
                   error='rotate policy "foo" not valid')
        self.fails("secret-add", "foo=bar", "--owner", "foo", code=2,
                   error='secret owner "foo" not valid')
        self.fails("secret-add", "foo=bar", "--expire", "-1h", code=2,
                   error='negative expire duration "-1h" not valid')
        self.fails("secret-add", "foo=bar", "--expire", "2022-01-01", code=2,
                   error='expire time or duration "2022-01-01" not valid')
        self.fails("secret-set", code=2, error="missing secret URI")
        self.fails("secret-set", "foo", code=2, error='secret URI "foo" not valid')
        uri2, _ = self.add("bad#base64=!!!!")
        self.fails("secret-get", uri2, error="illegal base64 data at input byte 0")

    def test_expire_duration(self):
        self.write_model(leader=True)
        self.add("aaa=bbb", "--expire", "1h30m", env={"FAKE_JUJU_NOW": "2024-01-31T10:00:00Z"})
        self.add("bbb=ccc", "--rotate", "monthly", env={"FAKE_JUJU_NOW": "2024-01-31T10:00:00Z"})
        s1, s2 = self.model()["secrets"]
        self.assertEqual(s1["revisions"][0]["expire"], "2024-01-31T11:30:00Z")
        self.assertEqual(s2["next-rotate"], "2024-03-02T10:00:00Z")  # Go's AddDate normalises


class Ports(Tools):
    def test_open_close_list(self):
        self.write_model()
        self.ok("open-port", "80")
        self.ok("open-port", "1000-2000/UDP")
        self.ok("open-port", "icmp")
        self.ok("open-port", "8080/tcp", "--endpoints", "db, admin")
        self.ok("open-port", "80")  # already open: nothing changes
        self.assertEqual(self.ok("opened-ports"), "icmp\n80/tcp\n8080/tcp\n1000-2000/udp\n")
        self.assertEqual(self.ok("opened-ports", "--format=json"),
                         '["icmp","80/tcp","8080/tcp","1000-2000/udp"]\n')
        self.assertEqual(self.ok("opened-ports", "--format=yaml"),
                         "- icmp\n- 80/tcp\n- 8080/tcp\n- 1000-2000/udp\n")
        self.assertEqual(self.ok("opened-ports", "--endpoints", "--format=json"),
                         '["icmp (*)","80/tcp (*)","8080/tcp (admin, db)","1000-2000/udp (*)"]\n')
        self.ok("close-port", "80/tcp")
        self.ok("close-port", "8080", "--endpoints", "db")
        self.ok("close-port", "9999")  # not open: nothing happens
        self.assertEqual(self.model()["opened-ports"],
                         {"": ["1000-2000/udp", "icmp"], "admin": ["8080/tcp"]})

    def test_errors(self):
        self.write_model(**{"opened-ports": {"": ["80-90/tcp"]},
                            "machine-ports": {"other/0": {"": ["443/tcp"]}}})
        self.fails("open-port", code=2, error="no port or range specified")
        self.fails("open-port", "abc", code=2,
                   error='invalid port "abc": strconv.Atoi: parsing "abc": invalid syntax')
        self.fails("open-port", "80/sctp", code=2,
                   error='invalid protocol "sctp", expected "tcp", "udp", or "icmp"')
        self.fails("open-port", "80/icmp", code=2,
                   error='protocol "icmp" doesn\'t support any ports; got "80"')
        self.fails("open-port", "90-80", code=2, error="invalid port range 90-80/tcp")
        self.fails("open-port", "70000", code=2,
                   error="port range bounds must be between 0 and 65535, got 70000-70000")
        self.fails("open-port", "1-2-3", code=2, error='invalid port range "1-2-3"')
        self.fails("open-port", "85", error='cannot open 85/tcp (unit "hello/0"): port range '
                                            'conflicts with 80-90/tcp (unit "hello/0")')
        self.fails("open-port", "443", error='cannot open 443/tcp (unit "hello/0"): port range '
                                             'conflicts with 443/tcp (unit "other/0")')
        self.fails("opened-ports", "x", code=2, error='unrecognized args: ["x"]')
        code, out, err = self.run_tool("open-port", "--format", "x", "22")
        self.assertEqual((code, err), (0, '--format flag deprecated for command "open-port"'))

    def test_kubernetes_takes_single_ports(self):
        self.write_model(**{"model-type": "caas"})
        self.fails("open-port", "80-81",
                   error="port ranges are not supported for k8s applications, please specify a "
                         "single port")


class Formats(unittest.TestCase):
    def test_json_like_go(self):
        self.assertEqual(formats.go_json({"b": [1.0, 1e21, 1e-7, 0.5], "a": "<&>\u2028"}),
                         '{"a":"\\u003c\\u0026\\u003e\\u2028","b":[1,1e+21,1e-7,0.5]}')
        self.assertEqual(formats.go_json(formats.GoStrings(None)), "null")
        self.assertEqual(formats.go_json(formats.NilMap()), "null")

    def test_yaml_like_yaml_v2(self):
        y = formats.go_yaml
        self.assertEqual(y({"pew": "pew\npew\n"}), "pew: |\n  pew\n  pew\n")
        self.assertEqual(y({"k": "a\nb"}), "k: |-\n  a\n  b\n")
        self.assertEqual(y({"value": "12345"}), 'value: "12345"\n')
        self.assertEqual(y({"a": "yes", "b": "", "c": "- x", "d": "10:30", "e": "1e5", "f": "1e+5",
                            "g": "2022-01-01", "h": "db:1", "i": None, "j": {}, "k": []}),
                         'a: "yes"\nb: ""\nc: \'- x\'\nd: "10:30"\ne: 1e5\nf: "1e+5"\n'
                         'g: "2022-01-01"\nh: db:1\ni: null\nj: {}\nk: []\n')
        self.assertEqual(y({"a10": 1, "a2": 2, "B": 3}), "B: 3\na2: 2\na10: 1\n")
        self.assertEqual(y({"l": [{"a": 1, "b": [1, 2]}]}), "l:\n- a: 1\n  b:\n  - 1\n  - 2\n")
        self.assertEqual(y(formats.GoStrings(None)), "[]\n")
        self.assertEqual(y(None), "")
        self.assertEqual(y({"t": "tab\there"}), 'k: x\n'.replace("k: x", 't: "tab\\there"'))
        self.assertEqual(formats.format_value(1.0e6, "yaml"), "1e+06\n")

    def test_smart(self):
        f = formats.format_value
        self.assertEqual(f("", "smart"), "")
        self.assertEqual(f("x", "smart"), "x\n")
        self.assertEqual(f(True, "smart"), "True\n")
        self.assertEqual(f(formats.GoStrings(["a", "b"]), "smart"), "a\nb\n")
        self.assertEqual(f(formats.GoStrings([]), "smart"), "")
        self.assertEqual(f({"a": 1}, "smart"), "a: 1\n")


class YamlInput(unittest.TestCase):
    def test_maps(self):
        self.assertEqual(load_string_map("{foo: bar, spam: eggs}"), {"foo": "bar", "spam": "eggs"})
        self.assertEqual(load_string_map("{\n  foo: bar,\n  spam: eggs\n}"),
                         {"foo": "bar", "spam": "eggs"})
        self.assertEqual(load_string_map(""), {})
        self.assertEqual(load_string_map("{a: b}\n{c: d}"), {"a": "b"})
        self.assertEqual(load_string_map("{foo: 'bar baz'}"), {"foo": "bar baz"})
        self.assertEqual(load_string_map('a: 1\nb: ~\nc: "x\\ty"\nd: |\n  l1\n  l2\ne: yes # c\n'),
                         {"a": "1", "b": "", "c": "x\ty", "d": "l1\nl2\n", "e": "yes"})

    def test_type_errors(self):
        cases = {
            "foo=bar ham=eggs good=bad": "line 1: cannot unmarshal !!str `foo=bar...` into "
                                         "map[string]string",
            "haha": "line 1: cannot unmarshal !!str `haha` into map[string]string",
            "[haha]": "line 1: cannot unmarshal !!seq into map[string]string",
        }
        for text, message in cases.items():
            with self.assertRaises(YamlError) as e:
                load_string_map(text)
            self.assertEqual(str(e.exception), "yaml: unmarshal errors:\n  " + message)


if __name__ == "__main__":
    unittest.main()
