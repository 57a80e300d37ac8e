//! The hostile-guest suite: every action of `examples/hostile` attacks the
//! sandbox one way. Each test runs its attack through the real binary and
//! checks what an operator would: the attack fails or is contained, the task
//! says why, the host exits normally with a well-formed record, and the same
//! unit runs a normal action right after.
//!
//! Each attack prints `attack | status | message | wall time` to stderr; run
//! with `--nocapture` to see the table.
//!
//! Attacks no charm language can write (sixteen memories, sixty-four
//! tables, two hundred instances) are hand-written components in
//! `examples/hostile/wat`, run as bare components. Attacks on the Juju side
//! (hook-tool floods, a handler stuck in a host call under `dispatch`) are
//! in `juju.rs`, on the cache in `cache.rs`.

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
    let mut all = vec!["--unit", unit];
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

// ---------------------------------------------------------------------
// Round two: deadlines in host calls, deep keys, memory and tables, disk,
// descriptors, terminals, stored values, several units at once.

/// Asserts the sandbox of `attack` stopped within `limit` (plus slack).
fn assert_stopped_within(attack: &Attack, limit: Duration) {
    let ran = sandbox_time(&attack.task);
    assert!(
        ran <= limit + SLACK,
        "a {limit:?} deadline let the sandbox run {ran:?}: {:#}",
        attack.task
    );
}

#[test]
fn a_guest_asleep_in_a_host_call_is_stopped_at_its_deadline() {
    // std::thread::sleep, poll on a clock, and block until an instant: each
    // for an hour, each under a 2s deadline.
    for action in ["sleep", "sleep-poll", "sleep-until"] {
        let asleep = contained(action, &["--timeout", "2s"]);
        asleep.assert_failed_because(&["timed out after 2s"]);
        assert_stopped_within(&asleep, Duration::from_secs(2));
        let results = &asleep.task["results"];
        assert_eq!(results["started"], "yes", "{results:#}");
        // Cut short, the sleep is not taken for done.
        assert!(results.get("woke").is_none(), "{results:#}");
    }
}

#[test]
fn sleepers_on_several_units_of_one_process_all_stop_at_their_deadline() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let start = Instant::now();
    let run = charmbox.run(&charm, "sleep", &["--num-units", "3", "--timeout", "2s"]);
    let elapsed = start.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(elapsed < NO_HANG, "{elapsed:?}");
    for n in 0..3 {
        let task = run.task(&format!("hostile/{n}"));
        assert_eq!(task["status"], "failed", "{task:#}");
        let message = task["message"].as_str().unwrap();
        assert!(message.contains("timed out after 2s"), "{message}");
        let ran = sandbox_time(&task);
        assert!(ran <= Duration::from_secs(2) + SLACK, "{ran:?}: {task:#}");
    }
    eprintln!("| sleep x3 units | failed | timed out after 2s | {elapsed:.2?} |");
}

#[test]
fn a_deep_or_long_result_key_is_refused_and_the_record_reads_back() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    for (args, why) in [
        // The 100,000-segment key that overflowed the host's stack.
        (vec![], "199999 bytes long, and a key may be at most 256"),
        (
            vec!["depth=33"],
            "nests 33 levels deep, and a key may have at most 32",
        ),
        (vec!["depth=129"], "a key may be at most 256"),
    ] {
        let deep = attack(&charmbox, &charm, "deep-key", UNIT, &args);
        deep.assert_failed_because(&[why]);
        // The message shows the key's start, not 200 KB of it.
        assert!(deep.message().len() < 600, "{}", deep.message());
        let id = deep.task["id"].as_str().unwrap();
        let shown = charmbox.cmd(&["show-task", id, "--format", "json"]);
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        assert_eq!(shown.json()["status"], "failed");
    }
    let long = attack(&charmbox, &charm, "long-key", UNIT, &[]);
    long.assert_failed_because(&["1048576 bytes long"]);
    // Several units at once in one process: no crash either.
    let run = charmbox.run(&charm, "deep-key", &["--num-units", "4"]);
    assert_eq!(run.code, 1, "a signal is -1; stderr: {}", run.stderr);
    for n in 0..4 {
        assert_eq!(run.task(&format!("hostile/{n}"))["status"], "failed");
    }
    assert_unit_still_works(&charmbox, &charm, UNIT);
}

/// A hand-written attack component from `examples/hostile/wat`, built into
/// `dir` as `<name>.wasm` (a bare component: its exports are its actions).
fn wat_component(dir: &Path, name: &str) -> PathBuf {
    let source = crate::support::repo_root()
        .join("examples/hostile/wat")
        .join(format!("{name}.wat"));
    let bytes = wat::parse_file(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn all_memories_and_tables_of_a_sandbox_share_one_budget() {
    let dir = tempfile::tempdir().unwrap();
    let charmbox = Charmbox::new();
    for (name, args) in [
        // 16 memories of 60 MiB under a 64 MiB budget.
        ("many-memories", vec!["--memory", "64MiB"]),
        // 64 tables of 8 MB under a 64 MiB budget.
        ("many-tables", vec!["--memory", "64MiB"]),
    ] {
        let charm = wat_component(dir.path(), name);
        let unit = format!("{name}/0");
        let hog = attack(&charmbox, &charm, name, &unit, &args);
        hog.assert_failed_because(&["ran out of memory"]);
        assert!(
            hog.message().contains("limit is 64 MiB"),
            "{}",
            hog.message()
        );
    }
    // The same with the pooling allocator (used from 100 units on).
    let charm = wat_component(dir.path(), "many-memories");
    let run = charmbox.run(
        &charm,
        "many-memories",
        &["--num-units", "100", "--memory", "64MiB"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    for n in [0, 57, 99] {
        let task = run.task(&format!("many-memories/{n}"));
        let message = task["message"].as_str().unwrap_or_default();
        assert!(message.contains("ran out of memory"), "{task:#}");
    }
}

#[test]
fn a_sandbox_may_make_only_a_few_instances_memories_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let charmbox = Charmbox::new();
    let charm = wat_component(dir.path(), "many-instances");
    let many = attack(&charmbox, &charm, "many-instances", "many-instances/0", &[]);
    many.assert_failed_because(&["could not start in the sandbox"]);
    assert!(
        many.message().contains("instance count"),
        "{}",
        many.message()
    );
    assert!(many
        .message()
        .contains("at most 64 instances, 16 memories and 32 tables"));
    // 64 tables of 8 MB fit the default 256 MiB budget but not the count.
    let charm = wat_component(dir.path(), "many-tables");
    let tables = attack(&charmbox, &charm, "many-tables", "many-tables/0", &[]);
    tables.assert_failed_because(&["could not start in the sandbox"]);
    assert!(
        tables.message().contains("table count"),
        "{}",
        tables.message()
    );
}

/// Apparent bytes and entries under `dir`.
fn disk_usage(dir: &Path) -> (u64, u64) {
    let (mut bytes, mut entries) = (0, 0);
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let entry = entry.unwrap();
            entries += 1;
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                bytes += meta.len();
            }
        }
    }
    (bytes, entries)
}

#[test]
fn a_unit_cannot_write_past_its_data_budget() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let data = charmbox.state_dir().join("units/hostile-0/data");
    let fill = attack(&charmbox, &charm, "fill-disk", UNIT, &["--disk", "64MiB"]);
    fill.assert_failed_because(&["reached its budget of 64 MiB"]);
    assert!(fill.message().contains("--disk"), "{}", fill.message());
    assert_eq!(fill.task["results"]["written"], "64", "{:#}", fill.task);
    let (bytes, _) = disk_usage(&data);
    assert!(bytes <= 64 << 20, "{bytes} bytes in /data");
    // The next run measures what is there: it may rewrite its files
    // (truncating one gives its bytes back) but never pass the budget.
    let again = attack(&charmbox, &charm, "fill-disk", UNIT, &["--disk", "64MiB"]);
    again.assert_failed_because(&["reached its budget"]);
    let (bytes, _) = disk_usage(&data);
    assert!(bytes <= 64 << 20, "{bytes} bytes in /data");
    // A sparse 15 TiB file counts for its size: refused.
    let sparse = attack(&charmbox, &charm, "sparse-file", "hostile/1", &[]);
    assert_eq!(sparse.status(), "completed", "{:#}", sparse.task);
    let results = &sparse.task["results"];
    assert_ne!(results["set-len"], "succeeded", "{results:#}");
    assert_ne!(results["write-at-end"], "succeeded", "{results:#}");
    assert_eq!(results["size"], "0");
    let (bytes, _) = disk_usage(&charmbox.state_dir().join("units/hostile-1/data"));
    assert_eq!(bytes, 0);
    assert_unit_still_works(&charmbox, &charm, UNIT);
}

#[test]
fn a_unit_cannot_make_files_past_its_inode_budget() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let many = attack(&charmbox, &charm, "many-files", UNIT, &["--inodes", "1000"]);
    many.assert_failed_because(&["budget of 1000 files and directories"]);
    assert!(many.message().contains("--inodes"), "{}", many.message());
    let (_, entries) = disk_usage(&charmbox.state_dir().join("units/hostile-0/data"));
    assert!(entries <= 1000, "{entries} entries");
    let created: u64 = many.task["results"]["created"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(created > 900, "{created}");
}

#[test]
fn a_guest_holds_at_most_256_descriptors_and_starves_no_other_unit() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let hold = attack(&charmbox, &charm, "hold-files", UNIT, &[]);
    hold.assert_failed_because(&["256 files and directories open"]);
    assert_eq!(hold.task["results"]["held"], "256");
    assert_eq!(hold.task["results"]["then"], "opened");
    // Three units at once in one process: each gets its whole 256.
    let run = charmbox.run(&charm, "hold-files", &["--num-units", "3"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for n in 0..3 {
        let task = run.task(&format!("hostile/{n}"));
        assert_eq!(task["results"]["held"], "256", "{task:#}");
    }
    assert_unit_still_works(&charmbox, &charm, UNIT);
}

/// Whether `text` holds a character a terminal would obey.
fn has_terminal_commands(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\t'))
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn guest_text_reaches_the_terminal_escaped() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let logged = attack(&charmbox, &charm, "ansi-log", UNIT, &[]);
    // The live lines on stderr, and the JSON record on stdout.
    for (what, text) in [
        ("stderr", &logged.run.stderr),
        ("stdout", &logged.run.stdout),
    ] {
        assert!(!has_terminal_commands(text), "{what}: {text:?}");
    }
    assert!(
        logged.run.stderr.contains("\\u{1b}]0;pwned"),
        "{}",
        logged.run.stderr
    );
    assert!(
        logged.run.stderr.contains("\\u{9b}31m"),
        "{}",
        logged.run.stderr
    );
    // YAML (its emitter escapes control characters, not bidirectional
    // formatting ones), and show-task.
    let controls = |text: &str| {
        text.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    };
    let yaml = charmbox.cmd(&["run", charm.to_str().unwrap(), "ansi-log"]);
    assert!(!controls(&yaml.stdout), "{:?}", yaml.stdout);
    assert!(!has_terminal_commands(&yaml.stderr), "{:?}", yaml.stderr);
    let id = logged.task["id"].as_str().unwrap();
    let shown = charmbox.cmd(&["show-task", id, "--format", "json"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(!has_terminal_commands(&shown.stdout), "{:?}", shown.stdout);
    let shown = charmbox.cmd(&["show-task", id]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(!controls(&shown.stdout), "{:?}", shown.stdout);
}

/// Sets `column` of task `id` in the store of `charmbox` to `value`.
fn tamper(charmbox: &Charmbox, id: &str, column: &str, value: i64) {
    let conn = rusqlite::Connection::open(charmbox.state_dir().join("tasks.db")).unwrap();
    conn.execute(
        &format!("UPDATE tasks SET {column} = ?1 WHERE id = ?2"),
        rusqlite::params![value, id.parse::<i64>().unwrap()],
    )
    .unwrap();
}

#[test]
fn no_stored_value_makes_the_host_panic() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let ok = attack(&charmbox, &charm, "ok", UNIT, &[]);
    let id = ok.task["id"].as_str().unwrap().to_owned();
    // The first microsecond of the year 10000, and before 1970.
    for (column, value) in [("started", 253_402_300_800_000_000), ("completed", -1)] {
        tamper(&charmbox, &id, column, value);
        for args in [
            vec!["show-task", id.as_str()],
            vec!["operations", "--format", "json"],
            vec!["operations"],
        ] {
            let shown = charmbox.cmd(&args);
            assert_eq!(
                shown.code, 2,
                "{args:?}: a panic exits 101; {}",
                shown.stderr
            );
            assert!(
                shown.stderr.contains(&format!("task {id} holds a"))
                    && shown.stderr.contains("cannot be read"),
                "{args:?}: {}",
                shown.stderr
            );
        }
        tamper(&charmbox, &id, column, 1_700_000_000_000_000);
    }
}

/// Mode bits of `path`.
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn state_is_private_whatever_the_umask() {
    let charm = hostile();
    let charmbox = Charmbox::new();
    let state = charmbox.state_dir().join("fresh");
    let command = charmbox.command(&["run", charm.to_str().unwrap(), "write-data"]);
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
    let run = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(program)
        .args(args)
        .envs(command.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .env("CHARMBOX_STATE_DIR", &state)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for dir in [
        "",
        "units",
        "units/hostile-0",
        "units/hostile-0/data",
        "owners",
    ] {
        assert_eq!(mode(&state.join(dir)), 0o700, "{dir}");
    }
    // The guest's own files are made as WASI makes them, inside a data
    // directory only this user can enter.
    for file in [
        "tasks.db",
        "tasks.db-wal",
        "tasks.db-shm",
        "units.lock",
        "tasks.reserve",
    ] {
        assert_eq!(mode(&state.join(file)), 0o600, "{file}");
    }
}

#[test]
fn a_full_disk_still_records_the_task_and_reads_still_work() {
    // A small filesystem of its own, in a mount namespace: root, or a user
    // namespace, is needed to make one.
    let probe = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: cannot make a small filesystem here (unshare -rm failed)");
        return;
    }
    let charm = hostile();
    let charmbox = Charmbox::new();
    let mount = charmbox.state_dir().join("small");
    std::fs::create_dir(&mount).unwrap();
    let binary = env!("CARGO_BIN_EXE_charmbox");
    // The guest's budget is larger than the disk: the disk fills.
    let script = r#"
        set -e
        mount -t tmpfs -o size=40m tmpfs "$1"
        set +e
        "$2" --state-dir "$1/state" run "$3" fill-disk --disk 1GiB --format json > "$1/../run.json"
        echo "run exit $?"
        "$2" --state-dir "$1/state" show-task 2 --format json > "$1/../show.json"
        echo "show-task exit $?"
        "$2" --state-dir "$1/state" operations
        echo "operations exit $?"
        df -k "$1" | tail -1
    "#;
    let output = charmbox
        .command(&[])
        .get_envs()
        .fold(std::process::Command::new("unshare"), |mut c, (k, v)| {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
            c
        })
        .args(["-rm", "sh", "-c", script, "sh"])
        .arg(&mount)
        .arg(binary)
        .arg(&charm)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(out.contains("run exit 1"), "{out}\n{err}");
    assert!(out.contains("show-task exit 0"), "{out}\n{err}");
    assert!(out.contains("operations exit 0"), "{out}\n{err}");
    let read = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(charmbox.state_dir().join(name)).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}: {text}"))
    };
    let run = read("run.json");
    let task = &run["hostile/0"];
    assert_eq!(task["status"], "failed", "{task:#}");
    assert!(
        task["message"]
            .as_str()
            .unwrap()
            .contains("writing /data/fill"),
        "{task:#}"
    );
    let shown = read("show.json");
    assert_eq!(
        shown["status"], "failed",
        "the record was written: {shown:#}"
    );
    assert_eq!(shown["results"]["written"], task["results"]["written"]);
    assert!(err.contains("the task store used its reserve"), "{err}");
}
