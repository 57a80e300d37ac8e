"""The stand-in bindings in tests/fakes have the shapes of the ones
componentize-py generates for contract 0.2.0: same interfaces, functions and
parameter names, records and their fields, enums and their cases, variants.
So what the helper sends the FakeHost is what it sends a real host.

Needs componentize-py (``$CHARMBOX_COMPONENTIZE_PY``, else the one
scripts/build-lang-charms.sh installs in target/venv-componentize); without
it the test is skipped, or fails under ``CHARMBOX_REQUIRE_LANGS=1``.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
CONTRACT = os.path.join(ROOT, "wit", "juju-charm@0.2.0")
INTERFACES = ["action", "context", "config", "status", "log", "state", "relation", "secret", "ports"]

# Prints a JSON description of the bindings on sys.path[0].
DESCRIBE = textwrap.dedent(
    """
    import dataclasses, enum, importlib, inspect, json, sys, typing
    sys.path.insert(0, sys.argv[1])
    out = {}
    for iface in json.loads(sys.argv[2]):
        module = importlib.import_module("wit_world.imports." + iface)
        items = {}
        for name, obj in sorted(vars(module).items()):
            if name.startswith("_"):
                continue
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                items[name] = ["function", list(inspect.signature(obj).parameters)]
            elif inspect.isclass(obj) and obj.__module__ == module.__name__:
                if issubclass(obj, enum.Enum):
                    items[name] = ["enum", [[m.name, m.value] for m in obj]]
                elif dataclasses.is_dataclass(obj):
                    items[name] = ["record", [f.name for f in dataclasses.fields(obj)]]
            elif typing.get_origin(obj) is typing.Union and all(
                getattr(a, "__module__", None) == module.__name__ for a in typing.get_args(obj)
            ):
                items[name] = ["variant", sorted(a.__name__ for a in typing.get_args(obj))]
        out[iface] = items
    import componentize_py_types as t
    out["componentize_py_types"] = {
        "Err": [f.name for f in __import__("dataclasses").fields(t.Err)],
        "Err is an exception": issubclass(t.Err, Exception),
    }
    print(json.dumps(out, indent=1, sort_keys=True))
    """
)


def componentize_py():
    found = os.environ.get("CHARMBOX_COMPONENTIZE_PY") or os.path.join(
        ROOT, "target", "venv-componentize", "bin", "componentize-py"
    )
    return found if os.path.exists(found) else None


def describe(path):
    result = subprocess.run(
        [sys.executable, "-c", DESCRIBE, path, json.dumps(INTERFACES)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


class GeneratedBindingsTest(unittest.TestCase):
    maxDiff = None

    def test_the_fakes_have_the_generated_shapes(self):
        tool = componentize_py()
        if tool is None:
            why = "componentize-py is not installed (run scripts/build-lang-charms.sh python)"
            if os.environ.get("CHARMBOX_REQUIRE_LANGS") == "1":
                self.fail(why + " (CHARMBOX_REQUIRE_LANGS=1)")
            self.skipTest(why)
        with tempfile.TemporaryDirectory() as tmp:
            wit = os.path.join(tmp, "wit")
            shutil.copytree(CONTRACT, os.path.join(wit, "deps", "juju-charm"))
            with open(os.path.join(wit, "world.wit"), "w", encoding="utf-8") as f:
                f.write(
                    "package charmbox:bindings-test;\n"
                    "world charm { include juju:charm/charm@0.2.0; "
                    "export install: func() -> result<_, string>; }\n"
                )
            out = os.path.join(tmp, "bindings")
            subprocess.run(
                [tool, "-d", wit, "-w", "charm", "bindings", out],
                check=True,
                capture_output=True,
            )
            generated = describe(out)
            fake = describe(os.path.join(HERE, "fakes"))
            self.assertEqual(fake, generated)
            generated_ifaces = sorted(
                f[:-3] for f in os.listdir(os.path.join(out, "wit_world", "imports")) if f.endswith(".py") and f != "__init__.py"
            )
            self.assertEqual(generated_ifaces, sorted(INTERFACES), "every interface of the contract is faked")


if __name__ == "__main__":
    unittest.main()
