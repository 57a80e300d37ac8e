"""Where the stand-in bindings send their calls: the test's FakeHost."""

HOST = None


def host():
    if HOST is None:
        raise RuntimeError("no FakeHost installed: use support.FakeHost().install()")
    return HOST
