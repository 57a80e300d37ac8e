"""is-leader (juju/juju internal/worker/uniter/runner/jujuc/is-leader.go)."""

from .cli import check_empty, write_output


def is_leader(ctx):
    """is-leader [--format=json|yaml|smart] [-o FILE]: True/False (smart),
    true/false (json, yaml)."""
    c = ctx.new_command("", "Print application leadership status.")
    c.output("smart")
    opts, args = c.parse(ctx.args)
    # is-leader has no Init of its own: CommandBase.Init rejects arguments.
    check_empty(args)
    write_output(ctx, opts, ctx.model.is_leader())
