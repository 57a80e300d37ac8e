"""The model the stand-in tools read and change: a JSON file named by
FAKE_JUJU_MODEL (the schema is in hook_tool.py's docstring), plus the hook
context Juju gives a hook in its environment (JUJU_UNIT_NAME,
JUJU_RELATION_ID, JUJU_REMOTE_UNIT, JUJU_REMOTE_APP, JUJU_MODEL_UUID).

A tool that changes the model writes it back atomically (a temporary file
in the same directory, then rename), holding an exclusive lock on
`<model>.lock` from load to save so that concurrent tools do not lose each
other's changes.
"""

import fcntl
import json
import os
import re

DEFAULT_MODEL_UUID = "deadbeef-0bad-400d-8000-4b1d0d06f00d"

_APP = r"(?:[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)"
_APP_RULE = re.compile("^" + _APP + "$")
_UNIT_RULE = re.compile("^(" + _APP + ")/(?:0|[1-9][0-9]*)$")


def valid_application(name):
    return bool(_APP_RULE.match(name))


def valid_unit(name):
    return bool(_UNIT_RULE.match(name))


def unit_application(name):
    return name.split("/", 1)[0]


def unit_tag(name):
    return "unit-" + name.replace("/", "-")


def application_tag(name):
    return "application-" + name


def relation_tag(key):
    return "relation-" + key.replace(":", ".").replace(" ", "#")


def empty_model():
    return {}


class Model:
    def __init__(self, path, env):
        self.path = path
        self.env = env
        self.data = empty_model()
        self._lock = None
        self._saved = None

    @classmethod
    def open(cls, env):
        model = cls(env.get("FAKE_JUJU_MODEL") or None, env)
        if model.path:
            lock_path = model.path + ".lock"
            model._lock = open(lock_path, "a+")
            fcntl.flock(model._lock, fcntl.LOCK_EX)
            if os.path.exists(model.path):
                with open(model.path, encoding="utf-8") as f:
                    text = f.read()
                model.data = json.loads(text) if text.strip() else {}
        model._saved = json.dumps(model.data, sort_keys=True)
        return model

    def save(self):
        """Writes the model back if it changed (atomically)."""
        if not self.path or json.dumps(self.data, sort_keys=True) == self._saved:
            return
        import tempfile

        directory = os.path.dirname(os.path.abspath(self.path))
        fd, tmp = tempfile.mkstemp(prefix=".model-", suffix=".json", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, indent=2, ensure_ascii=False)
                f.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        self._saved = json.dumps(self.data, sort_keys=True)

    def close(self):
        if self._lock:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # -- who and where we are
    def unit(self):
        return self.data.get("unit") or self.env.get("JUJU_UNIT_NAME") or "unit/0"

    def application(self):
        return unit_application(self.unit())

    def is_leader(self):
        return bool(self.data.get("leader", False))

    def model_uuid(self):
        return self.data.get("model-uuid") or self.env.get("JUJU_MODEL_UUID") or DEFAULT_MODEL_UUID

    def model_type(self):
        return self.data.get("model-type", "iaas")

    def section(self, name, default):
        """The model's `name` entry, created (as `default`) if missing."""
        if name not in self.data or self.data[name] is None:
            self.data[name] = default
        return self.data[name]

    # -- relations
    def relations(self):
        return self.data.get("relations") or []

    def relation(self, rel_id):
        for rel in self.relations():
            if rel.get("id") == rel_id:
                return rel
        return None

    def hook_relation(self):
        """The relation of the running hook (JUJU_RELATION_ID, "db:1" or
        "1"), or None when there is none or it is not in the model."""
        text = self.env.get("JUJU_RELATION_ID") or ""
        trim = text.rsplit(":", 1)[-1]
        if not re.match(r"^[+-]?\d+$", trim):
            return None
        return self.relation(int(trim))

    def remote_unit(self):
        return self.env.get("JUJU_REMOTE_UNIT") or None

    def remote_application(self):
        app = self.env.get("JUJU_REMOTE_APP") or ""
        if not app and self.remote_unit():
            app = unit_application(self.remote_unit())
        return app or None

    def is_peer(self, rel):
        return bool(rel.get("peer")) or rel.get("role") == "peer"

    def remote_app_of(self, rel):
        if self.is_peer(rel):
            return rel.get("remote-app") or self.application()
        return rel.get("remote-app", "")

    def fake_id(self, rel):
        return "%s:%d" % (rel.get("endpoint", ""), rel["id"])

    def relation_key(self, rel):
        """Juju's relation key: the peer endpoint, or requirer then provider
        ("wordpress:db mysql:server")."""
        if rel.get("key"):
            return rel["key"]
        local = "%s:%s" % (self.application(), rel.get("endpoint", ""))
        if self.is_peer(rel):
            return local
        remote = "%s:%s" % (self.remote_app_of(rel), rel.get("remote-endpoint") or rel.get("endpoint", ""))
        if rel.get("role", "requirer") == "provider":
            return remote + " " + local
        return local + " " + remote

    def relation_id_setter(self):
        """jujuc's relationIdValue.Set: "db:1" or "1", which must exist."""

        def set_relation(value):
            trim = value.rsplit(":", 1)[-1]
            if not re.match(r"^[+-]?\d+$", trim):
                raise ValueError("invalid relation id")
            rel_id = int(trim)
            if self.relation(rel_id) is None:
                raise ValueError("relation not found")
            return rel_id

        return set_relation

    def default_relation_id(self):
        rel = self.hook_relation()
        return rel["id"] if rel else -1
