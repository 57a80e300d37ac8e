"""Stand-in for the ``wit_world`` package componentize-py generates for a
charm's world. ``WitWorld`` is replaced per test by ``support.world(...)``
with the exports that test's world has."""
from typing import Protocol


class WitWorld(Protocol):
    pass
