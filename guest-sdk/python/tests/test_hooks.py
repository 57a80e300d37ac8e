"""Hook names: the same list as charmbox's host (host/src/charm/hooks.rs),
and the handler method each export goes to."""

import os
import re
import unittest

import support  # noqa: F401  (puts src/ on the path)

from charmbox_ops import hooks

HOOKS_RS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "host", "src", "charm", "hooks.rs")


def rust_table(name):
    """The quoted names of the Rust constant ``name``."""
    with open(HOOKS_RS, encoding="utf-8") as f:
        text = f.read()
    body = re.search(rf"const {name}: \[[^\]]*\] =\s*\[(.*?)\];", text, re.S)
    assert body, f"{name} not found in hooks.rs"
    return tuple(re.findall(r'\("([a-z-]+)"', body.group(1)))


class HookNamesTest(unittest.TestCase):
    def test_the_lists_are_the_hosts(self):
        self.assertEqual(hooks.UNIT_HOOKS, rust_table("UNIT_HOOKS"))
        self.assertEqual(hooks.SECRET_HOOKS, rust_table("SECRET_HOOKS"))
        self.assertEqual(hooks.RELATION_SUFFIXES, rust_table("RELATION_HOOKS"))
        self.assertEqual(hooks.STORAGE_SUFFIXES, rust_table("STORAGE_HOOKS"))
        self.assertEqual(hooks.WORKLOAD_SUFFIXES, rust_table("WORKLOAD_HOOKS"))

    def test_split_and_handler_names(self):
        cases = {
            "install": ("install", "", "on_install"),
            "config-changed": ("config-changed", "", "on_config_changed"),
            "secret-rotate": ("secret-rotate", "", "on_secret_rotate"),
            "db-relation-changed": ("relation-changed", "db", "on_db_relation_changed"),
            "object-store-relation-broken": ("relation-broken", "object-store", "on_object_store_relation_broken"),
            "data-storage-detaching": ("storage-detaching", "data", "on_data_storage_detaching"),
            "web-pebble-check-failed": ("pebble-check-failed", "web", "on_web_pebble_check_failed"),
        }
        for name, (kind, prefix, method) in cases.items():
            self.assertEqual(hooks.split_hook(name), (kind, prefix), name)
            self.assertEqual(hooks.handler_name(name), method, name)
        for action in ("snapshot-database", "greet", "relation-changed", "install-now"):
            self.assertIsNone(hooks.split_hook(action), action)
            self.assertEqual(hooks.handler_name(action), "on_" + action.replace("-", "_") + "_action")


if __name__ == "__main__":
    unittest.main()
