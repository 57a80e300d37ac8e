"""cmd.FileVar as relation-set and state-set use it: `--file PATH` or
`--file -` (stdin), holding a YAML map of strings."""

import os

from .cli import CommandError
from .yamlin import YamlError, load_string_map


def read_key_values_file(ctx, path):
    if path == "-":
        text = ctx.read_stdin()
    else:
        full = os.path.abspath(os.path.expanduser(path))
        try:
            with open(full, encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        except OSError as e:
            raise CommandError("open %s: %s" % (full, (e.strerror or str(e)).lower()))
    try:
        return load_string_map(text)
    except YamlError as e:
        raise CommandError(str(e))
