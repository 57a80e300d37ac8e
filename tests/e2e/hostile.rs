//! The hostile-guest suite: every action of `examples/hostile` attacks the
//! sandbox one way. Each test runs its attack through the real binary and
//! checks what an operator would: the attack fails or is contained, the task
//! says why, the host exits normally with a well-formed record, and the same
//! unit runs a normal action right after.
//!
//! Each attack prints `attack | status | message | wall time` to stderr; run
//! with `--nocapture` to see the table.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{example_component, log_messages, Charmbox, Run};

/// The unit runs default to: the component is `hostile.wasm`.
const UNIT: &str = "hostile/0";

/// Generous slack on top of a deadline, for a debug build on a small, busy
/// machine.
const SLACK: Duration = Duration::from_secs(3);

/// A bound on a whole process that must not hang. The process compiles the
/// component before it runs it, which a debug build on a 2-core machine busy
/// with other builds has been seen to take 20s over; the bound says only that
/// nothing waits for a default deadline (5 minutes).
const NO_HANG: Duration = Duration::from_secs(120);

/// One finished run of an attack.
struct Attack {
    run: Run,
    task: Value,
    elapsed: Duration,
}

impl Attack {
    fn status(&self) -> &str {
        self.task["status"].as_str().unwrap_or_default()
    }

    fn message(&self) -> &str {
        self.task["message"].as_str().unwrap_or_default()
    }

    /// Asserts the action failed, with exit code 1 and a message saying
    /// `why` (each alternative is accepted).
    fn assert_failed_because(&self, why: &[&str]) {
        assert_eq!(self.status(), "failed", "{:#}", self.task);
        assert_eq!(
            self.run.code, 1,
            "a failed action exits 1; stderr: {}",
            self.run.stderr
        );
        assert_eq!(self.task["results"]["return-code"], 1, "{:#}", self.task);
        let message = self.message();
        assert!(
            why.iter().any(|w| message.contains(w)),
            "the message should say one of {why:?}: {message}"
        );
    }
}

fn hostile() -> PathBuf {
    example_component("hostile")
}

/// Runs `action` on `unit` with `args`, timing the whole process, and checks
/// what holds for every attack: the host exits normally (0 or 1, never a
/// signal, which `Run::code` reports as -1) and prints one well-formed task.
fn attack(charmbox: &Charmbox, charm: &Path, action: &str, unit: &str, args: &[&str]) -> Attack {
    // `run` waits for its task as long as the attack may take (`juju
    // run`'s default wait, one minute, is shorter than `NO_HANG`).
    let wait = format!("{}s", NO_HANG.as_secs());
    let mut all = vec!["--unit", unit, "--wait", &wait];
    all.extend_from_slice(args);
    let start = Instant::now();
    let run = charmbox.run(charm, action, &all);
    let elapsed = start.elapsed();
    assert!(
        run.code == 0 || run.code == 1,
        "{action}: the host must exit 0 or 1, not {} (-1 is a signal); stderr:\n{}",
        run.code,
        run.stderr
    );
    assert!(elapsed < NO_HANG, "{action}: the host took {elapsed:?}");
    let task = run.task(unit);
    assert_eq!(task["unit"], unit, "{task:#}");
    assert_eq!(task["action"], action, "{task:#}");
    assert!(task["results"].is_object(), "{task:#}");
    assert!(task["log"].is_array(), "{task:#}");
    let attack = Attack { run, task, elapsed };
    eprintln!(
        "| {action} | {} | {} | {:.2?} |",
        attack.status(),
        attack.message(),
        attack.elapsed
    );
    attack
}

/// Asserts that a normal action on `unit` of the same state directory
/// completes, as if no attack had happened.
fn assert_unit_still_works(charmbox: &Charmbox, charm: &Path, unit: &str) {
    let ok = attack(charmbox, charm, "ok", unit, &[]);
    assert_eq!(ok.run.code, 0, "stderr: {}", ok.run.stderr);
    assert_eq!(ok.status(), "completed", "{:#}", ok.task);
    assert_eq!(ok.task["results"]["ok"], "yes");
    assert_eq!(log_messages(&ok.task), ["fine"]);
}

/// Runs one attack on a fresh unit, then the `ok` action on the same unit.
fn contained(action: &str, args: &[&str]) -> Attack {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let attack = attack(&charmbox, &charm, action, UNIT, args);
    assert_unit_still_works(&charmbox, &charm, UNIT);
    attack
}

/// How long the sandbox ran, from the task's `timing` (to the second).
fn sandbox_time(task: &Value) -> Duration {
    let at = |key: &str| {
        let text = task["timing"][key]
            .as_str()
            .unwrap_or_else(|| panic!("no timing.{key} in {task:#}"));
        // "2026-11-25 19:23:10 +0000 UTC"
        humantime::parse_rfc3339_weak(text.trim_end_matches(" +0000 UTC"))
            .unwrap_or_else(|e| panic!("timing.{key} {text:?}: {e}"))
    };
    at("completed")
        .duration_since(at("started"))
        .unwrap_or_default()
}

#[test]
fn spin_is_stopped_at_its_deadline_and_keeps_earlier_results() {
    let spin = contained("spin", &["--timeout", "1s"]);
    spin.assert_failed_because(&["timed out"]);
    assert!(spin.message().contains("1s"), "{}", spin.message());
    // The sandbox is stopped about when the deadline passes: timing is kept
    // to the second, hence the slack.
    let ran = sandbox_time(&spin.task);
    assert!(
        ran <= Duration::from_secs(1) + SLACK,
        "a 1s deadline let the sandbox run {ran:?}: {:#}",
        spin.task
    );
    // What the action reported before it was stopped is kept.
    assert_eq!(spin.task["results"]["started"], "yes", "{:#}", spin.task);
}

#[test]
fn allocate_is_stopped_at_the_memory_limit() {
    let allocate = contained("allocate", &["--memory", "64MiB"]);
    allocate.assert_failed_because(&["ran out of memory"]);
    assert!(
        allocate.message().contains("limit is 64 MiB"),
        "{}",
        allocate.message()
    );
}

#[test]
fn unbounded_recursion_traps() {
    let recurse = contained("recurse", &[]);
    recurse.assert_failed_because(&["trapped"]);
    // A Rust guest overflows its shadow stack in linear memory before the
    // wasm call stack: that shows as an out-of-bounds access, and the
    // message says what it most likely is.
    assert!(
        recurse.message().contains("stack overflow"),
        "{}",
        recurse.message()
    );
}

#[test]
fn unreachable_panic_and_division_by_zero_trap() {
    for action in ["trap-unreachable", "panic", "divide-by-zero"] {
        let trapped = contained(action, &[]);
        trapped.assert_failed_because(&["trapped"]);
        assert!(
            trapped.message().contains(&format!("{action:?}")),
            "the message names the action: {}",
            trapped.message()
        );
    }
}

/// Asserts nothing of the host's `/etc/passwd` is in the record.
fn assert_no_passwd(attack: &Attack) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let first_line = passwd.lines().next().unwrap_or("root:x:0:0:");
    for leak in ["root:", first_line] {
        assert!(
            !attack.run.stdout.contains(leak),
            "the record leaks /etc/passwd ({leak:?}): {}",
            attack.run.stdout
        );
    }
    assert_ne!(
        attack.task["results"]["read"], "succeeded",
        "{:#}",
        attack.task
    );
}

#[test]
fn the_host_filesystem_is_invisible() {
    let read = contained("read-passwd", &[]);
    read.assert_failed_because(&["reading /etc/passwd"]);
    assert_no_passwd(&read);
}

#[test]
fn dotdot_cannot_climb_out_of_the_data_directory() {
    let climb = contained("escape-dotdot", &[]);
    climb.assert_failed_because(&["reading /data/../../etc/passwd"]);
    assert_no_passwd(&climb);
}

#[test]
fn a_symlink_cannot_lead_out_of_the_data_directory() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let data = charmbox.state_dir().join("units/hostile-0/data");
    // Twice: the second run finds whatever the first one left.
    for _ in 0..2 {
        let escape = attack(&charmbox, &charm, "escape-symlink", UNIT, &[]);
        escape.assert_failed_because(&["reading /data/escape/passwd"]);
        assert!(
            escape.message().contains("reading /data/escape-up/passwd"),
            "{}",
            escape.message()
        );
        assert_no_passwd(&escape);
        let results = &escape.task["results"];
        for name in ["escape", "escape-up"] {
            // Links out are refused outright, not just left unfollowable...
            assert_ne!(results[name]["symlink"], "created", "{results:#}");
            assert_ne!(results[name]["read"], "succeeded", "{results:#}");
            // ...so none is left in the data directory for the host, or a
            // later run, to follow.
            let link = data.join(name);
            assert!(
                std::fs::symlink_metadata(&link).is_err(),
                "the guest left {} pointing to {:?}",
                link.display(),
                std::fs::read_link(&link)
            );
            assert!(std::fs::read_to_string(link.join("passwd")).is_err());
        }
        // A link within the data directory is fine.
        assert_eq!(results["inside"]["symlink"], "created", "{results:#}");
    }
    assert_unit_still_works(&charmbox, &charm, UNIT);
}

#[test]
fn data_persists_per_unit_and_no_further() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let write = attack(&charmbox, &charm, "write-data", UNIT, &["content=kept"]);
    assert_eq!(write.run.code, 0, "stderr: {}", write.run.stderr);
    assert_eq!(write.task["results"]["written"], "yes");
    let marker = charmbox.state_dir().join("units/hostile-0/data/marker");
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "kept");

    let read = attack(&charmbox, &charm, "read-data", UNIT, &[]);
    assert_eq!(read.run.code, 0, "stderr: {}", read.run.stderr);
    assert_eq!(read.task["results"]["content"], "kept");

    let other = attack(&charmbox, &charm, "read-data", "hostile/1", &[]);
    other.assert_failed_because(&["reading /data/marker"]);
    assert!(
        other.task["results"].get("content").is_none(),
        "{:#}",
        other.task
    );
    assert!(!charmbox
        .state_dir()
        .join("units/hostile-1/data/marker")
        .exists());

    assert_unit_still_works(&charmbox, &charm, UNIT);
    assert_unit_still_works(&charmbox, &charm, "hostile/1");
}

/// Stdout under 2 MiB: every cap holds in the printed record.
fn assert_record_bounded(attack: &Attack) {
    assert!(
        attack.run.stdout.len() < 2 * 1024 * 1024,
        "the record is {} bytes",
        attack.run.stdout.len()
    );
}

#[test]
fn huge_results_are_capped() {
    let huge = contained("huge-result", &[]);
    huge.assert_failed_because(&["too many result keys", "results too large"]);
    assert_record_bounded(&huge);
    let results = huge.task["results"].as_object().unwrap();
    // What was stored before the refusal is kept, within the caps.
    let set = results.keys().filter(|k| k.starts_with('k')).count();
    assert!(set > 0 && set <= 1000, "{set} keys kept");
}

#[test]
fn a_log_flood_keeps_the_first_messages_and_says_the_rest_were_dropped() {
    let flood = contained("log-flood", &[]);
    assert_eq!(flood.status(), "completed", "{}", flood.message());
    assert_record_bounded(&flood);
    let log = log_messages(&flood.task);
    assert_eq!(log.len(), 1000 + 1, "1000 kept and the marker");
    assert_eq!(log[0], "flood 0");
    assert_eq!(log[999], "flood 999");
    let marker = log.last().unwrap();
    assert!(
        marker.contains("999000 further log messages dropped"),
        "{marker}"
    );
}

#[test]
fn a_flood_of_bad_keys_is_refused_one_by_one() {
    let flood = contained("bad-keys-flood", &[]);
    assert_eq!(flood.status(), "completed", "{}", flood.message());
    assert_eq!(flood.run.code, 0);
    assert_eq!(flood.task["results"]["rejected"], "1000000");
    // Each refusal is cheap: the run ends long before the default deadline
    // (`attack` holds every run to `NO_HANG`).
}

#[test]
fn a_stdout_flood_is_capped_without_trapping_the_guest() {
    let flood = contained("print-flood", &[]);
    assert_eq!(flood.status(), "completed", "{}", flood.message());
    assert_eq!(flood.run.code, 0);
    assert_record_bounded(&flood);
    let total = 10 * 1024 * 1024;
    assert_eq!(flood.task["results"]["printed"], total.to_string());
    let stdout = flood.task["results"]["stdout"].as_str().unwrap();
    let kept = 64 * 1024;
    let marker = format!(
        "\n[charmbox: {} more bytes of stdout dropped; at most {kept} are kept]",
        total - kept
    );
    assert!(
        stdout.ends_with(&marker),
        "{}",
        &stdout[stdout.len().saturating_sub(200)..]
    );
    assert_eq!(stdout.len() - marker.len(), kept);
}

#[test]
fn the_guest_sees_only_the_juju_environment() {
    let env = contained("env", &[]);
    assert_eq!(env.status(), "completed", "{}", env.message());
    let results = &env.task["results"];
    // No HOME, PATH or anything else of the host.
    assert_eq!(
        results["names"],
        "JUJU_ACTION_NAME,JUJU_ACTION_UUID,JUJU_UNIT_NAME"
    );
    assert_eq!(results["unit"], UNIT);
    assert_eq!(results["action"], "env");
    let uuid = results["uuid"].as_str().unwrap();
    assert!(!uuid.is_empty(), "{results:#}");
}

#[test]
fn the_guest_filesystem_root_holds_only_data() {
    let root = contained("list-root", &[]);
    assert_eq!(root.status(), "completed", "{}", root.message());
    let results = &root.task["results"];
    assert_eq!(results["entries"], "data", "{results:#}");
    assert_eq!(
        results["probed"], "none",
        "host directories the guest reached"
    );
}
