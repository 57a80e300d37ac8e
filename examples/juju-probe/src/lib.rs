//! A test charm for charmbox's model backends, bound to contract 0.2.0 with
//! wit-bindgen directly: each action calls the model's interfaces and
//! reports every answer through `action-set`, so a test can compare what
//! the guest saw with what the backend was given.
//!
//! - `run-steps`: the calls its `steps` param lists, one outcome each;
//!   then it completes, returns an error (`then: error`), or sleeps
//!   (`then: sleep`, `sleep-ms`) first;
//! - `share-password`: config, leadership, a secret and a relation, as a
//!   database charm's leader shares its credentials with its peers;
//! - `read-repeatedly`: the same reads `times` times, then writes and reads
//!   back (to count what a backend does with repeated reads);
//! - hooks (`install`, `update-status`, each endpoint's relation hooks,
//!   `secret-changed`, `secret-remove`):
//!   each logs its event (`hook NAME relation=db:3 remote-unit=…
//!   remote-app=… departing-unit=… secret-id=… secret-label=…`) and runs the script its unit's state holds under
//!   `on:NAME` (`{"steps": [...], "then": "defer"|"error"|"complete"}`, a
//!   step's `"relation": "event"` being the event's relation); with none,
//!   `start` sets the unit `active` and `keeper-relation-joined` writes
//!   `joined-by` to the unit's databag.

use serde_json::{json, Map, Value};

wit_bindgen::generate!({
    path: "../../wit/juju-charm@0.2.0",
    inline: "
        package charmbox:juju-probe;

        world probe {
            include juju:charm/charm@0.2.0;

            export run-steps: func() -> result<_, string>;
            export share-password: func() -> result<_, string>;
            export read-repeatedly: func() -> result<_, string>;
            export install: func() -> result<_, string>;
            export start: func() -> result<_, string>;
            export stop: func() -> result<_, string>;
            export remove: func() -> result<_, string>;
            export config-changed: func() -> result<_, string>;
            export update-status: func() -> result<_, string>;
            export upgrade-charm: func() -> result<_, string>;
            export leader-elected: func() -> result<_, string>;
            export leader-settings-changed: func() -> result<_, string>;
            export db-relation-created: func() -> result<_, string>;
            export db-relation-joined: func() -> result<_, string>;
            export db-relation-changed: func() -> result<_, string>;
            export db-relation-departed: func() -> result<_, string>;
            export db-relation-broken: func() -> result<_, string>;
            export website-relation-created: func() -> result<_, string>;
            export website-relation-joined: func() -> result<_, string>;
            export website-relation-changed: func() -> result<_, string>;
            export website-relation-departed: func() -> result<_, string>;
            export website-relation-broken: func() -> result<_, string>;
            export cluster-relation-created: func() -> result<_, string>;
            export cluster-relation-joined: func() -> result<_, string>;
            export cluster-relation-changed: func() -> result<_, string>;
            export cluster-relation-departed: func() -> result<_, string>;
            export cluster-relation-broken: func() -> result<_, string>;
            export keeper-relation-created: func() -> result<_, string>;
            export keeper-relation-joined: func() -> result<_, string>;
            export keeper-relation-changed: func() -> result<_, string>;
            export keeper-relation-departed: func() -> result<_, string>;
            export keeper-relation-broken: func() -> result<_, string>;
            export secret-changed: func() -> result<_, string>;
            export secret-remove: func() -> result<_, string>;
        }
    ",
    world: "charmbox:juju-probe/probe",
    generate_all,
});

use juju::charm::context::Relation;
use juju::charm::ports::{PortRange, Protocol};
use juju::charm::secret::{ReadMode, RotatePolicy, SecretOptions, SecretRef};
use juju::charm::status::StatusKind;
use juju::charm::{action, config, context, log, ports, relation, secret, state, status};

struct Probe;

impl Guest for Probe {
    fn install() -> Result<(), String> {
        hook("install")
    }
    fn start() -> Result<(), String> {
        hook("start")
    }
    fn stop() -> Result<(), String> {
        hook("stop")
    }
    fn remove() -> Result<(), String> {
        hook("remove")
    }
    fn config_changed() -> Result<(), String> {
        hook("config-changed")
    }
    fn update_status() -> Result<(), String> {
        hook("update-status")
    }
    fn upgrade_charm() -> Result<(), String> {
        hook("upgrade-charm")
    }
    fn leader_elected() -> Result<(), String> {
        hook("leader-elected")
    }
    fn leader_settings_changed() -> Result<(), String> {
        hook("leader-settings-changed")
    }
    fn db_relation_created() -> Result<(), String> {
        hook("db-relation-created")
    }
    fn db_relation_joined() -> Result<(), String> {
        hook("db-relation-joined")
    }
    fn db_relation_changed() -> Result<(), String> {
        hook("db-relation-changed")
    }
    fn db_relation_departed() -> Result<(), String> {
        hook("db-relation-departed")
    }
    fn db_relation_broken() -> Result<(), String> {
        hook("db-relation-broken")
    }
    fn website_relation_created() -> Result<(), String> {
        hook("website-relation-created")
    }
    fn website_relation_joined() -> Result<(), String> {
        hook("website-relation-joined")
    }
    fn website_relation_changed() -> Result<(), String> {
        hook("website-relation-changed")
    }
    fn website_relation_departed() -> Result<(), String> {
        hook("website-relation-departed")
    }
    fn website_relation_broken() -> Result<(), String> {
        hook("website-relation-broken")
    }
    fn cluster_relation_created() -> Result<(), String> {
        hook("cluster-relation-created")
    }
    fn cluster_relation_joined() -> Result<(), String> {
        hook("cluster-relation-joined")
    }
    fn cluster_relation_changed() -> Result<(), String> {
        hook("cluster-relation-changed")
    }
    fn cluster_relation_departed() -> Result<(), String> {
        hook("cluster-relation-departed")
    }
    fn cluster_relation_broken() -> Result<(), String> {
        hook("cluster-relation-broken")
    }
    fn keeper_relation_created() -> Result<(), String> {
        hook("keeper-relation-created")
    }
    fn keeper_relation_joined() -> Result<(), String> {
        hook("keeper-relation-joined")
    }
    fn keeper_relation_changed() -> Result<(), String> {
        hook("keeper-relation-changed")
    }
    fn keeper_relation_departed() -> Result<(), String> {
        hook("keeper-relation-departed")
    }
    fn keeper_relation_broken() -> Result<(), String> {
        hook("keeper-relation-broken")
    }
    fn secret_changed() -> Result<(), String> {
        hook("secret-changed")
    }
    fn secret_remove() -> Result<(), String> {
        hook("secret-remove")
    }

    fn run_steps() -> Result<(), String> {
        let params = params()?;
        let steps = params
            .get("steps")
            .and_then(Value::as_array)
            .ok_or("the `steps` param must be a list of calls")?;
        let outcomes: Vec<Value> = steps
            .iter()
            .map(|step| match step_outcome(step) {
                Ok(value) => json!({ "ok": value }),
                Err(message) => json!({ "err": message }),
            })
            .collect();
        action::action_set(&[("outcomes".into(), Value::from(outcomes).to_string())])?;
        match params.get("then").and_then(Value::as_str) {
            Some("error") => Err("the steps ran; told to fail".into()),
            Some("sleep") => {
                let ms = params.get("sleep-ms").and_then(Value::as_u64).unwrap_or(0);
                std::thread::sleep(std::time::Duration::from_millis(ms));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn share_password() -> Result<(), String> {
        let config: Value = parse(&config::config_get(None)?.unwrap_or_default())?;
        let user = config
            .get("user")
            .and_then(Value::as_str)
            .ok_or("the `user` option is not set")?
            .to_owned();
        if !status::is_leader()? {
            return Err("share-password needs leadership: run it on the leader".into());
        }
        let label = SecretRef::Label("password".into());
        let content = secret::secret_get(&label, ReadMode::Tracked, None)?;
        let password = content
            .iter()
            .find(|(key, _)| key == "password")
            .map(|(_, value)| value.clone())
            .ok_or("the secret labelled `password` has no `password` key")?;
        let info = secret::secret_info_get(&label)?;
        let cluster = relation::relation_ids("cluster")?
            .into_iter()
            .next()
            .ok_or("there is no `cluster` relation yet")?;
        relation::relation_set(
            cluster.id,
            true,
            &[
                ("user".into(), user.clone()),
                ("password-secret".into(), info.id.clone()),
            ],
        )?;
        log::juju_log(
            log::Level::Info,
            &format!("shared {user}'s password on {}", relation_name(&cluster)),
        );
        action::action_set(&[
            ("user".into(), user),
            ("relation".into(), relation_name(&cluster)),
            ("secret".into(), info.id),
            ("password-length".into(), password.len().to_string()),
        ])
    }

    fn read_repeatedly() -> Result<(), String> {
        let times = params()?.get("times").and_then(Value::as_u64).unwrap_or(5);
        let label = SecretRef::Label("password".into());
        let unit = context::unit_name();
        let app = unit.split('/').next().unwrap_or_default().to_owned();
        let mut seen = Map::new();
        for _ in 0..times {
            seen.insert(
                "config".into(),
                parse(&config::config_get(None)?.unwrap_or_default())?,
            );
            seen.insert("user".into(), config::config_get(Some("user"))?.into());
            seen.insert("leader".into(), status::is_leader()?.into());
            let cluster = relation::relation_ids("cluster")?
                .into_iter()
                .next()
                .ok_or("there is no `cluster` relation yet")?;
            let units = relation::relation_list(cluster.id)?;
            seen.insert("units".into(), units.clone().into());
            seen.insert("app".into(), relation::relation_app(cluster.id)?.into());
            for unit in &units {
                let bag = relation::relation_get(cluster.id, unit, false)?;
                seen.insert(format!("bag {unit}"), pairs_json(bag));
            }
            let bag = relation::relation_get(cluster.id, &app, true)?;
            seen.insert(format!("bag {app}"), pairs_json(bag));
            let content = secret::secret_get(&label, ReadMode::Tracked, None)?;
            seen.insert("secret".into(), pairs_json(content));
            seen.insert(
                "revision".into(),
                secret::secret_info_get(&label)?.revision.into(),
            );
            seen.insert("counter".into(), state::state_get("counter")?.into());
            seen.insert("state".into(), pairs_json(state::state_list()?));
            seen.insert("status".into(), status::status_get(false)?.status.into());
            seen.insert("ports".into(), ports::opened_ports()?.len().into());
        }
        // Writes, then the same reads: they see what was written.
        let cluster = relation::relation_ids("cluster")?
            .into_iter()
            .next()
            .ok_or("there is no `cluster` relation yet")?;
        state::state_set(&[("counter".into(), times.to_string())])?;
        relation::relation_set(cluster.id, false, &[("reads".into(), times.to_string())])?;
        seen.insert("counter after".into(), state::state_get("counter")?.into());
        let own = relation::relation_get(cluster.id, &unit, false)?;
        seen.insert(format!("bag {unit} after"), pairs_json(own));
        action::action_set(&[("seen".into(), Value::from(seen).to_string())])
    }
}

export!(Probe);

/// A hook: see the module's doc.
fn hook(name: &str) -> Result<(), String> {
    let event = context::event();
    let relation = event.relation.as_ref().map(|r| (r.endpoint.clone(), r.id));
    let mut line = format!("hook {name}");
    if let Some((endpoint, id)) = &relation {
        line.push_str(&format!(" relation={endpoint}:{id}"));
    }
    if let Some(unit) = &event.remote_unit {
        line.push_str(&format!(" remote-unit={unit}"));
    }
    if let Some(app) = &event.remote_app {
        line.push_str(&format!(" remote-app={app}"));
    }
    if let Some(unit) = &event.departing_unit {
        line.push_str(&format!(" departing-unit={unit}"));
    }
    if let Some(id) = &event.secret_id {
        line.push_str(&format!(" secret-id={id}"));
    }
    if let Some(label) = &event.secret_label {
        line.push_str(&format!(" secret-label={label}"));
    }
    log::juju_log(log::Level::Info, &line);
    let script: Value = state::state_get(&format!("on:{name}"))?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    if script.is_null() {
        if name == "start" {
            status::status_set(StatusKind::Active, "started", false)?;
        }
        if let (true, Some((_, id))) = (name == "keeper-relation-joined", &relation) {
            relation::relation_set(*id, false, &[("joined-by".into(), context::unit_name())])?;
        }
        return Ok(());
    }
    for step in script["steps"].as_array().cloned().unwrap_or_default() {
        let mut step = step;
        if step["relation"] == "event" {
            step["relation"] = json!(relation.as_ref().map(|(_, id)| *id).unwrap_or_default());
        }
        let outcome = match step_outcome(&step) {
            Ok(value) => json!({ "ok": value }),
            Err(message) => json!({ "err": message }),
        };
        log::juju_log(log::Level::Debug, &format!("{name}: {outcome}"));
    }
    match script["then"].as_str().unwrap_or("complete") {
        "defer" => context::defer(),
        "error" => Err(format!("hook {name} told to fail")),
        _ => Ok(()),
    }
}

/// The action's params, as JSON.
fn params() -> Result<Map<String, Value>, String> {
    let text = action::action_get(None).unwrap_or_else(|| "{}".into());
    match parse(&text)? {
        Value::Object(params) => Ok(params),
        other => Err(format!("params are not a map: {other}")),
    }
}

fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not JSON ({e}): {text}"))
}

fn relation_name(relation: &Relation) -> String {
    format!("{}:{}", relation.endpoint, relation.id)
}

/// Key/value pairs as a JSON list of `[key, value]`, in the order given; a
/// value over 4 KiB as `{"bytes": N, "distinct": [...]}` (its length and
/// its characters), so that what the probe reports fits one `action-set`
/// argument.
fn pairs_json(pairs: Vec<(String, String)>) -> Value {
    pairs
        .into_iter()
        .map(|(key, value)| {
            if value.len() <= 4096 {
                return json!([key, value]);
            }
            let mut distinct: Vec<char> = value.chars().collect();
            distinct.sort_unstable();
            distinct.dedup();
            let distinct: Vec<String> = distinct.iter().map(char::to_string).collect();
            json!([key, {"bytes": value.len(), "distinct": distinct}])
        })
        .collect()
}

/// One step of `run-steps`: the call it names, made with its arguments.
fn step_outcome(step: &Value) -> Result<Value, String> {
    let call = text(step, "call")?;
    let relation_id = || -> Result<u32, String> {
        step.get("relation")
            .and_then(Value::as_u64)
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| format!("{call} needs `relation`, a relation id"))
    };
    let app = flag(step, "app");
    match call.as_str() {
        "context" => Ok(json!({
            "unit": context::unit_name(),
            "model-name": context::model_name(),
            "model-uuid": context::model_uuid(),
            "juju-version": context::juju_version(),
            "event": event_json(&context::event()),
        })),
        "defer" => context::defer().map(|()| Value::Null),
        "config-get" => match config::config_get(optional(step, "key")?.as_deref())? {
            Some(value) => parse(&value),
            None => Ok(Value::Null),
        },
        "is-leader" => status::is_leader().map(Value::from),
        "status-set" => {
            let kind = match text(step, "status")?.as_str() {
                "maintenance" => StatusKind::Maintenance,
                "blocked" => StatusKind::Blocked,
                "waiting" => StatusKind::Waiting,
                "active" => StatusKind::Active,
                other => return Err(format!("no settable status {other:?}")),
            };
            let message = optional(step, "message")?.unwrap_or_default();
            status::status_set(kind, &message, flag(step, "application")).map(|()| Value::Null)
        }
        "status-get" => status::status_get(flag(step, "application"))
            .map(|info| json!({ "status": info.status, "message": info.message })),
        "application-version-set" => {
            status::application_version_set(&text(step, "version")?).map(|()| Value::Null)
        }
        "juju-log" => {
            let level = match text(step, "level")?.as_str() {
                "trace" => log::Level::Trace,
                "debug" => log::Level::Debug,
                "info" => log::Level::Info,
                "warning" => log::Level::Warning,
                "error" => log::Level::Error,
                "critical" => log::Level::Critical,
                other => return Err(format!("no log level {other:?}")),
            };
            log::juju_log(level, &text(step, "message")?);
            Ok(Value::Null)
        }
        "state-get" => state::state_get(&text(step, "key")?).map(Value::from),
        "state-list" => state::state_list().map(pairs_json),
        "state-set" => state::state_set(&pairs(step, "pairs")?).map(|()| Value::Null),
        "state-delete" => state::state_delete(&text(step, "key")?).map(|()| Value::Null),
        // One more than the state's `counter`, `wait-ms` after reading it:
        // two runs at once on one unit would both write the same number.
        "increment" => {
            let now: u64 = state::state_get("counter")?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let wait = step.get("wait-ms").and_then(Value::as_u64).unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(wait));
            state::state_set(&[("counter".into(), (now + 1).to_string())])?;
            Ok(Value::from(now + 1))
        }
        "relation-ids" => relation::relation_ids(&text(step, "endpoint")?)
            .map(|relations| relations.iter().map(relation_name).collect()),
        "relation-list" => relation::relation_list(relation_id()?).map(Value::from),
        "relation-app" => relation::relation_app(relation_id()?).map(Value::from),
        "relation-get" => {
            relation::relation_get(relation_id()?, &text(step, "member")?, app).map(pairs_json)
        }
        "relation-set" => relation::relation_set(relation_id()?, app, &pairs(step, "pairs")?)
            .map(|()| Value::Null),
        "secret-get" => {
            let mode = match optional(step, "mode")?.as_deref() {
                None | Some("tracked") => ReadMode::Tracked,
                Some("peek") => ReadMode::Peek,
                Some("refresh") => ReadMode::Refresh,
                Some(other) => return Err(format!("no read mode {other:?}")),
            };
            let set_label = optional(step, "set-label")?;
            secret::secret_get(&secret_ref(step)?, mode, set_label.as_deref()).map(pairs_json)
        }
        "secret-add" => secret::secret_add(
            &pairs(step, "content")?,
            &secret_options(step)?,
            flag(step, "owner-unit"),
        )
        .map(Value::from),
        "secret-set" => {
            let content = match step.get("content") {
                Some(_) => Some(pairs(step, "content")?),
                None => None,
            };
            secret::secret_set(
                &secret_ref(step)?,
                content.as_deref(),
                &secret_options(step)?,
            )
            .map(|()| Value::Null)
        }
        "secret-ids" => secret::secret_ids().map(Value::from),
        "secret-info-get" => secret::secret_info_get(&secret_ref(step)?).map(|info| {
            json!({
                "id": info.id,
                "label": info.label,
                "description": info.description,
                "revision": info.revision,
                "rotation": info.rotation.map(rotate_name),
                "expiry": info.expiry,
                "owner": info.owner,
            })
        }),
        "secret-grant" => secret::secret_grant(
            &secret_ref(step)?,
            relation_id()?,
            optional(step, "unit")?.as_deref(),
        )
        .map(|()| Value::Null),
        "secret-revoke" => secret::secret_revoke(
            &secret_ref(step)?,
            relation_id()?,
            optional(step, "unit")?.as_deref(),
        )
        .map(|()| Value::Null),
        "secret-remove" => {
            let revision = step
                .get("revision")
                .and_then(Value::as_u64)
                .and_then(|r| u32::try_from(r).ok());
            secret::secret_remove(&secret_ref(step)?, revision).map(|()| Value::Null)
        }
        "open-port" => ports::open_port(port_range(step)?).map(|()| Value::Null),
        "close-port" => ports::close_port(port_range(step)?).map(|()| Value::Null),
        "opened-ports" => ports::opened_ports().map(|opened| {
            opened
                .iter()
                .map(|p| json!([protocol_name(p.protocol), p.from, p.to]))
                .collect()
        }),
        other => Err(format!("the probe knows no call {other:?}")),
    }
}

fn text(step: &Value, key: &str) -> Result<String, String> {
    step.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("the step needs `{key}`, a string: {step}"))
}

fn optional(step: &Value, key: &str) -> Result<Option<String>, String> {
    match step.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(format!("`{key}` must be a string, not {other}")),
    }
}

fn flag(step: &Value, key: &str) -> bool {
    step.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// `[[key, value], ...]` at `key`.
fn pairs(step: &Value, key: &str) -> Result<Vec<(String, String)>, String> {
    let bad = || format!("`{key}` must be a list of [key, value] strings: {step}");
    step.get(key)
        .and_then(Value::as_array)
        .ok_or_else(bad)?
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
            _ => Err(bad()),
        })
        .collect()
}

fn secret_ref(step: &Value) -> Result<SecretRef, String> {
    match (optional(step, "id")?, optional(step, "label")?) {
        (Some(id), None) => Ok(SecretRef::Id(id)),
        (None, Some(label)) => Ok(SecretRef::Label(label)),
        _ => Err(format!("a secret step needs `id` or `label`: {step}")),
    }
}

fn secret_options(step: &Value) -> Result<SecretOptions, String> {
    let rotate = match optional(step, "rotate")?.as_deref() {
        None => None,
        Some("never") => Some(RotatePolicy::Never),
        Some("hourly") => Some(RotatePolicy::Hourly),
        Some("daily") => Some(RotatePolicy::Daily),
        Some("weekly") => Some(RotatePolicy::Weekly),
        Some("monthly") => Some(RotatePolicy::Monthly),
        Some("quarterly") => Some(RotatePolicy::Quarterly),
        Some("yearly") => Some(RotatePolicy::Yearly),
        Some(other) => return Err(format!("no rotate policy {other:?}")),
    };
    Ok(SecretOptions {
        label: optional(step, "new-label")?,
        description: optional(step, "description")?,
        expire: optional(step, "expire")?,
        rotate,
    })
}

fn rotate_name(policy: RotatePolicy) -> &'static str {
    match policy {
        RotatePolicy::Never => "never",
        RotatePolicy::Hourly => "hourly",
        RotatePolicy::Daily => "daily",
        RotatePolicy::Weekly => "weekly",
        RotatePolicy::Monthly => "monthly",
        RotatePolicy::Quarterly => "quarterly",
        RotatePolicy::Yearly => "yearly",
    }
}

fn port_range(step: &Value) -> Result<PortRange, String> {
    let protocol = match text(step, "protocol")?.as_str() {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "icmp" => Protocol::Icmp,
        other => return Err(format!("no protocol {other:?}")),
    };
    let port = |key| {
        step.get(key)
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0)
    };
    Ok(PortRange {
        protocol,
        from: port("from"),
        to: port("to"),
    })
}

fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Icmp => "icmp",
    }
}

fn event_json(event: &context::EventInfo) -> Value {
    json!({
        "name": event.name,
        "is-action": event.is_action,
        "relation": event.relation.as_ref().map(relation_name),
        "remote-unit": event.remote_unit,
        "remote-app": event.remote_app,
        "departing-unit": event.departing_unit,
        "secret-id": event.secret_id,
        "secret-label": event.secret_label,
        "secret-revision": event.secret_revision,
        "storage-id": event.storage_id,
        "workload": event.workload,
    })
}
