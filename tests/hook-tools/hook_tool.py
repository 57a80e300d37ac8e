#!/usr/bin/env python3
"""Stand-ins for Juju's hook tools, for tests only.

NOT Juju. On a real unit Juju puts its own hook tools on PATH; these stand
in for them in charmbox's end-to-end tests, so that a packed charm's
`dispatch` can run without a Juju controller. Each tool is a symlink to
this file; the name it is run under says which tool it is. The tools
themselves live in the `juju_tools` package next to this file, one module
per family of tools, as Juju keeps one file per tool in
internal/worker/uniter/runner/jujuc/.

They follow the command-line contract of Juju 3.6's tools: flags (which may
come anywhere, `--` ends them, `--format=json` and `--format json` both
work), argument checks, output formats (json as Go's encoding/json writes
it, yaml as juju's yaml.v2 fork does, smart), error texts and exit codes
(`ERROR <message>` on stderr; 2 for a bad command line, 1 when the tool
fails):

  action-get [--format=json|yaml|smart] [KEY[.KEY...]]
  action-set KEY=VALUE [KEY=VALUE ...]
  action-log MESSAGE...
  action-fail [MESSAGE]
  juju-log [--debug] [-l|--log-level LEVEL] [--format F] MESSAGE...
  config-get [--format=json|yaml|smart] [--all|-a] [KEY]
  is-leader [--format=json|yaml|smart]
  status-set [--application] maintenance|blocked|waiting|active [MESSAGE]
  status-get [--format=json|yaml|smart] [--application] [--include-data]
  application-version-set VERSION
  state-get [--format=json|yaml|smart] [--strict] [KEY|-]
  state-set [--file FILE|-] [KEY=VALUE ...]
  state-delete KEY
  relation-ids [--format=json|yaml|smart] [ENDPOINT]
  relation-list [--format=json|yaml|smart] [-r|--relation ID] [--app]
  relation-get [--format=json|yaml|smart] [-r|--relation ID] [--app] [KEY|-] [UNIT_OR_APP]
  relation-set [-r|--relation ID] [--app] [--file FILE|-] [KEY=VALUE ...]
  secret-add [--owner application|unit] [--label L] [--description D]
             [--expire T] [--rotate POLICY] [--file FILE] KEY[#base64|#file]=VALUE...
  secret-set URI [same flags] [KEY=VALUE...]
  secret-get URI|--label L [--peek|--refresh] [--format=yaml|json] [KEY[#base64]]
  secret-ids [--format=json|yaml|smart]
  secret-info-get URI|--label L [--format=yaml|json]
  secret-grant URI -r|--relation ID [--unit UNIT]
  secret-revoke URI [-r|--relation ID] [--app APP] [--unit UNIT]
  secret-remove URI [--revision N]
  open-port|close-port PORT[/PROTO]|FROM-TO[/PROTO]|icmp [--endpoints E1,E2]
  opened-ports [--format=json|yaml|smart] [--endpoints]

Every tool with --format also takes -o/--output FILE, and -h/--help.

Environment:
  FAKE_JUJU_CALLS   file to append every call to, as one JSON array per line:
                    the tool's name, then its arguments. When the tool read
                    stdin (`--file -`), one more element follows the
                    arguments: an object {"stdin": "<what it read>"}.
  FAKE_JUJU_PARAMS  JSON file holding the action's params (default: the
                    model's action.params, else {})
  FAKE_JUJU_MODEL   JSON file holding the model (below). Unset: an empty
                    model that is not saved. Tools that change the model
                    write it back atomically (temp file + rename), under a
                    lock on FAKE_JUJU_MODEL.lock. A missing file is an
                    empty model, created on the first change.
  FAKE_JUJU_FAIL    comma-separated tool names that fail: they write
                    `ERROR <tool> failed: told to by FAKE_JUJU_FAIL` and
                    exit 1, as a tool does when Juju refuses the call
  FAKE_JUJU_UNREACHABLE
                    comma-separated tool names whose client cannot reach
                    the unit agent: they write what Juju's jujuc client
                    writes when the agent's socket refuses it (`ERROR dial
                    unix @/var/lib/juju/agents/unit-<unit>/agent.socket:
                    connect: connection refused`) and exit 1
  FAKE_JUJU_HANG    comma-separated tool names that hang (sleep for ten
                    minutes) before doing anything
  FAKE_JUJU_NOW     RFC 3339 time to use as "now" (secret expiry and
                    rotation times); default: the clock
  JUJU_UNIT_NAME    this unit, unless the model names one; default unit/0
  JUJU_RELATION_ID  the hook's relation ("db:1" or "1"): the default for -r,
                    relation-ids' default endpoint, juju-log's prefix
  JUJU_REMOTE_UNIT  the hook's remote unit: relation-get's default unit
  JUJU_REMOTE_APP   the hook's remote application (default: the remote
                    unit's): relation-get's default with --app, or when
                    there is no remote unit
  JUJU_MODEL_UUID   the model's UUID, unless the model gives one

The model (every key optional):

  {
    "unit": "hello/0",               # else $JUJU_UNIT_NAME, else "unit/0"
    "model-uuid": "...",             # in secret URIs secret-add prints
    "model-type": "iaas",            # or "caas": single ports only
    "leader": false,
    "config": {"defaults": {"name": "x", "no-default": null},
               "values": {"name": "y"}},     # values override defaults
    "unit-status": {"status": "active", "message": "", "data": {}},
    "application-status": {"status": "unknown", "message": "", "data": {}},
    "peer-unit-statuses": {"hello/1": {"status": "active", "message": ""}},
    "workload-version": "1.2.3",
    "state": {"key": "value"},       # unit state: strings
    "relations": [{
      "id": 1, "endpoint": "db",
      "remote-app": "mysql",         # a peer relation: this application
      "remote-endpoint": "server",   # for the relation key (default: endpoint)
      "role": "requirer",            # "provider" or "peer"; orders the key
      "peer": false,
      "key": "hello:db mysql:server",   # optional: the relation key as given
      "broken": false,               # relation-ids leaves broken ones out
      "local-unit-data": {},         # this unit's bag
      "local-app-data": {},          # this application's bag
      "remote-units": {"mysql/0": {"k": "v"}},   # members and their bags
      "other-units": {"mysql/2": {}},   # readable bags of non-members
      "remote-app-data": {}
    }],
    "secrets": [{
      "id": "cq2k...20 chars",       # the URI is secret://<model-uuid>/<id>
      "owner": "hello",              # an application, or a unit ("hello/0")
      "label": "", "description": "",
      "rotate-policy": "never", "next-rotate": null,       # RFC 3339
      "latest-revision": 2,          # default: the highest revision
      "revisions": [{"revision": 1, "content": {"key": "<base64>"},
                     "expire": null}],                     # RFC 3339
      "consumers": {"hello/0": {"revision": 1, "label": ""}},  # tracked
      "grants": [{"target": "application-mysql",           # or unit-mysql-0
                  "scope": "relation-hello.db#mysql.server", "role": "view"}]
    }],
    "opened-ports": {"": ["80/tcp"], "dmz": ["1000-2000/udp"]},
                                     # by endpoint; "" is every endpoint
    "machine-ports": {"other/0": {"": ["8080/tcp"]}},
                                     # other units on the machine (conflicts)
    "action": {"params": {}, "results": {}, "log": [], "failed": null},
    "log": [{"level": "INFO", "message": "..."}],          # juju-log
    "hook-errors": []                # what Juju would fail the hook with
                                     # when committing it (see secrets)
  }

Secret content is stored as Juju stores it: each value base64-encoded.
"""

import importlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# tool name -> (module in juju_tools, function)
TOOLS = {
    "action-get": ("action", "action_get"),
    "action-set": ("action", "action_set"),
    "action-log": ("action", "action_log"),
    "action-fail": ("action", "action_fail"),
    "juju-log": ("log", "juju_log"),
    "config-get": ("config", "config_get"),
    "is-leader": ("leader", "is_leader"),
    "status-set": ("status", "status_set"),
    "status-get": ("status", "status_get"),
    "application-version-set": ("status", "application_version_set"),
    "state-get": ("state", "state_get"),
    "state-set": ("state", "state_set"),
    "state-delete": ("state", "state_delete"),
    "relation-ids": ("relation", "relation_ids"),
    "relation-list": ("relation", "relation_list"),
    "relation-get": ("relation", "relation_get"),
    "relation-set": ("relation", "relation_set"),
    "secret-add": ("secrets", "secret_add"),
    "secret-set": ("secrets", "secret_set"),
    "secret-get": ("secrets", "secret_get"),
    "secret-ids": ("secrets", "secret_ids"),
    "secret-info-get": ("secrets", "secret_info_get"),
    "secret-grant": ("secrets", "secret_grant"),
    "secret-revoke": ("secrets", "secret_revoke"),
    "secret-remove": ("secrets", "secret_remove"),
    "open-port": ("ports", "open_port"),
    "close-port": ("ports", "close_port"),
    "opened-ports": ("ports", "opened_ports"),
}

# Tools that may read stdin (`--file -`): their call is recorded once they
# have run, with what they read.
READS_STDIN = {"relation-set", "state-set"}


def listed(variable, tool):
    return tool in [t.strip() for t in os.environ.get(variable, "").split(",")]


def record(tool, args, stdin=None):
    calls = os.environ.get("FAKE_JUJU_CALLS")
    if not calls:
        return
    entry = [tool] + args
    if stdin is not None:
        entry.append({"stdin": stdin})
    with open(calls, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def main():
    tool = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    deferred = tool in READS_STDIN and not listed("FAKE_JUJU_FAIL", tool) \
        and not listed("FAKE_JUJU_HANG", tool) and not listed("FAKE_JUJU_UNREACHABLE", tool)
    if not deferred:
        record(tool, args)
    if tool not in TOOLS:
        print("ERROR %s is not one of the stand-in hook tools" % tool, file=sys.stderr)
        return 1
    if listed("FAKE_JUJU_HANG", tool):
        time.sleep(600)
    if listed("FAKE_JUJU_UNREACHABLE", tool):
        # juju cmd/jujuc/main.go: hookToolMain's sockets.Dial error, written
        # by cmd.WriteError.
        unit = os.environ.get("JUJU_UNIT_NAME") or "unit/0"
        print("ERROR dial unix @/var/lib/juju/agents/unit-%s/agent.socket: connect: "
              "connection refused" % unit.replace("/", "-"), file=sys.stderr)
        return 1
    if listed("FAKE_JUJU_FAIL", tool):
        print("ERROR %s failed: told to by FAKE_JUJU_FAIL" % tool, file=sys.stderr)
        return 1

    from juju_tools import cli
    from juju_tools.model import Model

    module, function = TOOLS[tool]
    fn = getattr(importlib.import_module("juju_tools." + module), function)
    model = Model.open(os.environ)
    ctx = cli.Context(tool, args, model=model)
    try:
        code = cli.run(fn, ctx)
        model.save()
    finally:
        model.close()
        if deferred:
            record(tool, args, ctx.stdin_text)
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
