//! The model over Juju's hook tools: [`JujuModel`], the [`ModelBackend`] a
//! run gets under `charmbox dispatch`. Each call is one hook tool run as a
//! process, as `ops` runs them, with the flags and formats Juju 3.6
//! documents, bounded by the tool deadline of [`HookTools`]; Juju enforces
//! its own rules (leadership, who may read which bag or secret) and charmbox
//! passes on what it says.
//!
//! | [`ModelBackend`] call     | hook tool call                                             |
//! |---------------------------|------------------------------------------------------------|
//! | `config_get`              | `config-get --format=json`                                 |
//! | `is_leader`               | `is-leader --format=json`                                  |
//! | `status_set`              | `status-set [--application] STATUS MESSAGE`                |
//! | `status_get`              | `status-get --format=json --include-data [--application]`  |
//! | `application_version_set` | `application-version-set VERSION`                          |
//! | `juju_log`                | `juju-log --log-level LEVEL -- MESSAGE`                    |
//! | `state_get`, `state_list` | `state-get --format=json` (every key: see below)           |
//! | `state_set`               | `state-set --file -`, the pairs on stdin                   |
//! | `state_delete`            | `state-delete KEY`                                         |
//! | `relation_ids`            | `relation-ids --format=json ENDPOINT`                      |
//! | `relation_list`           | `relation-list --format=json -r ID`                        |
//! | `relation_app`            | `relation-list --format=json -r ID --app`                  |
//! | `relation_get`            | `relation-get --format=json -r ID [--app] - MEMBER`        |
//! | `relation_set`            | `relation-set -r ID [--app] --file -`, the pairs on stdin  |
//! | `secret_get`              | `secret-get --format=json [--label L] [--peek\|--refresh] [URI]` |
//! | `secret_add`              | `secret-add --owner OWNER [options] KEY#file=PATH...`      |
//! | `secret_set`              | `secret-set [options] URI [KEY#file=PATH...]`              |
//! | `secret_ids`              | `secret-ids --format=json`                                 |
//! | `secret_info_get`         | `secret-info-get --format=json URI` or `--label L`         |
//! | `secret_grant`            | `secret-grant -r ID [--unit UNIT] URI`                     |
//! | `secret_revoke`           | `secret-revoke -r ID [--unit UNIT] URI`                    |
//! | `secret_remove`           | `secret-remove [--revision N] URI`                         |
//! | `open_port`, `close_port` | `open-port PORTS`, `close-port PORTS` (`80/tcp`, `icmp`)   |
//! | `opened_ports`            | `opened-ports --format=json`                               |
//!
//! How values travel:
//! - Databag and state writes go on stdin (`--file -`) as a YAML flow map of
//!   double-quoted strings, so no value meets the kernel's 128 KiB limit on
//!   one argument; a write with no pairs makes no call.
//! - Secret content goes in files, one per key, in a directory only this
//!   user can read, removed after the call (`KEY#file=PATH`, as `ops` does):
//!   never on a command line, where other processes and Juju's trace log
//!   could see it.
//! - A positional argument that starts with `-` comes after `--`;
//!   `juju-log`'s message always does (as `ops` passes it). Any other
//!   argument longer than 128 KiB, or holding a NUL byte, is refused before
//!   a process is started.
//! - `state-get KEY` prints `""` both for a missing key and an empty value,
//!   so one key is read from `state-get --format=json`, all of the state.
//! - A secret written by label (`secret-set`, `-grant`, `-revoke`,
//!   `-remove` take only a URI) is first found with
//!   `secret-info-get --label`, as `ops` does. Secret ids Juju prints bare
//!   (`secret-ids`, `secret-info-get`) are given as URIs,
//!   `secret://<JUJU_MODEL_UUID>/<id>`, as `secret-add` prints them.
//!
//! Which failures are whose, decided from how the tool exited (juju/cmd's
//! `Main` writes `ERROR <message>` and exits 1 when a command fails, 2 when
//! its command line is wrong; the `jujuc` client writes the same when it
//! cannot reach the unit agent):
//!
//! | the tool …                                                        | is                       | e.g. |
//! |-------------------------------------------------------------------|--------------------------|------|
//! | exits 1 with `ERROR <message>`                                    | refused: the guest gets `<message>` and may carry on | `this unit is not the leader`, `permission denied`, `secret "…" not found`, `cannot write relation settings`, `max allowed value length (65536) exceeded` |
//! | exits 2 with `ERROR <message>` about a value charmbox passed on   | refused, the same way    | `invalid value "db:9" for option -r: relation not found`, `invalid unit name "x"`, `secret URI "x" not valid`, `invalid port range 90-80/tcp` |
//! | exits 2 saying the command line itself is wrong                    | failed: the run fails    | `option provided but not defined: --app` (this Juju does not know a flag charmbox passes), `unrecognized args: […]`, `option needs an argument: -r` |
//! | exits 1 because the `jujuc` client never reached the agent         | failed                   | `dial unix …: connect: connection refused`, `JUJU_CONTEXT_ID not set`, `bad request: …` |
//! | is missing, cannot start, is killed at its deadline, exits otherwise (another code, a signal, no `ERROR`) | failed | |
//! | succeeds but prints what the call cannot read                      | failed                   | not JSON, a status Juju has no name for |
//!
//! A refusal is what Juju would say to a Python charm's `ops` (its
//! `ModelError`), and the same words the local model uses; a failure is the
//! backend broken, whatever the guest makes of it (as a failed `action-set`
//! is).

use std::collections::BTreeMap;
use std::io::Write as _;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::tools::{HookToolError, HookTools, ToolOutput};
use crate::model::{
    Bag, LogLevel, ModelBackend, ModelError, ModelResult, PortRange, Protocol, ReadMode, Relation,
    RelationId, RotatePolicy, SecretInfo, SecretOptions, SecretOwner, SecretRef, Status,
    StatusInfo, StatusTarget,
};

/// The longest argument Linux passes to a process (`MAX_ARG_STRLEN`, 32
/// pages, with its terminating NUL).
const MAX_ARG_BYTES: usize = 128 * 1024 - 1;

/// The [`ModelBackend`] that calls Juju's hook tools, one process a call.
/// Wrap it in a [`ReadCache`](super::ReadCache) to make each read once per
/// run.
#[derive(Debug, Clone)]
pub struct JujuModel {
    tools: HookTools,
    model_uuid: Option<String>,
}

impl JujuModel {
    /// The model calling `tools`; `model_uuid` (`JUJU_MODEL_UUID`) makes the
    /// bare secret ids Juju prints into URIs.
    pub fn new(tools: HookTools, model_uuid: Option<String>) -> Self {
        Self { tools, model_uuid }
    }

    /// Runs one hook tool call and returns its stdout, or Juju's refusal or
    /// the backend's failure (the module doc's table).
    fn run(&self, call: ToolCall) -> ModelResult<Vec<u8>> {
        let args = call.args()?;
        let output = self
            .tools
            .call(call.tool, &args, call.stdin.as_deref())
            .map_err(failed)?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        Err(classify(call.tool, &output))
    }

    /// Runs `call` and reads its stdout as JSON of type `T`.
    fn json<T: DeserializeOwned>(&self, call: ToolCall) -> ModelResult<T> {
        let tool = call.tool;
        let stdout = self.run(call)?;
        serde_json::from_slice(&stdout).map_err(|e| {
            bad_output(
                tool,
                format!(
                    "output that is not the JSON charmbox expects ({e}): {}",
                    shown(&stdout)
                ),
            )
        })
    }

    /// A secret id as Juju printed it, as a URI: `secret://<model>/<id>`
    /// (`ops` does the same).
    fn secret_uri(&self, id: &str) -> String {
        let id = id.trim();
        if id.starts_with("secret:") {
            return id.to_owned();
        }
        match &self.model_uuid {
            Some(uuid) => format!("secret://{uuid}/{id}"),
            None => format!("secret:{id}"),
        }
    }

    /// The URI of `secret`, found by its label when it is given by one (the
    /// tools that change a secret take only a URI).
    fn uri_of(&mut self, secret: &SecretRef) -> ModelResult<String> {
        match secret {
            SecretRef::Id(uri) => Ok(uri.clone()),
            SecretRef::Label(_) => Ok(self.secret_info_get(secret)?.id),
        }
    }
}

impl ModelBackend for JujuModel {
    fn config_get(&mut self) -> ModelResult<serde_json::Map<String, serde_json::Value>> {
        let config: Option<_> = self.json(ToolCall::new("config-get").flag("--format=json"))?;
        Ok(config.unwrap_or_default())
    }

    fn is_leader(&mut self) -> ModelResult<bool> {
        self.json(ToolCall::new("is-leader").flag("--format=json"))
    }

    fn status_set(&mut self, target: StatusTarget, status: StatusInfo) -> ModelResult<()> {
        if !status.status.is_settable() {
            return Err(ModelError::Refused(format!(
                "invalid status {:?}, expected one of [maintenance blocked waiting active]",
                status.status.as_str()
            )));
        }
        let mut call = ToolCall::new("status-set");
        if target == StatusTarget::Application {
            call = call.flag("--application");
        }
        self.run(
            call.positional(status.status.as_str())
                .positional(status.message),
        )
        .map(drop)
    }

    fn status_get(&mut self, target: StatusTarget) -> ModelResult<StatusInfo> {
        let mut call = ToolCall::new("status-get")
            .flag("--format=json")
            .flag("--include-data");
        if target == StatusTarget::Application {
            call = call.flag("--application");
        }
        let details = match self.json(call)? {
            StatusOutput::Unit(details) => details,
            StatusOutput::Application { application } => application,
            // What status-get prints where Juju keeps no status.
            StatusOutput::Word(status) => StatusDetails {
                status,
                message: String::new(),
            },
        };
        let status = Status::parse(&details.status).ok_or_else(|| {
            bad_output(
                "status-get",
                format!(
                    "status {:?}, which charmbox has no name for",
                    details.status
                ),
            )
        })?;
        Ok(StatusInfo {
            status,
            message: details.message,
        })
    }

    fn application_version_set(&mut self, version: &str) -> ModelResult<()> {
        self.run(ToolCall::new("application-version-set").positional(version))
            .map(drop)
    }

    fn juju_log(&mut self, level: LogLevel, message: &str) -> ModelResult<()> {
        // A log line is never refused for its bytes: no argument holds a NUL.
        let message = message.replace('\0', "\u{FFFD}");
        self.run(
            ToolCall::new("juju-log")
                .option("--log-level", level.as_str())
                .after_double_dash()
                .positional(message),
        )
        .map(drop)
    }

    fn state_get(&mut self, key: &str) -> ModelResult<Option<String>> {
        Ok(self.state_list()?.remove(key))
    }

    fn state_list(&mut self) -> ModelResult<Bag> {
        // Juju prints `null` for an empty state.
        let state: Option<Bag> = self.json(ToolCall::new("state-get").flag("--format=json"))?;
        Ok(state.unwrap_or_default())
    }

    fn state_set(&mut self, pairs: &[(String, String)]) -> ModelResult<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        self.run(
            ToolCall::new("state-set")
                .option("--file", "-")
                .stdin(settings_file(pairs)),
        )
        .map(drop)
    }

    fn state_delete(&mut self, key: &str) -> ModelResult<()> {
        self.run(ToolCall::new("state-delete").positional(key))
            .map(drop)
    }

    fn relation_ids(&mut self, endpoint: &str) -> ModelResult<Vec<Relation>> {
        let ids: Option<Vec<String>> = self.json(
            ToolCall::new("relation-ids")
                .flag("--format=json")
                .positional(endpoint),
        )?;
        ids.unwrap_or_default()
            .iter()
            .map(|id| {
                id.parse().map_err(|e: crate::model::RelationError| {
                    bad_output("relation-ids", e.to_string())
                })
            })
            .collect()
    }

    fn relation_list(&mut self, relation: RelationId) -> ModelResult<Vec<String>> {
        let units: Option<Vec<String>> = self.json(
            ToolCall::new("relation-list")
                .flag("--format=json")
                .option("-r", relation.to_string()),
        )?;
        Ok(units.unwrap_or_default())
    }

    fn relation_app(&mut self, relation: RelationId) -> ModelResult<String> {
        self.json(
            ToolCall::new("relation-list")
                .flag("--format=json")
                .option("-r", relation.to_string())
                .flag("--app"),
        )
    }

    fn relation_get(&mut self, relation: RelationId, member: &str, app: bool) -> ModelResult<Bag> {
        let mut call = ToolCall::new("relation-get")
            .flag("--format=json")
            .option("-r", relation.to_string());
        if app {
            call = call.flag("--app");
        }
        let bag: Option<Bag> = self.json(call.positional("-").positional(member))?;
        Ok(bag.unwrap_or_default())
    }

    fn relation_set(
        &mut self,
        relation: RelationId,
        app: bool,
        pairs: &[(String, String)],
    ) -> ModelResult<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        let mut call = ToolCall::new("relation-set").option("-r", relation.to_string());
        if app {
            call = call.flag("--app");
        }
        self.run(call.option("--file", "-").stdin(settings_file(pairs)))
            .map(drop)
    }

    fn secret_get(
        &mut self,
        secret: &SecretRef,
        mode: ReadMode,
        label: Option<&str>,
    ) -> ModelResult<Bag> {
        let mut call = ToolCall::new("secret-get").flag("--format=json");
        match (secret, label) {
            (SecretRef::Id(uri), label) => {
                call = call.positional(uri);
                if let Some(label) = label {
                    call = call.option("--label", label);
                }
            }
            (SecretRef::Label(found_by), Some(label)) if label != found_by => {
                return Err(ModelError::Refused(format!(
                    "cannot label the secret {label:?} while finding it by its label \
                     {found_by:?}: give its URI to relabel it"
                )))
            }
            (SecretRef::Label(found_by), _) => call = call.option("--label", found_by),
        }
        call = match mode {
            ReadMode::Tracked => call,
            ReadMode::Peek => call.flag("--peek"),
            ReadMode::Refresh => call.flag("--refresh"),
        };
        self.json(call)
    }

    fn secret_add(
        &mut self,
        content: &Bag,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> ModelResult<String> {
        let owner = match owner {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        };
        let files = SecretFiles::write(content)?;
        let call = secret_options(
            ToolCall::new("secret-add").option("--owner", owner),
            options,
        );
        let stdout = self.run(files.add_to(call))?;
        let uri = String::from_utf8(stdout)
            .map_err(|_| bad_output("secret-add", "bytes that are not UTF-8".into()))?;
        let uri = uri.trim();
        if uri.is_empty() {
            return Err(bad_output(
                "secret-add",
                "nothing, where the new secret's URI was expected".into(),
            ));
        }
        Ok(self.secret_uri(uri))
    }

    fn secret_set(
        &mut self,
        secret: &SecretRef,
        content: Option<&Bag>,
        options: &SecretOptions,
    ) -> ModelResult<()> {
        let uri = self.uri_of(secret)?;
        let files = content.map(SecretFiles::write).transpose()?;
        let mut call = secret_options(ToolCall::new("secret-set"), options).positional(uri);
        if let Some(files) = &files {
            call = files.add_to(call);
        }
        self.run(call).map(drop)
    }

    fn secret_ids(&mut self) -> ModelResult<Vec<String>> {
        // Juju prints `null` when there are none.
        let ids: Option<Vec<String>> =
            self.json(ToolCall::new("secret-ids").flag("--format=json"))?;
        Ok(ids
            .unwrap_or_default()
            .iter()
            .map(|id| self.secret_uri(id))
            .collect())
    }

    fn secret_info_get(&mut self, secret: &SecretRef) -> ModelResult<SecretInfo> {
        let call = ToolCall::new("secret-info-get").flag("--format=json");
        let call = match secret {
            SecretRef::Id(uri) => call.positional(uri),
            SecretRef::Label(label) => call.option("--label", label),
        };
        let infos: BTreeMap<String, SecretInfoOutput> = self.json(call)?;
        let mut infos = infos.into_iter();
        let (Some((id, info)), None) = (infos.next(), infos.next()) else {
            return Err(bad_output(
                "secret-info-get",
                "other than one secret's metadata".into(),
            ));
        };
        let rotation = info
            .rotation
            .map(|policy| {
                RotatePolicy::parse(&policy).ok_or_else(|| {
                    bad_output(
                        "secret-info-get",
                        format!("rotation policy {policy:?}, which charmbox has no name for"),
                    )
                })
            })
            .transpose()?;
        let owner = match info.owner.as_str() {
            "application" => SecretOwner::Application,
            "unit" => SecretOwner::Unit,
            other => {
                return Err(bad_output(
                    "secret-info-get",
                    format!("owner {other:?}, where `application` or `unit` was expected"),
                ))
            }
        };
        Ok(SecretInfo {
            id: self.secret_uri(&id),
            label: info.label.filter(|label| !label.is_empty()),
            description: info.description.filter(|d| !d.is_empty()),
            revision: info.revision,
            rotation,
            expiry: info.expiry,
            owner,
        })
    }

    fn secret_grant(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()> {
        let uri = self.uri_of(secret)?;
        self.run(grant_call("secret-grant", relation, unit).positional(uri))
            .map(drop)
    }

    fn secret_revoke(
        &mut self,
        secret: &SecretRef,
        relation: RelationId,
        unit: Option<&str>,
    ) -> ModelResult<()> {
        let uri = self.uri_of(secret)?;
        self.run(grant_call("secret-revoke", relation, unit).positional(uri))
            .map(drop)
    }

    fn secret_remove(&mut self, secret: &SecretRef, revision: Option<u32>) -> ModelResult<()> {
        let uri = self.uri_of(secret)?;
        let mut call = ToolCall::new("secret-remove");
        if let Some(revision) = revision {
            call = call.option("--revision", revision.to_string());
        }
        self.run(call.positional(uri)).map(drop)
    }

    fn open_port(&mut self, ports: PortRange) -> ModelResult<()> {
        self.run(ToolCall::new("open-port").positional(ports.to_string()))
            .map(drop)
    }

    fn close_port(&mut self, ports: PortRange) -> ModelResult<()> {
        self.run(ToolCall::new("close-port").positional(ports.to_string()))
            .map(drop)
    }

    fn opened_ports(&mut self) -> ModelResult<Vec<PortRange>> {
        let opened: Option<Vec<String>> =
            self.json(ToolCall::new("opened-ports").flag("--format=json"))?;
        opened
            .unwrap_or_default()
            .iter()
            .map(|text| {
                parse_port_range(text).ok_or_else(|| {
                    bad_output(
                        "opened-ports",
                        format!("{text:?}, which is not a port range such as 80/tcp"),
                    )
                })
            })
            .collect()
    }
}

/// One hook tool call: its flags, then its positional arguments (after
/// `--` when one would read as a flag), and what it reads on stdin.
struct ToolCall {
    tool: &'static str,
    flags: Vec<String>,
    positionals: Vec<String>,
    double_dash: bool,
    stdin: Option<Vec<u8>>,
}

impl ToolCall {
    fn new(tool: &'static str) -> Self {
        Self {
            tool,
            flags: Vec::new(),
            positionals: Vec::new(),
            double_dash: false,
            stdin: None,
        }
    }

    fn flag(mut self, flag: &str) -> Self {
        self.flags.push(flag.to_owned());
        self
    }

    /// A flag with a value, as two arguments (a flag's value may start with
    /// `-`: Juju's flag parser takes the next argument whatever it is).
    fn option(mut self, flag: &str, value: impl Into<String>) -> Self {
        self.flags.push(flag.to_owned());
        self.flags.push(value.into());
        self
    }

    /// Puts the positional arguments after `--` whatever they are.
    fn after_double_dash(mut self) -> Self {
        self.double_dash = true;
        self
    }

    fn positional(mut self, arg: impl Into<String>) -> Self {
        self.positionals.push(arg.into());
        self
    }

    fn stdin(mut self, bytes: Vec<u8>) -> Self {
        self.stdin = Some(bytes);
        self
    }

    /// The command line, or a refusal of an argument no process can be
    /// given.
    fn args(&self) -> ModelResult<Vec<String>> {
        let mut args = self.flags.clone();
        let reads_as_flag = |arg: &String| arg.starts_with('-') && arg != "-";
        if self.double_dash || self.positionals.iter().any(reads_as_flag) {
            args.push("--".into());
        }
        args.extend(self.positionals.iter().cloned());
        for arg in &args {
            if arg.contains('\0') {
                return Err(ModelError::Refused(format!(
                    "cannot pass {} to {}: it holds a NUL byte, which no command-line argument \
                     can carry",
                    shown(arg.as_bytes()),
                    self.tool
                )));
            }
            if arg.len() > MAX_ARG_BYTES {
                return Err(ModelError::Refused(format!(
                    "cannot pass a {}-byte argument to {}: Linux allows at most {MAX_ARG_BYTES} \
                     bytes in one argument",
                    arg.len(),
                    self.tool
                )));
            }
        }
        Ok(args)
    }
}

/// `-r ID [--unit UNIT]` of `secret-grant` and `secret-revoke`.
fn grant_call(tool: &'static str, relation: RelationId, unit: Option<&str>) -> ToolCall {
    let call = ToolCall::new(tool).option("-r", relation.to_string());
    match unit {
        Some(unit) => call.option("--unit", unit),
        None => call,
    }
}

/// The flags of `secret-add` and `secret-set` besides the content.
fn secret_options(mut call: ToolCall, options: &SecretOptions) -> ToolCall {
    if let Some(label) = &options.label {
        call = call.option("--label", label);
    }
    if let Some(description) = &options.description {
        call = call.option("--description", description);
    }
    if let Some(expire) = &options.expire {
        call = call.option("--expire", expire);
    }
    if let Some(rotate) = options.rotate {
        call = call.option("--rotate", rotate.as_str());
    }
    call
}

/// A secret's content written out for `KEY#file=PATH` arguments: one file
/// per key in a fresh directory only this user can read, removed when this
/// is dropped.
struct SecretFiles {
    dir: tempfile::TempDir,
    keys: Vec<String>,
}

impl SecretFiles {
    fn write(content: &Bag) -> ModelResult<Self> {
        let cannot = |e: std::io::Error| {
            ModelError::Failed(crate::action::BackendError(format!(
                "cannot write a secret's content for Juju's secret tools to read: {e}"
            )))
        };
        // tempfile makes the directory readable by its owner alone.
        let dir = tempfile::Builder::new()
            .prefix("charmbox-secret-")
            .tempdir()
            .map_err(cannot)?;
        for (key, value) in content {
            // Keys are Juju's secret keys (checked before a backend sees
            // them): lowercase letters, digits and hyphens, so file names.
            let mut file = std::fs::File::create(dir.path().join(key)).map_err(cannot)?;
            file.write_all(value.as_bytes()).map_err(cannot)?;
        }
        Ok(Self {
            dir,
            keys: content.keys().cloned().collect(),
        })
    }

    fn add_to(&self, mut call: ToolCall) -> ToolCall {
        for key in &self.keys {
            let path = self.dir.path().join(key);
            call = call.positional(format!("{key}#file={}", path.display()));
        }
        call
    }
}

/// `pairs` as the YAML map `--file -` reads: a flow map of double-quoted
/// strings, a key given twice taking its last value.
fn settings_file(pairs: &[(String, String)]) -> Vec<u8> {
    let settings: BTreeMap<&str, &str> = pairs
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let mut text = String::from("{");
    for (i, (key, value)) in settings.into_iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        yaml_quoted(&mut text, key);
        text.push_str(": ");
        yaml_quoted(&mut text, value);
    }
    text.push_str("}\n");
    text.into_bytes()
}

/// Appends `value` as a YAML double-quoted scalar that reads back as
/// exactly `value`: escaped are `"` and `\`, line breaks (which a quoted
/// scalar would fold), and every character YAML does not allow raw in a
/// stream (controls, DEL, C1 controls, U+FEFF, U+FFFE, U+FFFF).
fn yaml_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A port range as `opened-ports` prints it: `80/tcp`, `1000-2000/udp`,
/// `icmp`.
fn parse_port_range(text: &str) -> Option<PortRange> {
    if text == "icmp" {
        return Some(PortRange {
            protocol: Protocol::Icmp,
            from: 0,
            to: 0,
        });
    }
    let (ports, protocol) = text.split_once('/')?;
    let protocol = match protocol {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        _ => return None,
    };
    let (from, to) = ports.split_once('-').unwrap_or((ports, ports));
    Some(PortRange {
        protocol,
        from: from.parse().ok()?,
        to: to.parse().ok()?,
    })
}

/// What `status-get --format=json --include-data` prints.
#[derive(Deserialize)]
#[serde(untagged)]
enum StatusOutput {
    /// With `--application`.
    Application {
        #[serde(rename = "application-status")]
        application: StatusDetails,
    },
    /// For the unit.
    Unit(StatusDetails),
    /// Where Juju keeps no status (`"unknown"`).
    Word(String),
}

#[derive(Deserialize)]
struct StatusDetails {
    status: String,
    #[serde(default)]
    message: String,
}

/// One secret's entry in `secret-info-get --format=json`.
#[derive(Deserialize)]
struct SecretInfoOutput {
    revision: u32,
    #[serde(default)]
    label: Option<String>,
    owner: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    rotation: Option<String>,
    #[serde(default)]
    expiry: Option<String>,
}

/// What an unsuccessful exit of `tool` means (the module doc's table).
fn classify(tool: &str, output: &ToolOutput) -> ModelError {
    let juju_says = output
        .stderr
        .strip_prefix("ERROR ")
        .filter(|_| matches!(output.status.code(), Some(1 | 2)));
    match juju_says {
        Some(message)
            if !command_line_rejected(output.status.code(), message)
                && !agent_unreachable(message) =>
        {
            ModelError::Refused(message.to_owned())
        }
        _ => failed(output.failure(tool)),
    }
}

/// Whether juju/cmd refused the command line itself (exit 2): the flags
/// charmbox passes are not this Juju's, which no guest can fix.
fn command_line_rejected(code: Option<i32>, message: &str) -> bool {
    code == Some(2)
        && [
            "option provided but not defined",
            "flag provided but not defined",
            "option needs an argument",
            "flag needs an argument",
            "unrecognized args",
            "invalid boolean option",
            "empty option in argument",
        ]
        .iter()
        .any(|shape| message.starts_with(shape))
}

/// Whether the `jujuc` client failed before the unit agent ran the tool
/// (juju `cmd/jujuc/main.go`, `hookToolMain`): its environment, its socket,
/// or the agent refusing the request itself.
fn agent_unreachable(message: &str) -> bool {
    let unset_variable = message
        .strip_suffix(" not set")
        .is_some_and(|name| name.starts_with("JUJU_") && !name.contains(' '));
    unset_variable
        || message.starts_with("dial ")
        || message.starts_with("bad request: ")
        || message.starts_with("cannot read stdin")
        || message == "connection is shut down"
        || message == "unexpected EOF"
        || message == "EOF"
}

fn failed(error: HookToolError) -> ModelError {
    ModelError::Failed(error.into())
}

fn bad_output(tool: &str, problem: String) -> ModelError {
    failed(HookToolError::BadOutput {
        tool: tool.to_owned(),
        problem,
    })
}

/// Bytes for a message: as text, cut to 200 bytes.
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_travel_as_a_yaml_map_of_quoted_strings() {
        let pairs = vec![
            ("b".to_owned(), "two\nlines \"quoted\" \\ back".to_owned()),
            ("a".to_owned(), "first".to_owned()),
            ("a".to_owned(), String::new()),
            (
                "c".to_owned(),
                "tab\tdel\u{7f}nel\u{85}ls\u{2028}é😀".to_owned(),
            ),
        ];
        let text = String::from_utf8(settings_file(&pairs)).unwrap();
        assert_eq!(
            text,
            "{\"a\": \"\", \"b\": \"two\\nlines \\\"quoted\\\" \\\\ back\", \
             \"c\": \"tab\\tdel\\u007Fnel\\u0085ls\\u2028é😀\"}\n"
        );
        // JSON is the YAML subset used: it reads back as the same strings.
        let back: BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back["b"], pairs[0].1);
        assert_eq!(back["c"], pairs[3].1);
        assert_eq!(back["a"], "", "the last value of a key given twice");
    }

    #[test]
    fn positionals_that_read_as_flags_come_after_a_double_dash() {
        let args = |call: ToolCall| call.args().unwrap();
        assert_eq!(
            args(ToolCall::new("state-delete").positional("key")),
            ["key"]
        );
        assert_eq!(
            args(ToolCall::new("state-delete").positional("-key")),
            ["--", "-key"]
        );
        assert_eq!(
            args(
                ToolCall::new("relation-get")
                    .option("-r", "7")
                    .positional("-")
                    .positional("mysql/0")
            ),
            ["-r", "7", "-", "mysql/0"]
        );
        assert_eq!(
            args(
                ToolCall::new("juju-log")
                    .option("--log-level", "INFO")
                    .after_double_dash()
                    .positional("x")
            ),
            ["--log-level", "INFO", "--", "x"]
        );
        let nul = ToolCall::new("status-set").positional("a\0b").args();
        assert!(
            matches!(&nul, Err(ModelError::Refused(m)) if m.contains("NUL")),
            "{nul:?}"
        );
        let long = ToolCall::new("status-set")
            .positional("x".repeat(MAX_ARG_BYTES + 1))
            .args();
        assert!(
            matches!(&long, Err(ModelError::Refused(m)) if m.contains("at most")),
            "{long:?}"
        );
    }

    #[cfg(unix)]
    fn exited(code: i32, stderr: &str) -> ToolOutput {
        use std::os::unix::process::ExitStatusExt as _;
        ToolOutput {
            status: std::process::ExitStatus::from_raw(code << 8),
            stdout: Vec::new(),
            stderr: stderr.to_owned(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn juju_refusals_reach_the_guest_and_broken_tools_fail_the_run() {
        let refused = |code, stderr| match classify("x", &exited(code, stderr)) {
            ModelError::Refused(message) => Some(message),
            ModelError::Failed(_) => None,
        };
        assert_eq!(
            refused(1, "ERROR this unit is not the leader").as_deref(),
            Some("this unit is not the leader")
        );
        assert_eq!(
            refused(
                2,
                "ERROR invalid value \"db:9\" for option -r: relation not found"
            )
            .as_deref(),
            Some("invalid value \"db:9\" for option -r: relation not found")
        );
        for broken in [
            (2, "ERROR option provided but not defined: --app"),
            (2, "ERROR unrecognized args: [\"x\"]"),
            (
                1,
                "ERROR dial unix @/var/lib/juju/agents/unit-a-0/agent.socket: connect: \
                 connection refused",
            ),
            (1, "ERROR JUJU_CONTEXT_ID not set"),
            (1, "ERROR bad request: token does not match"),
            (1, "no ERROR prefix"),
            (3, "ERROR a panic"),
            (127, "sh: not found"),
        ] {
            assert_eq!(refused(broken.0, broken.1), None, "{broken:?}");
        }
    }

    #[test]
    fn opened_ports_read_as_juju_prints_them() {
        let tcp = PortRange {
            protocol: Protocol::Tcp,
            from: 80,
            to: 80,
        };
        assert_eq!(parse_port_range("80/tcp"), Some(tcp));
        assert_eq!(
            parse_port_range("1000-2000/udp"),
            Some(PortRange {
                protocol: Protocol::Udp,
                from: 1000,
                to: 2000
            })
        );
        assert_eq!(parse_port_range("icmp").unwrap().to_string(), "icmp");
        for bad in ["80", "80/sctp", "x/tcp", "1-2-3/tcp", ""] {
            assert_eq!(parse_port_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn bare_secret_ids_become_uris_of_the_model() {
        let model = JujuModel::new(HookTools::new(), Some("m-uuid".into()));
        assert_eq!(
            model.secret_uri("cq2k0000000000000000"),
            "secret://m-uuid/cq2k0000000000000000"
        );
        assert_eq!(model.secret_uri("secret:abc"), "secret:abc");
        let model = JujuModel::new(HookTools::new(), None);
        assert_eq!(model.secret_uri("abc"), "secret:abc");
    }
}
