"""The charm's actions, run through charmbox as `charmbox run` runs them:
the charm is built first (`charmbox build`), params are checked against
charmcraft.yaml, and each run is a fresh sandbox."""

from pathlib import Path

import pytest
from charmbox_ops.testing import Context, InvalidParams

CHARM_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context(CHARM_DIR)


def test_greet_greets_by_name(ctx: Context) -> None:
    out = ctx.run("greet", {"name": "Ada"})
    assert out.status == "completed"
    assert out.results["greeting"] == "Hello, Ada!"
    assert out.log_messages == ["greeting Ada"]


def test_greet_fills_in_the_default_name(ctx: Context) -> None:
    assert ctx.run("greet").results["greeting"] == "Hello, world!"


def test_greet_fails_on_an_empty_name(ctx: Context) -> None:
    failed = ctx.run_failing("greet", {"name": ""})
    assert failed.message == "name must not be empty"


def test_greet_refuses_an_undeclared_param(ctx: Context) -> None:
    with pytest.raises(InvalidParams, match="nmae"):
        ctx.run("greet", {"nmae": "Ada"})
