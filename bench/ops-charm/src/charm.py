#!/usr/bin/env python3
"""The peer: the `greet` action of examples/hello as a Python ops charm.

Read params, log once, set results: the same work charmbox's Rust example
does, so that bench/compare.py compares like with like.
"""

import ops


class HelloCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.greet_action, self._on_greet)

    def _on_greet(self, event: ops.ActionEvent):
        name = event.params["name"]
        language = event.params.get("language", "en")
        event.log(f"greeting {name} in {language}")
        text = f"Hello, {name}!"
        event.set_results(
            {"greeting": {"text": text, "language": language}, "length": len(text)}
        )


if __name__ == "__main__":
    ops.main(HelloCharm)
