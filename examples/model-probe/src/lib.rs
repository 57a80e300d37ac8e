//! `probe`: a test charm for charmbox's model and hooks. Its one action, `do`, makes
//! the calls it is given (`{"call": "state-set", "pairs": {"k": "v"}}`, …)
//! through the contract 0.2.0 bindings, and sets the result `out` to a
//! JSON list of what each returned: `{"ok": VALUE}` or `{"err": MESSAGE}`.
//! Then it completes, returns an error (`then: error`: Juju drops the
//! run's changes), or sleeps (`then: sleep`, `sleep-ms`) before completing.

use serde_json::{json, Map, Value};

wit_bindgen::generate!({
    inline: "
        package charmbox:model-probe;
        world probe {
            include juju:charm/charm@0.2.0;
            export do: func() -> result<_, string>;
            export install: func() -> result<_, string>;
            export start: func() -> result<_, string>;
            export stop: func() -> result<_, string>;
            export remove: func() -> result<_, string>;
            export config-changed: func() -> result<_, string>;
            export update-status: func() -> result<_, string>;
            export upgrade-charm: func() -> result<_, string>;
            export leader-elected: func() -> result<_, string>;
            export leader-settings-changed: func() -> result<_, string>;
            export secret-changed: func() -> result<_, string>;
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
            export replicas-relation-created: func() -> result<_, string>;
            export replicas-relation-joined: func() -> result<_, string>;
            export replicas-relation-changed: func() -> result<_, string>;
            export replicas-relation-departed: func() -> result<_, string>;
            export replicas-relation-broken: func() -> result<_, string>;
            export keeper-relation-created: func() -> result<_, string>;
            export keeper-relation-joined: func() -> result<_, string>;
            export keeper-relation-changed: func() -> result<_, string>;
            export keeper-relation-departed: func() -> result<_, string>;
            export keeper-relation-broken: func() -> result<_, string>;
        }
    ",
    path: "../../wit/juju-charm@0.2.0",
    generate_all,
});

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
    fn secret_changed() -> Result<(), String> {
        hook("secret-changed")
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
    fn replicas_relation_created() -> Result<(), String> {
        hook("replicas-relation-created")
    }
    fn replicas_relation_joined() -> Result<(), String> {
        hook("replicas-relation-joined")
    }
    fn replicas_relation_changed() -> Result<(), String> {
        hook("replicas-relation-changed")
    }
    fn replicas_relation_departed() -> Result<(), String> {
        hook("replicas-relation-departed")
    }
    fn replicas_relation_broken() -> Result<(), String> {
        hook("replicas-relation-broken")
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

    fn do_() -> Result<(), String> {
        let params: Value = action::action_get(None)
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null);
        let steps = params["steps"].as_array().cloned().unwrap_or_default();
        let out: Vec<Value> = steps.iter().map(step).collect();
        let text = Value::Array(out).to_string();
        action::action_set(&[("out".to_owned(), text)])?;
        match params["then"].as_str().unwrap_or("complete") {
            "error" => Err("told to fail".to_owned()),
            "sleep" => {
                let ms = params["sleep-ms"].as_u64().unwrap_or(0);
                std::thread::sleep(std::time::Duration::from_millis(ms));
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

export!(Probe);

/// A hook: logs the event and its context (`hook NAME relation=db:3
/// remote-unit=pg/0 remote-app=pg`), runs the steps of the script the unit's
/// state holds under `on:NAME` (`{"steps": [...], "then":
/// "defer"|"error"|"complete"}`; a step's `"relation": "event"` is the
/// event's relation), and, with no script, on `start` sets the unit `active` and on
/// a `-relation-joined` writes `joined-by` to its unit databag.
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
    log::juju_log(log::Level::Info, &line);
    let script: Value = state::state_get(&format!("on:{name}"))?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    if script.is_null() {
        if name == "start" {
            status::status_set(status::StatusKind::Active, "started", false)?;
        }
        if let (true, Some((_, id))) = (name.ends_with("-relation-joined"), &relation) {
            relation::relation_set(*id, false, &[("joined-by".into(), context::unit_name())])?;
        }
        return Ok(());
    }
    for step_value in script["steps"].as_array().cloned().unwrap_or_default() {
        let mut step_value = step_value;
        if step_value["relation"] == "event" {
            step_value["relation"] = json!(relation.as_ref().map(|(_, id)| *id).unwrap_or_default());
        }
        let out = step(&step_value);
        log::juju_log(log::Level::Debug, &format!("{name}: {out}"));
    }
    match script["then"].as_str().unwrap_or("complete") {
        "defer" => context::defer(),
        "error" => Err(format!("hook {name} told to fail")),
        _ => Ok(()),
    }
}


/// One step's call and what it returned.
fn step(step: &Value) -> Value {
    match call(step) {
        Ok(value) => json!({ "ok": value }),
        Err(message) => json!({ "err": message }),
    }
}

fn text(step: &Value, key: &str) -> String {
    step[key].as_str().unwrap_or_default().to_owned()
}

fn opt_text(step: &Value, key: &str) -> Option<String> {
    step[key].as_str().map(str::to_owned)
}

fn number(step: &Value, key: &str) -> u32 {
    step[key].as_u64().unwrap_or_default() as u32
}

fn flag(step: &Value, key: &str) -> bool {
    step[key].as_bool().unwrap_or_default()
}

fn pairs(step: &Value, key: &str) -> Vec<(String, String)> {
    step[key]
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn bag(list: Vec<(String, String)>) -> Value {
    Value::Object(
        list.into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect::<Map<_, _>>(),
    )
}

fn secret_ref(step: &Value) -> secret::SecretRef {
    match opt_text(step, "id") {
        Some(id) => secret::SecretRef::Id(id),
        None => secret::SecretRef::Label(text(step, "label")),
    }
}

fn options(step: &Value) -> secret::SecretOptions {
    use secret::RotatePolicy as P;
    secret::SecretOptions {
        label: opt_text(step, "new-label"),
        description: opt_text(step, "description"),
        expire: opt_text(step, "expire"),
        rotate: opt_text(step, "rotate").and_then(|r| {
            Some(match r.as_str() {
                "never" => P::Never,
                "hourly" => P::Hourly,
                "daily" => P::Daily,
                "weekly" => P::Weekly,
                "monthly" => P::Monthly,
                "quarterly" => P::Quarterly,
                "yearly" => P::Yearly,
                _ => return None,
            })
        }),
    }
}

fn port_range(step: &Value) -> ports::PortRange {
    let protocol = match step["protocol"].as_str().unwrap_or("tcp") {
        "udp" => ports::Protocol::Udp,
        "icmp" => ports::Protocol::Icmp,
        _ => ports::Protocol::Tcp,
    };
    let from = number(step, "from") as u16;
    let to = step["to"].as_u64().map_or(from, |t| t as u16);
    ports::PortRange { protocol, from, to }
}

fn port_text(range: &ports::PortRange) -> String {
    let protocol = match range.protocol {
        ports::Protocol::Tcp => "tcp",
        ports::Protocol::Udp => "udp",
        ports::Protocol::Icmp => return "icmp".to_owned(),
    };
    if range.from == range.to {
        format!("{}/{protocol}", range.from)
    } else {
        format!("{}-{}/{protocol}", range.from, range.to)
    }
}

fn call(step: &Value) -> Result<Value, String> {
    let id = number(step, "relation");
    Ok(match step["call"].as_str().unwrap_or_default() {
        "unit-name" => json!(context::unit_name()),
        "model-name" => json!(context::model_name()),
        "event" => json!(context::event().name),
        "config-get" => match config::config_get(opt_text(step, "key").as_deref())? {
            Some(text) => serde_json::from_str(&text).map_err(|e| e.to_string())?,
            None => Value::Null,
        },
        "is-leader" => json!(status::is_leader()?),
        "status-set" => {
            let kind = match text(step, "status").as_str() {
                "maintenance" => status::StatusKind::Maintenance,
                "blocked" => status::StatusKind::Blocked,
                "waiting" => status::StatusKind::Waiting,
                _ => status::StatusKind::Active,
            };
            status::status_set(kind, &text(step, "message"), flag(step, "application"))?;
            Value::Null
        }
        "status-get" => {
            let info = status::status_get(flag(step, "application"))?;
            json!({ "status": info.status, "message": info.message })
        }
        "application-version-set" => {
            status::application_version_set(&text(step, "version"))?;
            Value::Null
        }
        "juju-log" => {
            let level = match text(step, "level").as_str() {
                "debug" => log::Level::Debug,
                "warning" => log::Level::Warning,
                "error" => log::Level::Error,
                _ => log::Level::Info,
            };
            log::juju_log(level, &text(step, "message"));
            Value::Null
        }
        "state-get" => json!(state::state_get(&text(step, "key"))?),
        "state-list" => bag(state::state_list()?),
        "state-set" => {
            state::state_set(&pairs(step, "pairs"))?;
            Value::Null
        }
        "state-delete" => {
            state::state_delete(&text(step, "key"))?;
            Value::Null
        }
        // Adds one to the state's `counter`, waiting `wait-ms` between the
        // read and the write: two runs at once would lose an increment.
        "increment" => {
            let now: u64 = state::state_get("counter")?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let wait = step["wait-ms"].as_u64().unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(wait));
            state::state_set(&[("counter".to_owned(), (now + 1).to_string())])?;
            json!(now + 1)
        }
        "relation-ids" => {
            let ids = relation::relation_ids(&text(step, "endpoint"))?;
            json!(ids
                .iter()
                .map(|r| format!("{}:{}", r.endpoint, r.id))
                .collect::<Vec<_>>())
        }
        "relation-list" => json!(relation::relation_list(id)?),
        "relation-app" => json!(relation::relation_app(id)?),
        "relation-get" => bag(relation::relation_get(
            id,
            &text(step, "member"),
            flag(step, "app"),
        )?),
        "relation-set" => {
            relation::relation_set(id, flag(step, "app"), &pairs(step, "pairs"))?;
            Value::Null
        }
        "secret-add" => json!(secret::secret_add(
            &pairs(step, "content"),
            &options(step),
            flag(step, "owner-unit")
        )?),
        "secret-get" => {
            let mode = match text(step, "mode").as_str() {
                "peek" => secret::ReadMode::Peek,
                "refresh" => secret::ReadMode::Refresh,
                _ => secret::ReadMode::Tracked,
            };
            let label = opt_text(step, "as-label");
            bag(secret::secret_get(
                &secret_ref(step),
                mode,
                label.as_deref(),
            )?)
        }
        "secret-set" => {
            let content = step.get("content").map(|_| pairs(step, "content"));
            secret::secret_set(&secret_ref(step), content.as_deref(), &options(step))?;
            Value::Null
        }
        "secret-ids" => json!(secret::secret_ids()?),
        "secret-info-get" => {
            let info = secret::secret_info_get(&secret_ref(step))?;
            json!({
                "id": info.id, "label": info.label, "description": info.description,
                "revision": info.revision, "owner": info.owner, "expiry": info.expiry,
            })
        }
        "secret-grant" => {
            secret::secret_grant(&secret_ref(step), id, opt_text(step, "unit").as_deref())?;
            Value::Null
        }
        "secret-revoke" => {
            secret::secret_revoke(&secret_ref(step), id, opt_text(step, "unit").as_deref())?;
            Value::Null
        }
        "secret-remove" => {
            let revision = step["revision"].as_u64().map(|r| r as u32);
            secret::secret_remove(&secret_ref(step), revision)?;
            Value::Null
        }
        "open-port" => {
            ports::open_port(port_range(step))?;
            Value::Null
        }
        "close-port" => {
            ports::close_port(port_range(step))?;
            Value::Null
        }
        "opened-ports" => json!(ports::opened_ports()?
            .iter()
            .map(port_text)
            .collect::<Vec<_>>()),
        other => return Err(format!("the probe has no call {other:?}")),
    })
}
