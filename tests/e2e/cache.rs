//! The compiled-component cache through the binary: `compile` warms it, a
//! corrupt artifact is recompiled, `cache clean` empties it.

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
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);
}
