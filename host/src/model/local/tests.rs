//! The local model's rules, one test each, through the backend a run gets
//! and the operator's commands, on a model in a temporary state directory.

use std::path::PathBuf;
use std::sync::Arc;

use super::standin::StandIn;
use super::*;
use crate::model::{
    EventInfo, ModelBackend, ModelError, PortRange, Protocol, ReadMode, Relation, RelationId,
    RotatePolicy, SecretOptions, SecretOwner, SecretRef, Status, StatusInfo, StatusTarget,
};
use operator::RelationTarget;

const CHARMCRAFT: &str = r#"
name: app
config:
  options:
    name: {type: string, default: World}
    port: {type: int, default: 8080}
    debug: {type: boolean}
requires:
  db: {interface: mysql, limit: 1}
  cache: redis
peers:
  replicas: {interface: app-peers}
"#;

struct Fixture {
    _dir: tempfile::TempDir,
    state: PathBuf,
    charm_dir: PathBuf,
    model: LocalModel,
    charm: Arc<CharmModel>,
}

impl Fixture {
    /// A model whose application `app` runs the charm above on `units`.
    fn new(units: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let charm_dir = dir.path().join("charm");
        std::fs::create_dir_all(&charm_dir).unwrap();
        std::fs::write(charm_dir.join("charmcraft.yaml"), CHARMCRAFT).unwrap();
        let model = LocalModel::open(&state).unwrap();
        let charm = Arc::new(operator::read_charm_model(&charm_dir).unwrap());
        let names: Vec<UnitName> = units.iter().map(|u| u.parse().unwrap()).collect();
        let refs: Vec<&UnitName> = names.iter().collect();
        model
            .record_units("app", &charm_dir, "app", &charm, &refs)
            .unwrap();
        Self {
            _dir: dir,
            state,
            charm_dir,
            model,
            charm,
        }
    }

    /// A run's model for `unit`, running an action.
    fn run(&self, unit: &str) -> LocalModelBackend {
        self.model
            .backend(&unit.parse().unwrap(), &self.charm, &EventInfo::action("x"))
    }

    /// The same model, as another process opens it.
    fn reopened(&self) -> LocalModel {
        LocalModel::open(&self.state).unwrap()
    }

    /// Relates `app:db` to a stand-in mysql with two units.
    fn relate_mysql(&self) -> RelationId {
        let stand_in = StandIn::parse(
            std::path::Path::new("mysql.yaml"),
            "application: mysql\nendpoint: server\napplication-data: {database: wp}\n\
             units:\n  mysql/0: {host: 10.0.0.1}\n  mysql/1: {host: 10.0.0.2}\n",
        )
        .unwrap();
        self.model
            .integrate("app", Some("db"), &RelationTarget::StandIn(stand_in))
            .unwrap()
            .id
    }

    fn peer_relation(&self) -> RelationId {
        self.model
            .read(|rows| rows.relations_of("app"))
            .unwrap()
            .into_iter()
            .find(|r| r.is_peer())
            .unwrap()
            .id
    }
}

fn refusal<T: std::fmt::Debug>(result: Result<T, ModelError>) -> String {
    match result {
        Err(ModelError::Refused(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn tcp(from: u16, to: u16) -> PortRange {
    PortRange {
        protocol: Protocol::Tcp,
        from,
        to,
    }
}

#[test]
fn a_new_application_is_led_by_its_first_unit_and_has_its_peer_relation() {
    let f = Fixture::new(&["app/1", "app/0"]);
    assert_eq!(
        f.model.application("app").unwrap().leader.as_deref(),
        Some("app/0")
    );
    assert!(f.run("app/0").is_leader().unwrap());
    assert!(!f.run("app/1").is_leader().unwrap());
    f.model.set_leader(&"app/1".parse().unwrap()).unwrap();
    assert!(f.run("app/1").is_leader().unwrap());
    let err = f.model.set_leader(&"app/7".parse().unwrap()).unwrap_err();
    assert_eq!(err.to_string(), r#"unit "app/7" not found"#);
    let peers = f.run("app/0").relation_ids("replicas").unwrap();
    assert_eq!(peers.len(), 1);
    // Recording the units again makes no second peer relation.
    f.model
        .record_units(
            "app",
            &f.charm_dir,
            "app",
            &f.charm,
            &[&"app/2".parse().unwrap()],
        )
        .unwrap();
    assert_eq!(f.run("app/0").relation_ids("replicas").unwrap(), peers);
    // The application runs whichever charm its units last ran.
    let elsewhere = f.charm_dir.with_file_name("moved");
    f.model
        .record_units(
            "app",
            &elsewhere,
            "app",
            &f.charm,
            &[&"app/0".parse().unwrap()],
        )
        .unwrap();
    assert_eq!(f.model.application("app").unwrap().charm, Some(elsewhere));
}

#[test]
fn config_is_defaults_overlaid_with_what_the_operator_set_typed_as_juju_types_it() {
    let f = Fixture::new(&["app/0"]);
    let read = |f: &Fixture| serde_json::Value::Object(f.run("app/0").config_get().unwrap());
    assert_eq!(read(&f), serde_json::json!({"name": "World", "port": 8080}));
    f.model
        .set_config("app", &pairs(&[("port", "9000"), ("debug", "true")]), &[])
        .unwrap();
    assert_eq!(
        read(&f),
        serde_json::json!({"name": "World", "port": 9000, "debug": true})
    );
    let err = |values: &[(&str, &str)], reset: &[&str]| {
        let reset: Vec<String> = reset.iter().map(|s| s.to_string()).collect();
        f.model
            .set_config("app", &pairs(values), &reset)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(err(&[("nope", "1")], &[]), r#"unknown option "nope""#);
    assert_eq!(
        err(&[("port", "x")], &[]),
        r#"option "port" expected int, got "x""#
    );
    assert_eq!(err(&[], &["nope"]), r#"unknown option "nope""#);
    assert_eq!(
        err(&[("port", "1")], &["port"]),
        r#"cannot set and reset key "port" simultaneously"#
    );
    // A refused set changes nothing, even the valid part of it.
    err(&[("name", "Ada"), ("port", "x")], &[]);
    assert_eq!(read(&f)["name"], "World");
    f.model.set_config("app", &[], &["port".into()]).unwrap();
    assert_eq!(read(&f)["port"], 8080);
    let shown = f.model.config("app").unwrap();
    assert_eq!(shown.settings["port"].source, "default");
    assert_eq!(shown.settings["debug"].source, "user");
    assert_eq!(f.model.config_value("app", "debug").unwrap(), "true");
    assert_eq!(
        f.model.config_value("app", "x").unwrap_err().to_string(),
        r#"key "x" not found in "app" application config or charm settings."#
    );
    assert_eq!(
        f.model.config("nope").unwrap_err().to_string(),
        r#"application "nope" not found"#
    );
}

#[test]
fn status_version_and_log_take_effect_at_once_and_leadership_gates_the_applications() {
    let f = Fixture::new(&["app/0", "app/1"]);
    let mut leader = f.run("app/0");
    let active = |message: &str| StatusInfo {
        status: Status::Active,
        message: message.into(),
    };
    leader
        .status_set(StatusTarget::Unit, active("ready"))
        .unwrap();
    leader
        .status_set(StatusTarget::Application, active("all ready"))
        .unwrap();
    leader.application_version_set("1.2.3").unwrap();
    leader
        .juju_log(crate::model::LogLevel::Info, "hello")
        .unwrap();
    // Seen by another process before the run ends, and kept when it fails.
    let other = f.reopened();
    let status = other.status().unwrap();
    assert_eq!(
        status.applications["app"].units["app/0"]
            .workload_status
            .message,
        "ready"
    );
    assert_eq!(status.applications["app"].status.message, "all ready");
    assert_eq!(status.applications["app"].version, "1.2.3");
    leader.finish(false).unwrap();
    let log = other.debug_log(None, 0).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].1.unit.as_str(), log[0].1.message.as_str()),
        ("app/0", "hello")
    );
    assert_eq!(
        f.run("app/0")
            .status_get(StatusTarget::Application)
            .unwrap(),
        active("all ready")
    );

    let mut follower = f.run("app/1");
    assert_eq!(
        refusal(follower.status_set(StatusTarget::Application, active("x"))),
        "this unit is not the leader"
    );
    assert_eq!(
        refusal(follower.status_get(StatusTarget::Application)),
        "finding application status: this unit is not the leader"
    );
    assert_eq!(
        follower.status_get(StatusTarget::Unit).unwrap().status,
        Status::Unknown
    );
}

#[test]
fn juju_log_in_a_relation_hook_names_the_relation() {
    let f = Fixture::new(&["app/0"]);
    let event = EventInfo {
        name: "db-relation-changed".into(),
        relation: Some(Relation {
            endpoint: "db".into(),
            id: RelationId(7),
        }),
        ..EventInfo::default()
    };
    let mut run = f.model.backend(&"app/0".parse().unwrap(), &f.charm, &event);
    run.juju_log(crate::model::LogLevel::Warning, "changed")
        .unwrap();
    run.finish(true).unwrap();
    let log = f.model.debug_log(None, 0).unwrap();
    assert_eq!(log[0].1.message, "db:7: changed");
    assert_eq!(log[0].1.level, crate::model::LogLevel::Warning);
}

#[test]
fn state_changes_wait_for_a_successful_end_and_the_run_reads_its_own() {
    let f = Fixture::new(&["app/0"]);
    let mut run = f.run("app/0");
    run.state_set(&pairs(&[("a", "1"), ("b", "2")])).unwrap();
    run.state_delete("b").unwrap();
    run.state_delete("never-there").unwrap();
    assert_eq!(run.state_get("a").unwrap().as_deref(), Some("1"));
    assert_eq!(run.state_get("b").unwrap(), None);
    // Another process sees nothing yet.
    let unit: UnitName = "app/0".parse().unwrap();
    assert!(f.reopened().show_unit(&unit).unwrap().unit_state.is_empty());
    run.finish(true).unwrap();
    let state = f.reopened().show_unit(&unit).unwrap().unit_state;
    assert_eq!(state.into_iter().collect::<Vec<_>>(), pairs(&[("a", "1")]));

    let mut failed = f.run("app/0");
    failed.state_set(&pairs(&[("a", "changed")])).unwrap();
    failed.finish(false).unwrap();
    assert_eq!(f.run("app/0").state_get("a").unwrap().as_deref(), Some("1"));

    let mut run = f.run("app/0");
    let long = "k".repeat(257);
    assert_eq!(
        refusal(run.state_set(&[(long, "v".into())])),
        "max allowed key length (256) exceeded"
    );
    assert_eq!(
        refusal(run.state_set(&[("k".into(), "v".repeat(65537))])),
        "max allowed value length (65536) exceeded"
    );
}

#[test]
fn relations_list_their_ids_units_and_application_as_juju_does() {
    let f = Fixture::new(&["app/0", "app/1"]);
    let db = f.relate_mysql();
    let mut run = f.run("app/0");
    assert_eq!(
        run.relation_ids("db").unwrap(),
        [Relation {
            endpoint: "db".into(),
            id: db
        }]
    );
    assert!(run.relation_ids("nope").unwrap().is_empty());
    assert_eq!(run.relation_list(db).unwrap(), ["mysql/0", "mysql/1"]);
    assert_eq!(run.relation_app(db).unwrap(), "mysql");
    let peers = f.peer_relation();
    assert_eq!(run.relation_list(peers).unwrap(), ["app/1"]);
    assert_eq!(run.relation_app(peers).unwrap(), "app");
    assert_eq!(
        refusal(run.relation_list(RelationId(99))),
        r#"invalid value "99" for option -r: relation not found"#
    );
    // One relation on an endpoint limited to one.
    let again = StandIn::parse(std::path::Path::new("f"), "application: pg").unwrap();
    let err = f
        .model
        .integrate("app", Some("db"), &RelationTarget::StandIn(again))
        .unwrap_err();
    assert!(
        err.to_string().contains("maximum relation limit of 1"),
        "{err}"
    );
}

#[test]
fn relation_data_is_read_and_written_by_juju_rules() {
    let f = Fixture::new(&["app/0", "app/1"]);
    let db = f.relate_mysql();
    let peers = f.peer_relation();

    let mut leader = f.run("app/0");
    leader
        .relation_set(db, false, &pairs(&[("host", "10.1.1.1")]))
        .unwrap();
    leader
        .relation_set(db, true, &pairs(&[("user", "wp")]))
        .unwrap();
    leader
        .relation_set(peers, true, &pairs(&[("token", "t")]))
        .unwrap();
    // The run reads its own writes back; nobody else does yet.
    assert_eq!(
        leader.relation_get(db, "app/0", false).unwrap()["host"],
        "10.1.1.1"
    );
    assert_eq!(leader.relation_get(db, "app", true).unwrap()["user"], "wp");
    assert_eq!(
        leader.relation_get(db, "mysql/0", false).unwrap()["host"],
        "10.0.0.1"
    );
    assert_eq!(
        leader.relation_get(db, "mysql", true).unwrap()["database"],
        "wp"
    );
    // --app with a unit's name reads its application's bag.
    assert_eq!(
        leader.relation_get(db, "mysql/1", true).unwrap()["database"],
        "wp"
    );
    leader.finish(true).unwrap();

    let mut follower = f.run("app/1");
    assert_eq!(
        refusal(follower.relation_set(db, true, &pairs(&[("user", "x")]))),
        "cannot write relation settings"
    );
    // A non-leader reads its application's bag only in a peer relation.
    assert_eq!(
        refusal(follower.relation_get(db, "app", true)),
        "permission denied"
    );
    assert_eq!(
        follower.relation_get(peers, "app", true).unwrap()["token"],
        "t"
    );
    // A sibling's bag, in a non-peer relation too.
    assert_eq!(
        follower.relation_get(db, "app/0", false).unwrap()["host"],
        "10.1.1.1"
    );
    assert_eq!(
        refusal(follower.relation_get(db, "mysql", false)),
        r#"expected unit name, got application name "mysql""#
    );
    assert_eq!(
        refusal(follower.relation_get(db, "Not A Unit", false)),
        r#"invalid unit name "Not A Unit""#
    );
    assert_eq!(
        refusal(follower.relation_get(db, "pg/0", false)),
        "permission denied"
    );
    assert_eq!(
        refusal(follower.relation_get(db, "pg", true)),
        "permission denied"
    );
    assert_eq!(
        refusal(follower.relation_get(db, "mysql/9", false)),
        r#"cannot read settings for unit "mysql/9" in relation "app:db mysql:server": unit "mysql/9": settings not found"#
    );
    // An empty value deletes.
    follower
        .relation_set(db, false, &pairs(&[("a", "1")]))
        .unwrap();
    follower
        .relation_set(db, false, &pairs(&[("a", "")]))
        .unwrap();
    assert!(follower
        .relation_get(db, "app/1", false)
        .unwrap()
        .is_empty());
    follower.finish(true).unwrap();

    let info = f.model.show_unit(&"app/0".parse().unwrap()).unwrap();
    let db_info = info
        .relation_info
        .iter()
        .find(|r| r.relation_id == db.0)
        .unwrap();
    assert_eq!(db_info.related_endpoint, "server");
    assert_eq!(db_info.application_data["database"], "wp");
    assert_eq!(
        db_info.local_application_data.as_ref().unwrap()["user"],
        "wp"
    );
    assert_eq!(db_info.local_unit.data["host"], "10.1.1.1");
    assert_eq!(db_info.related_units["mysql/1"].data["host"], "10.0.0.2");
}

#[test]
fn a_runs_relation_changes_apply_to_the_current_bag_key_by_key() {
    let f = Fixture::new(&["app/0"]);
    let db = f.relate_mysql();
    // Two runs of the leader at once (parallel actions): neither loses the
    // other's key.
    let mut first = f.run("app/0");
    let mut second = f.run("app/0");
    first.relation_set(db, true, &pairs(&[("a", "1")])).unwrap();
    second
        .relation_set(db, true, &pairs(&[("b", "2")]))
        .unwrap();
    second.finish(true).unwrap();
    first.finish(true).unwrap();
    let bag = f.run("app/0").relation_get(db, "app", true).unwrap();
    assert_eq!(
        bag.into_iter().collect::<Vec<_>>(),
        pairs(&[("a", "1"), ("b", "2")])
    );
}

#[test]
fn secrets_are_owned_read_tracked_and_revised_by_juju_rules() {
    let f = Fixture::new(&["app/0", "app/1"]);
    let content = |v: &str| {
        [("password".to_owned(), v.to_owned())]
            .into_iter()
            .collect()
    };
    let labelled = SecretOptions {
        label: Some("admin".into()),
        ..SecretOptions::default()
    };

    // An application's secret needs its leader.
    assert_eq!(
        refusal(
            f.run("app/1")
                .secret_add(&content("x"), &labelled, SecretOwner::Application)
        ),
        "this unit is not the leader"
    );
    let mut leader = f.run("app/0");
    let uri = leader
        .secret_add(&content("one"), &labelled, SecretOwner::Application)
        .unwrap();
    assert!(
        uri.starts_with(&format!("secret://{}/", f.model.identity().uuid)),
        "{uri}"
    );
    assert_eq!(
        refusal(leader.secret_add(&content("x"), &labelled, SecretOwner::Application)),
        r#"secret with label "admin" already exists"#
    );
    // Read back in the same run, by URI or label, before it is stored.
    let id = SecretRef::Id(uri.clone());
    assert_eq!(
        leader.secret_get(&id, ReadMode::Tracked, None).unwrap()["password"],
        "one"
    );
    assert_eq!(leader.secret_ids().unwrap().len(), 1);
    leader.finish(true).unwrap();

    // Any unit of the owning application reads it, tracking revision 1.
    let mut follower = f.run("app/1");
    let by_label = SecretRef::Label("admin".into());
    assert_eq!(
        follower
            .secret_get(&by_label, ReadMode::Tracked, None)
            .unwrap()["password"],
        "one"
    );
    // A non-leader manages none of the application's secrets.
    assert!(follower.secret_ids().unwrap().is_empty());
    assert_eq!(
        refusal(follower.secret_info_get(&by_label)),
        r#"secret "admin" not found"#
    );
    follower.finish(true).unwrap();

    // A new revision only when the content changes.
    let mut leader = f.run("app/0");
    leader
        .secret_set(&id, Some(&content("one")), &SecretOptions::default())
        .unwrap();
    leader.finish(true).unwrap();
    assert_eq!(f.run("app/0").secret_info_get(&id).unwrap().revision, 1);
    let mut leader = f.run("app/0");
    leader
        .secret_set(&id, Some(&content("two")), &SecretOptions::default())
        .unwrap();
    // The run peeks at its own pending content; its tracked read does not.
    assert_eq!(
        leader.secret_get(&id, ReadMode::Peek, None).unwrap()["password"],
        "two"
    );
    leader.finish(true).unwrap();
    assert_eq!(f.run("app/0").secret_info_get(&id).unwrap().revision, 2);

    // app/1 tracks revision 1 until it refreshes; peeking changes nothing.
    let mut follower = f.run("app/1");
    assert_eq!(
        follower.secret_get(&id, ReadMode::Tracked, None).unwrap()["password"],
        "one"
    );
    assert_eq!(
        follower.secret_get(&id, ReadMode::Peek, None).unwrap()["password"],
        "two"
    );
    assert_eq!(
        follower.secret_get(&id, ReadMode::Tracked, None).unwrap()["password"],
        "one"
    );
    assert_eq!(
        follower.secret_get(&id, ReadMode::Refresh, None).unwrap()["password"],
        "two"
    );
    assert_eq!(
        follower.secret_get(&id, ReadMode::Tracked, None).unwrap()["password"],
        "two"
    );
    follower.finish(false).unwrap();
    // Tracking is recorded as the controller answers, not at the run's end.
    let mut follower = f.run("app/1");
    assert_eq!(
        follower.secret_get(&id, ReadMode::Tracked, None).unwrap()["password"],
        "two"
    );
    follower.finish(true).unwrap();

    // Removing a revision; removing the last removes the secret.
    let mut leader = f.run("app/0");
    leader.secret_remove(&id, Some(1)).unwrap();
    leader.finish(true).unwrap();
    let mut leader = f.run("app/0");
    assert_eq!(leader.secret_ids().unwrap().len(), 1);
    leader.secret_remove(&id, Some(2)).unwrap();
    leader.finish(true).unwrap();
    assert!(f.run("app/0").secret_ids().unwrap().is_empty());
    assert_eq!(
        refusal(f.run("app/0").secret_get(&id, ReadMode::Tracked, None)),
        format!("secret {uri:?} not found")
    );
}

#[test]
fn what_a_unit_does_not_manage_fails_the_commit_and_drops_every_change() {
    let f = Fixture::new(&["app/0", "app/1"]);
    let content: crate::model::Bag = [("password".into(), "one".into())].into_iter().collect();
    let mut leader = f.run("app/0");
    let uri = leader
        .secret_add(
            &content,
            &SecretOptions::default(),
            SecretOwner::Application,
        )
        .unwrap();
    leader.finish(true).unwrap();
    let id = SecretRef::Id(uri.clone());

    // The tool lets a non-leader's change through; the commit refuses it,
    // and the run's other changes go with it.
    let mut follower = f.run("app/1");
    follower.state_set(&pairs(&[("k", "v")])).unwrap();
    let new: crate::model::Bag = [("password".into(), "two".into())].into_iter().collect();
    follower
        .secret_set(&id, Some(&new), &SecretOptions::default())
        .unwrap();
    let err = follower.finish(true).unwrap_err();
    assert_eq!(
        err.0,
        r#"cannot apply changes: "app/1" is not leader of "app""#
    );
    assert_eq!(f.run("app/1").state_get("k").unwrap(), None);

    let mut stranger = f.run("app/1");
    let unknown = SecretRef::Id("secret:cq3rldnmp25c7bvnhim0".into());
    stranger.secret_remove(&unknown, None).unwrap();
    let err = stranger.finish(true).unwrap_err();
    assert_eq!(
        err.0,
        r#"cannot apply changes: secret "secret:cq3rldnmp25c7bvnhim0" not found"#
    );
    assert_eq!(
        refusal(f.run("app/0").secret_get(
            &SecretRef::Id("nonsense".into()),
            ReadMode::Tracked,
            None
        )),
        r#"secret URI "nonsense" not valid"#
    );
}

#[test]
fn secrets_are_granted_in_a_relation_and_read_by_consumers() {
    let f = Fixture::new(&["app/0"]);
    let db = f.relate_mysql();
    let content: crate::model::Bag = [("token".into(), "abc".into())].into_iter().collect();
    let mut leader = f.run("app/0");
    let uri = leader
        .secret_add(
            &content,
            &SecretOptions::default(),
            SecretOwner::Application,
        )
        .unwrap();
    let id = SecretRef::Id(uri);
    assert_eq!(
        refusal(leader.secret_grant(&id, db, Some("pg/0"))),
        r#"cannot specify unit "pg/0" in relation to application "mysql""#
    );
    assert_eq!(
        refusal(leader.secret_grant(&id, db, Some("x"))),
        r#"unit "x" not valid"#
    );
    leader.secret_grant(&id, db, Some("mysql/0")).unwrap();
    assert_eq!(
        refusal(leader.secret_grant(&id, db, None)),
        "any unit level grants need to be revoked before granting access to the corresponding \
         application"
    );
    leader.secret_revoke(&id, db, Some("mysql/0")).unwrap();
    leader.secret_grant(&id, db, None).unwrap();
    // The application's grant covers its units.
    leader.secret_grant(&id, db, Some("mysql/1")).unwrap();
    leader.finish(true).unwrap();
    let secrets = f.model.secrets(false).unwrap();
    assert_eq!(secrets[0].access.len(), 1);
    assert_eq!(secrets[0].access[0].target, "application-mysql");
    assert_eq!(secrets[0].access[0].scope, "relation-app.db#mysql.server");

    // A user's secret, read by URI once granted, labelled by the consumer.
    let user = f
        .model
        .add_user_secret(
            "api",
            &[("key".into(), "s3cret".into())].into_iter().collect(),
            None,
        )
        .unwrap();
    let by_uri = SecretRef::Id(user.to_string());
    assert_eq!(
        refusal(f.run("app/0").secret_get(&by_uri, ReadMode::Tracked, None)),
        "permission denied"
    );
    f.model.grant_user_secret("api", &["app".into()]).unwrap();
    let mut run = f.run("app/0");
    assert_eq!(
        run.secret_get(&by_uri, ReadMode::Tracked, Some("mine"))
            .unwrap()["key"],
        "s3cret"
    );
    let mine = SecretRef::Label("mine".into());
    assert_eq!(
        run.secret_get(&mine, ReadMode::Tracked, None).unwrap()["key"],
        "s3cret"
    );
    assert_eq!(
        refusal(run.secret_get(&SecretRef::Label("other".into()), ReadMode::Tracked, None)),
        r#"consumer label "other" not found"#
    );
    run.finish(true).unwrap();
    assert_eq!(
        f.model
            .grant_user_secret("nope", &["app".into()])
            .unwrap_err()
            .to_string(),
        r#"secret "nope" not found"#
    );
    assert_eq!(
        f.model
            .add_user_secret(
                "api",
                &[("key".into(), "x".into())].into_iter().collect(),
                None
            )
            .unwrap_err()
            .to_string(),
        r#"secret with label "api" already exists"#
    );
}

#[test]
fn secret_metadata_is_its_owners_and_options_are_checked() {
    let f = Fixture::new(&["app/0"]);
    let content: crate::model::Bag = [("token".into(), "abc".into())].into_iter().collect();
    let mut run = f.run("app/0");
    let options = SecretOptions {
        label: Some("mine".into()),
        description: Some("a token".into()),
        expire: Some("2030-01-01T00:00:00Z".into()),
        rotate: Some(RotatePolicy::Daily),
    };
    let uri = run
        .secret_add(&content, &options, SecretOwner::Unit)
        .unwrap();
    run.finish(true).unwrap();
    let mut run = f.run("app/0");
    let info = run
        .secret_info_get(&SecretRef::Label("mine".into()))
        .unwrap();
    assert_eq!(info.owner, SecretOwner::Unit);
    assert_eq!(info.description.as_deref(), Some("a token"));
    assert_eq!(info.rotation, Some(RotatePolicy::Daily));
    assert_eq!(info.expiry.as_deref(), Some("2030-01-01T00:00:00Z"));
    assert!(uri.ends_with(&info.id));
    let bad = SecretOptions {
        expire: Some("soon".into()),
        ..SecretOptions::default()
    };
    assert_eq!(
        refusal(run.secret_add(&content, &bad, SecretOwner::Unit)),
        r#"expire time or duration "soon" not valid"#
    );
    // A label another secret of the owner has fails at commit.
    run.secret_add(&content, &options, SecretOwner::Unit)
        .unwrap();
    assert_eq!(
        run.finish(true).unwrap_err().0,
        r#"cannot apply changes: secret with label "mine" already exists"#
    );
}

#[test]
fn ports_open_and_close_with_juju_conflict_rules() {
    let f = Fixture::new(&["app/0"]);
    let mut run = f.run("app/0");
    run.open_port(tcp(80, 80)).unwrap();
    run.open_port(tcp(80, 80)).unwrap();
    assert_eq!(
        refusal(run.open_port(tcp(79, 81))),
        r#"cannot open 79-81/tcp (unit "app/0"): port range conflicts with 80/tcp (unit "app/0") requested earlier"#
    );
    run.open_port(PortRange {
        protocol: Protocol::Udp,
        from: 53,
        to: 53,
    })
    .unwrap();
    run.open_port(PortRange {
        protocol: Protocol::Icmp,
        from: 0,
        to: 0,
    })
    .unwrap();
    let names = |ranges: Vec<PortRange>| ranges.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(
        names(run.opened_ports().unwrap()),
        ["icmp", "80/tcp", "53/udp"]
    );
    run.finish(true).unwrap();

    let mut run = f.run("app/0");
    assert_eq!(
        refusal(run.open_port(tcp(70, 90))),
        r#"cannot open 70-90/tcp (unit "app/0"): port range conflicts with 80/tcp (unit "app/0")"#
    );
    assert_eq!(
        refusal(run.close_port(tcp(80, 81))),
        r#"cannot close 80-81/tcp (unit "app/0"): port range conflicts with 80/tcp (unit "app/0")"#
    );
    run.close_port(tcp(80, 80)).unwrap();
    run.close_port(tcp(8080, 8080)).unwrap();
    assert_eq!(names(run.opened_ports().unwrap()), ["icmp", "53/udp"]);
    run.finish(false).unwrap();
    let unit: UnitName = "app/0".parse().unwrap();
    assert_eq!(
        names(f.model.show_unit(&unit).unwrap().opened_ports),
        ["icmp", "80/tcp", "53/udp"]
    );
}

#[test]
fn a_model_survives_its_process_and_names_its_database() {
    let f = Fixture::new(&["app/0"]);
    let mut run = f.run("app/0");
    run.state_set(&pairs(&[("kept", "yes")])).unwrap();
    run.finish(true).unwrap();
    drop(run);
    let again = f.reopened();
    assert_eq!(again.identity(), f.model.identity());
    let unit: UnitName = "app/0".parse().unwrap();
    assert_eq!(again.show_unit(&unit).unwrap().unit_state["kept"], "yes");
    assert!(again.path().ends_with(MODEL_DATABASE_FILE));
}

#[test]
fn integrate_refuses_what_juju_refuses() {
    let f = Fixture::new(&["app/0"]);
    let stand_in = |yaml: &str| {
        RelationTarget::StandIn(StandIn::parse(std::path::Path::new("f"), yaml).unwrap())
    };
    let err = |endpoint: Option<&str>, yaml: &str| {
        f.model
            .integrate("app", endpoint, &stand_in(yaml))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(Some("nope"), "application: x"),
        r#"application "app" has no "nope" relation"#
    );
    assert!(err(Some("replicas"), "application: x").contains("is a peer endpoint"));
    assert!(err(None, "application: x").contains("ambiguous relation"));
    assert!(
        err(Some("db"), "application: x\ninterface: pgsql").contains("no relations found"),
        "the interfaces differ"
    );
    assert!(err(Some("db"), "application: app").contains("is a local application"));
    // With the interface named, the one endpoint of it is chosen.
    let relation = f
        .model
        .integrate(
            "app",
            None,
            &stand_in("application: redis\ninterface: redis"),
        )
        .unwrap();
    assert_eq!(relation.key(), "app:cache redis:cache");
    assert_eq!(
        f.model
            .integrate("nope", None, &stand_in("application: x"))
            .unwrap_err()
            .to_string(),
        r#"application "nope" not found"#
    );
    assert!(f
        .model
        .record_units(
            "redis",
            &f.charm_dir,
            "redis",
            &f.charm,
            &[&"redis/0".parse().unwrap()]
        )
        .unwrap_err()
        .to_string()
        .contains("stand-in"));
}

#[test]
fn an_applications_status_is_its_own_or_its_units_most_significant() {
    let f = Fixture::new(&["app/0", "app/1"]);
    let set = |unit: &str, status: Status| {
        let mut run = f.run(unit);
        run.status_set(
            StatusTarget::Unit,
            StatusInfo {
                status,
                message: format!("{unit} is {status}"),
            },
        )
        .unwrap();
        run.finish(true).unwrap();
    };
    set("app/0", Status::Active);
    set("app/1", Status::Blocked);
    let status = f.model.status().unwrap();
    assert_eq!(status.applications["app"].status.current, Status::Blocked);
    assert_eq!(
        status.applications["app"].status.message,
        "app/1 is blocked"
    );
    let mut leader = f.run("app/0");
    leader
        .status_set(
            StatusTarget::Application,
            StatusInfo {
                status: Status::Waiting,
                message: "for the database".into(),
            },
        )
        .unwrap();
    leader.finish(true).unwrap();
    assert_eq!(
        f.model.status().unwrap().applications["app"].status.current,
        Status::Waiting
    );
}

#[test]
fn the_debug_log_keeps_every_units_lines_in_order() {
    let f = Fixture::new(&["app/0", "app/1"]);
    for (unit, message) in [("app/0", "one"), ("app/1", "two"), ("app/0", "three")] {
        let mut run = f.run(unit);
        run.juju_log(crate::model::LogLevel::Info, message).unwrap();
        run.finish(false).unwrap();
    }
    let all: Vec<String> = f
        .model
        .debug_log(None, 0)
        .unwrap()
        .into_iter()
        .map(|(_, l)| l.message)
        .collect();
    assert_eq!(all, ["one", "two", "three"]);
    let unit: UnitName = "app/0".parse().unwrap();
    let lines = f.model.debug_log(Some(&unit), 0).unwrap();
    assert_eq!(lines.len(), 2);
    let after = f.model.debug_log(None, lines[0].0).unwrap();
    assert_eq!(after.len(), 2);
}

#[cfg(unix)]
#[test]
fn the_model_holding_secrets_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let model = LocalModel::open(dir.path()).unwrap();
    model
        .add_user_secret("token", &[("key".into(), "s3cret".into())].into(), None)
        .unwrap();
    for file in [MODEL_DATABASE_FILE, "model.db-wal", "model.db-shm"] {
        assert_eq!(mode(&dir.path().join(file)), 0o600, "{file}");
    }
}
