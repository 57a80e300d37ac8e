//! The compiled-component cache through the binary: `compile` warms it, a
//! corrupt artifact is recompiled, `cache clean` empties it.

use std::path::{Path, PathBuf};

use crate::support::{example_charm_dir, Charmbox};

#[test]
fn compile_warms_the_cache_and_a_corrupt_artifact_is_recompiled() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let with_cache = |args: &[&str]| {
        let mut all = vec!["--cache-dir", cache_dir];
        all.extend_from_slice(args);
        charmbox.cmd(&all)
    };
    let compiled = with_cache(&["compile", charm.path().to_str().unwrap()]);
    assert_eq!(compiled.code, 0, "{}", compiled.stderr);
    let artifacts: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(artifacts.len(), 1, "{artifacts:?}");
    let artifact = &artifacts[0];
    assert!(
        compiled.stdout.contains(artifact.to_str().unwrap()),
        "{}",
        compiled.stdout
    );
    let good = std::fs::read(artifact).unwrap();

    // Flip bytes in the middle: the run must notice, recompile and succeed.
    let mut corrupt = good.clone();
    let middle = corrupt.len() / 2;
    for byte in &mut corrupt[middle..middle + 64] {
        *byte ^= 0x5a;
    }
    std::fs::write(artifact, &corrupt).unwrap();
    let run = with_cache(&[
        "run",
        charm.path().to_str().unwrap(),
        "greet",
        "name=Ada",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.task("hello/0")["results"]["greeting"]["text"],
        "Hello, Ada!"
    );
    assert_eq!(
        std::fs::read(artifact).unwrap(),
        good,
        "the artifact was rewritten whole"
    );

    // `compile` says what it did: found it, or replaced an unsound one.
    let again = with_cache(&["compile", charm.path().to_str().unwrap()]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("already compiled"),
        "{}",
        again.stdout
    );
    std::fs::write(artifact, &corrupt).unwrap();
    let replaced = with_cache(&["compile", charm.path().to_str().unwrap()]);
    assert_eq!(replaced.code, 0, "{}", replaced.stderr);
    assert!(
        replaced
            .stdout
            .contains("recompiled (the cached artifact was unsound)"),
        "{}",
        replaced.stdout
    );
    assert_eq!(std::fs::read(artifact).unwrap(), good);

    let clean = with_cache(&["cache", "clean"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert!(clean.stdout.contains("removed 1"), "{}", clean.stdout);
    let mut left: Vec<String> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["index", "key"],
        "only the (empty) index and the key stay"
    );
}

/// The compiled artifacts in `dir`.
fn artifacts(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_planted_artifact_is_not_run() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let cache = tempfile::tempdir().unwrap();
    let ours = cache.path().join("ours");
    let theirs = cache.path().join("theirs");
    let cmd = |dir: &Path, args: &[&str]| {
        let mut all = vec!["--cache-dir", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        charmbox.cmd(&all)
    };
    let charm_path = charm.path().to_str().unwrap();
    assert_eq!(cmd(&ours, &["compile", charm_path]).code, 0);
    // The attacker's code: another component (hostile), compiled into a
    // cache of the attacker's with its own key, so its trailer is whole,
    // renamed over ours as a writer of the cache could.
    let hostile = crate::support::example_component("hostile");
    assert_eq!(
        cmd(&theirs, &["compile", hostile.to_str().unwrap()]).code,
        0
    );
    let planted = std::fs::read(&artifacts(&theirs)[0]).unwrap();
    let target = artifacts(&ours).remove(0);
    std::fs::write(&target, &planted).unwrap();
    let run = cmd(
        &ours,
        &["run", charm_path, "greet", "name=Ada", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.task("hello/0")["results"]["greeting"]["text"],
        "Hello, Ada!"
    );
    assert_ne!(std::fs::read(&target).unwrap(), planted, "replaced");
}

#[test]
fn the_cache_is_made_private_and_refused_when_others_can_write_it() {
    let charm = example_charm_dir("hello");
    let charmbox = Charmbox::new();
    let root = tempfile::tempdir().unwrap();
    // Made under umask 000: still 0700, and its files 0600.
    let cache = root.path().join("fresh/cache");
    let mut command = charmbox.command(&[
        "--cache-dir",
        cache.to_str().unwrap(),
        "compile",
        charm.path().to_str().unwrap(),
    ]);
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
    let made = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(program)
        .args(args)
        .envs(command.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert_eq!(mode(&cache), 0o700);
    assert_eq!(mode(&cache.join("index")), 0o700);
    assert_eq!(mode(&cache.join("key")), 0o600);
    assert_eq!(mode(&artifacts(&cache)[0]), 0o600);
    command.env_clear();

    // Others may write it, or another user owns it: not used, said so, and
    // the charm still runs, compiled without the cache.
    use std::os::unix::fs::PermissionsExt as _;
    let open = root.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let mut refused = vec![(open, "may write to it (mode 777)")];
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let theirs = root.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        refused.push((theirs, "belongs to user 65534"));
    }
    for (dir, why) in refused {
        let run = charmbox.cmd(&[
            "--cache-dir",
            dir.to_str().unwrap(),
            "run",
            charm.path().to_str().unwrap(),
            "greet",
            "name=Ada",
            "--format",
            "json",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("warning: not using the compiled-component cache"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(why), "{}", run.stderr);
        assert_eq!(
            run.task("hello/0")["results"]["greeting"]["text"],
            "Hello, Ada!"
        );
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "nothing written there"
        );
    }
}
