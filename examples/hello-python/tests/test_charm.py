"""hello-python's actions, run through the charmbox binary on the built
component (``charmbox build`` first), as ``charmbox run`` runs them:
``pytest examples/hello-python``."""

from pathlib import Path

import pytest
from charmbox_ops.testing import Context, InvalidParams, UnitStatus

CHARM_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context(CHARM_DIR)


def test_greet_says_hello_in_english_by_default(ctx: Context) -> None:
    out = ctx.run("greet", {"name": "Ada"})
    assert out.status == "completed"
    assert out.results["greeting"] == {"text": "Hello, Ada!", "language": "en"}
    # Results are strings, as in Juju.
    assert out.results["length"] == "11"
    assert out.return_code == 0
    assert out.log_messages == ["greeting Ada in en"]
    assert out.unit == "hello-python/0"


def test_greet_in_french_with_a_style(ctx: Context) -> None:
    out = ctx.run("greet", {"name": "Ada", "language": "fr", "style": {"uppercase": True, "punctuation": "?"}})
    assert out.result("greeting.text") == "BONJOUR, ADA?"


def test_snapshot_database_logs_each_step_and_prints(ctx: Context) -> None:
    out = ctx.run("snapshot-database", {"filename": "db.snap"})
    assert out.log_messages == [f"step {n}/3: writing db.snap" for n in (1, 2, 3)]
    assert out.stdout == "snapshot written to db.snap\n"
    assert out.charm_results == {"snapshot": {"filename": "db.snap", "steps": "3"}}


def test_restore_snapshot_fails_and_keeps_its_results(ctx: Context) -> None:
    failed = ctx.run_failing("restore-snapshot", {"filename": "db.tar"})
    assert failed.message == "cannot restore db.tar: not a snapshot (expected a .snap file)"
    assert failed.output.status == "failed"
    assert failed.output.results["checked"] == {"filename": "db.tar", "valid": "false"}


def test_check_disk_fails_on_an_empty_path(ctx: Context) -> None:
    failed = ctx.run_failing("check-disk", {"path": ""})
    assert failed.message == "path must not be empty"
    assert failed.output.return_code == 1


def test_params_outside_the_schema_are_refused_before_the_run(ctx: Context) -> None:
    with pytest.raises(InvalidParams, match="steps"):
        ctx.run("snapshot-database", {"filename": "db.snap", "steps": 11})
    with pytest.raises(InvalidParams, match="nmae"):
        ctx.run("greet", {"nmae": "Ada"})


def test_the_action_id_is_the_task_id(ctx: Context) -> None:
    out = ctx.run("ping")
    assert out.id.isdigit(), out.id


def test_deploying_two_units_leaves_each_active_with_its_friend() -> None:
    ctx = Context(CHARM_DIR)
    out = ctx.deploy(units=2)
    assert out.succeeded
    assert out.ran[:2] == ["install", "friends-relation-created"]
    assert "friends-relation-joined" in out.ran
    assert out.status == UnitStatus("active", "ready to greet in en, 1 friends")
    assert ctx.status("hello-python/1") == ("active", "ready to greet in en, 1 friends")


def test_install_says_the_unit_is_installing() -> None:
    ctx = Context(CHARM_DIR)
    out = ctx.run_hook("install")
    assert out.ran == ["install"]
    assert out.status == UnitStatus("maintenance", "installing")


def test_the_greeting_is_shared_from_config_in_relation_data_a_secret_and_the_status() -> None:
    # A model of its own, set as an operator would with charmbox's commands:
    # deployed (its hooks run, its unit leads), config set (config-changed),
    # related to a stand-in listener (listeners-relation-joined).
    ctx = Context(CHARM_DIR)
    assert ctx.status() == ("active", "ready to greet in en, 0 friends")
    assert ctx.secret("greeting").content == {"greeting": "Hello"}
    ctx.set_config({"greeting": "Hi", "language": "fr"})
    assert ctx.status() == ("active", "ready to greet in fr, 0 friends")
    assert ctx.secret("greeting").content == {"greeting": "Hi"}
    assert ctx.relations("listeners") == []
    ctx.integrate("listeners", {"application": "listener", "endpoint": "greeting", "units": {"listener/0": {}}})
    (relation,) = ctx.relations("listeners")
    assert relation.unit_data == {"greeting": "Hi"}
    assert list(relation.remote_units) == ["listener/0"]
    assert ctx.status() == ("active", "ready to greet in fr, 0 friends")
    secret = ctx.secret("greeting")
    assert (secret.content, secret.owner) == ({"greeting": "Hi"}, "hello-python")
    # A reset brings the default back: a new revision of the one secret.
    ctx.reset_config("greeting")
    (relation,) = ctx.relations("listeners")
    assert relation.unit_data == {"greeting": "Hello"}
    secret = ctx.secret("greeting")
    assert (secret.content, secret.revision) == ({"greeting": "Hello"}, 3)
    assert len(ctx.secrets()) == 1
    # A language the charm does not know blocks it; the greeting is still shared.
    ctx.set_config({"greeting": "Hey", "language": "xx"})
    assert ctx.status() == ("blocked", 'config option "language" is "xx": it must be en, fr or de')
    assert ctx.relations("listeners")[0].unit_data == {"greeting": "Hey"}


def test_a_user_secret_granted_to_the_charm_is_in_the_model() -> None:
    ctx = Context(CHARM_DIR)
    uri = ctx.add_secret("api-token", {"token": "s3cret"})
    secret = ctx.secret("api-token")
    assert (secret.uri, secret.owner, secret.content) == (uri, "<model>", {"token": "s3cret"})
