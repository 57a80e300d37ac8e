"""github.com/juju/utils keyvalues.Parse(args, allowEmptyValues=true), as
relation-set and state-set use it."""

from .cli import UsageError, go_quote


def parse_key_values(args):
    results = {}
    for kv in args:
        if kv == "":
            continue
        key, eq, value = kv.partition("=")
        if not eq:
            raise UsageError('expected "key=value", got %s' % go_quote(kv))
        key, value = key.strip(), value.strip()
        if not key:
            raise UsageError('expected "key=value", got "%s=%s"' % (key, value))
        if key in results:
            raise UsageError("key %s specified more than once" % go_quote(key))
        results[key] = value
    return results
