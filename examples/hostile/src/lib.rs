//! `hostile`: a charm that attacks its sandbox, one attack per action. The
//! host's security tests run each action and check that the host stays up,
//! contained and responsive. Never deploy it.

use std::collections::BTreeMap;
use std::hint::black_box;

use charmbox_sdk::{anyhow, Action, Context, Result};

charmbox_sdk::charm!(
    ok,
    spin,
    allocate,
    recurse,
    trap_unreachable,
    panic,
    divide_by_zero,
    read_passwd,
    escape_dotdot,
    escape_symlink,
    huge_result,
    log_flood,
    bad_keys_flood,
    write_data,
    read_data,
    print_flood,
    env,
    list_root,
    sleep,
    sleep_poll,
    sleep_until,
    deep_key,
    long_key,
    fill_disk,
    sparse_file,
    many_files,
    hold_files,
    ansi_log,
    set_flood,
    fail_flood,
);

/// Harmless: the control case.
fn ok(action: &Action) -> Result<()> {
    action.log("fine");
    action.set_result("ok", "yes")
}

/// Sets `started=yes`, then burns CPU forever.
fn spin(action: &Action) -> Result<()> {
    action.set_result("started", "yes")?;
    let mut counter: u64 = 0;
    loop {
        counter = black_box(counter.wrapping_add(1));
    }
}

/// Allocates 1 MiB chunks without end, writing to every page of each.
fn allocate(_: &Action) -> Result<()> {
    const CHUNK: usize = 1 << 20;
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = vec![0u8; CHUNK];
        for byte in chunk.iter_mut().step_by(4096) {
            *byte = 0xa5;
        }
        chunks.push(black_box(chunk));
    }
}

/// Recurses without end; the result of each call is used after it returns,
/// with a frame-local buffer, so it cannot become a loop.
fn recurse(_: &Action) -> Result<()> {
    let depth = deeper(black_box(0));
    Err(anyhow!("recursion returned at depth {depth}"))
}

#[allow(unconditional_recursion)]
fn deeper(n: u64) -> u64 {
    let frame = black_box([n; 32]);
    let below = deeper(black_box(n + 1));
    black_box(frame)[(below % 32) as usize].wrapping_add(below)
}

/// Executes the `unreachable` instruction (a panic off wasm).
fn trap_unreachable(_: &Action) -> Result<()> {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    panic!("unreachable");
}

/// Panics: in a component, an abort.
fn panic(_: &Action) -> Result<()> {
    panic!("hostile panic");
}

/// Divides by a zero the compiler cannot see: Rust panics.
fn divide_by_zero(action: &Action) -> Result<()> {
    let divisor: u32 = black_box(0);
    let quotient = black_box(100u32) / divisor;
    action.set_result("quotient", quotient)
}

/// Reads `path`; sets `read` to "succeeded" or the error, and returns the
/// error if the read failed.
fn try_read(action: &Action, path: &str) -> Result<()> {
    match std::fs::read_to_string(path) {
        Ok(_) => action.set_result("read", "succeeded"),
        Err(e) => {
            action.set_result("read", &e)?;
            Err(e).with_context(|| format!("reading {path}"))
        }
    }
}

/// Reads a file outside any preopened directory.
fn read_passwd(action: &Action) -> Result<()> {
    try_read(action, "/etc/passwd")
}

/// Climbs out of the data directory with `..`.
fn escape_dotdot(action: &Action) -> Result<()> {
    try_read(action, "/data/../../etc/passwd")
}

/// Plants symlinks in the data directory pointing out of it, absolute
/// (`/data/escape` to `/etc`) and relative (`/data/escape-up` to enough
/// `..` to reach the host's root, then `etc`), and follows each. As a
/// control, also creates and removes `/data/inside` pointing to `marker`,
/// setting `inside.symlink` to what happened.
fn escape_symlink(action: &Action) -> Result<()> {
    let _ = std::fs::remove_file("/data/inside");
    match symlink("marker", "/data/inside") {
        Ok(()) => action.set_result("inside.symlink", "created")?,
        Err(e) => action.set_result("inside.symlink", &e)?,
    }
    let _ = std::fs::remove_file("/data/inside");
    let up = format!("{}etc", "../".repeat(32));
    let mut failures = Vec::new();
    for (name, target) in [("escape", "/etc"), ("escape-up", up.as_str())] {
        let link = format!("/data/{name}");
        // Left over from an earlier run, perhaps; ignore errors.
        let _ = std::fs::remove_file(&link);
        match symlink(target, &link) {
            Ok(()) => action.set_result(&format!("{name}.symlink"), "created")?,
            Err(e) => action.set_result(&format!("{name}.symlink"), &e)?,
        }
        let path = format!("{link}/passwd");
        match std::fs::read_to_string(&path) {
            Ok(_) => action.set_result(&format!("{name}.read"), "succeeded")?,
            Err(e) => {
                action.set_result(&format!("{name}.read"), &e)?;
                failures.push(format!("reading {path}: {e}"));
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(anyhow!("{}", failures.join("; ")))
    }
}

// `std::os::wasi::fs::symlink_path` is unstable; wasi-libc's `symlink` is
// what it would call.
#[cfg(target_os = "wasi")]
fn symlink(target: &str, link: &str) -> std::io::Result<()> {
    use std::ffi::CString;
    let target = CString::new(target)?;
    let link = CString::new(link)?;
    // SAFETY: both arguments are valid NUL-terminated strings that outlive
    // the call.
    if unsafe { libc::symlink(target.as_ptr(), link.as_ptr()) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(unix)]
fn symlink(target: &str, link: &str) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

/// Sets 100 000 results of 1 KiB each, 1000 per call; stops at the first
/// refusal and returns it.
fn huge_result(action: &Action) -> Result<()> {
    const KEYS: usize = 100_000;
    const PER_CALL: usize = 1000;
    let value = "x".repeat(1024);
    for start in (0..KEYS).step_by(PER_CALL) {
        let chunk: BTreeMap<String, &str> = (start..start + PER_CALL)
            .map(|i| (format!("k{i}"), value.as_str()))
            .collect();
        action
            .set_results(&chunk)
            .with_context(|| format!("setting keys k{start} onwards"))?;
    }
    Ok(())
}

/// Logs a million messages.
fn log_flood(action: &Action) -> Result<()> {
    for i in 0..1_000_000 {
        action.log(format!("flood {i}"));
    }
    Ok(())
}

/// Sets an invalid key a million times, counting refusals.
fn bad_keys_flood(action: &Action) -> Result<()> {
    let mut rejected: u64 = 0;
    for _ in 0..1_000_000 {
        if action.set_result("Bad_Key", "x").is_err() {
            rejected += 1;
        }
    }
    action.set_result("rejected", rejected)
}

/// Writes the `content` param (default "hello") to `/data/marker`.
fn write_data(action: &Action) -> Result<()> {
    let content = action
        .param::<String>("content")?
        .unwrap_or_else(|| "hello".to_owned());
    std::fs::write("/data/marker", content).context("writing /data/marker")?;
    action.set_result("written", "yes")
}

/// Reads `/data/marker` back.
fn read_data(action: &Action) -> Result<()> {
    let content = std::fs::read_to_string("/data/marker").context("reading /data/marker")?;
    action.set_result("content", content)
}

/// Prints 10 MiB to stdout, in lines of 1 KiB, then sets `printed` to the
/// byte count.
fn print_flood(action: &Action) -> Result<()> {
    use std::io::Write as _;
    const TOTAL: usize = 10 * 1024 * 1024;
    let mut line = "y".repeat(1023);
    line.push('\n');
    let mut stdout = std::io::stdout().lock();
    for _ in 0..TOTAL / line.len() {
        stdout
            .write_all(line.as_bytes())
            .context("writing to stdout")?;
    }
    stdout.flush().context("flushing stdout")?;
    action.set_result("printed", TOTAL)
}

/// Sets `names` to the sorted, comma-separated names of the environment
/// variables the guest sees, and `unit`, `action` and `uuid` to the values
/// of `JUJU_UNIT_NAME`, `JUJU_ACTION_NAME` and `JUJU_ACTION_UUID`.
fn env(action: &Action) -> Result<()> {
    let mut names: Vec<String> = std::env::vars_os()
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .collect();
    names.sort();
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let results = BTreeMap::from([
        ("names", names.join(",")),
        ("unit", var("JUJU_UNIT_NAME")),
        ("action", var("JUJU_ACTION_NAME")),
        ("uuid", var("JUJU_ACTION_UUID")),
    ]);
    action.set_results(&results)
}

/// Lists what the guest can see at the root of its filesystem. `entries` is
/// the names in `/` when `/` can be read as a directory, else the
/// directories the host preopened (a WASI guest's filesystem is nothing
/// else); `root` says which. `probed` names the usual host directories
/// (`/etc`, `/tmp`, …) the guest can reach anyway, or is `none`.
fn list_root(action: &Action) -> Result<()> {
    let (mut entries, root) = match std::fs::read_dir("/") {
        Ok(dir) => {
            let mut names = Vec::new();
            for entry in dir {
                let entry = entry.context("listing /")?;
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
            (names, "listed".to_owned())
        }
        Err(e) => (preopened_names(), format!("unreadable ({e}); preopens")),
    };
    entries.sort();
    let probed: Vec<&str> = [
        "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr", "/var",
    ]
    .into_iter()
    .filter(|path| std::fs::metadata(path).is_ok())
    .collect();
    let probed = if probed.is_empty() {
        "none".to_owned()
    } else {
        probed.join(",")
    };
    let results = BTreeMap::from([
        ("entries", entries.join(",")),
        ("root", root),
        ("probed", probed),
    ]);
    action.set_results(&results)
}

/// The guest paths of the preopened directories, without their leading `/`.
#[cfg(target_os = "wasi")]
fn preopened_names() -> Vec<String> {
    wasip2::filesystem::preopens::get_directories()
        .into_iter()
        .map(|(_, path)| path.trim_start_matches('/').to_owned())
        .collect()
}

#[cfg(not(target_os = "wasi"))]
fn preopened_names() -> Vec<String> {
    Vec::new()
}

/// An hour, longer than any deadline.
const HOUR_NANOS: u64 = 3600 * 1_000_000_000;

/// Sets `started=yes`, then sleeps an hour with `std::thread::sleep`.
fn sleep(action: &Action) -> Result<()> {
    action.set_result("started", "yes")?;
    std::thread::sleep(std::time::Duration::from_nanos(HOUR_NANOS));
    action.set_result("woke", "yes")
}

/// Sets `started=yes`, then waits an hour in `wasi:io/poll.poll` on a
/// monotonic-clock subscription, over and over.
fn sleep_poll(action: &Action) -> Result<()> {
    action.set_result("started", "yes")?;
    #[cfg(target_os = "wasi")]
    loop {
        let timer = wasip2::clocks::monotonic_clock::subscribe_duration(HOUR_NANOS);
        wasip2::io::poll::poll(&[&timer]);
    }
    #[cfg(not(target_os = "wasi"))]
    Ok(())
}

/// Sets `started=yes`, then blocks on a pollable for an instant an hour
/// ahead, over and over.
fn sleep_until(action: &Action) -> Result<()> {
    action.set_result("started", "yes")?;
    #[cfg(target_os = "wasi")]
    loop {
        let now = wasip2::clocks::monotonic_clock::now();
        wasip2::clocks::monotonic_clock::subscribe_instant(now + HOUR_NANOS).block();
    }
    #[cfg(not(target_os = "wasi"))]
    Ok(())
}

/// Sets a result key of `depth` segments (default 100000: `a.a.a...`);
/// returns the host's refusal.
fn deep_key(action: &Action) -> Result<()> {
    let depth = action.param::<usize>("depth")?.unwrap_or(100_000);
    let key = vec!["a"; depth.max(1)].join(".");
    action.set_result(&key, "deep")
}

/// Sets a result key of one segment, `length` bytes long (default 1 MiB);
/// returns the host's refusal.
fn long_key(action: &Action) -> Result<()> {
    let length = action.param::<usize>("length")?.unwrap_or(1 << 20);
    action.set_result(&"a".repeat(length.max(1)), "long")
}

/// Writes `/data/fill-N` files of 1 MiB until a write fails; sets
/// `written` to the MiB written, then returns the error.
fn fill_disk(action: &Action) -> Result<()> {
    use std::io::Write as _;
    let chunk = vec![0x5au8; 1 << 20];
    let mut written: u64 = 0;
    for file in 0u64.. {
        let path = format!("/data/fill-{file}");
        let mut out = std::fs::File::create(&path).with_context(|| format!("creating {path}"));
        let result = out.as_mut().map_err(|e| anyhow!("{e:#}")).and_then(|out| {
            for _ in 0..64 {
                out.write_all(&chunk)
                    .with_context(|| format!("writing {path}"))?;
                written += 1;
            }
            Ok(())
        });
        if let Err(e) = result {
            action.set_result("written", written)?;
            return Err(e);
        }
    }
    Ok(())
}

/// Makes `/data/sparse` 15 TiB long without writing it (`set_len`), then
/// tries one byte at 15 TiB; sets `set-len` and `write-at-end` to what
/// happened and the file's size to `size`.
fn sparse_file(action: &Action) -> Result<()> {
    use std::io::{Seek as _, SeekFrom, Write as _};
    const HUGE: u64 = 15 << 40;
    let mut file = std::fs::File::create("/data/sparse").context("creating /data/sparse")?;
    let outcome = |r: std::io::Result<()>| match r {
        Ok(()) => "succeeded".to_owned(),
        Err(e) => e.to_string(),
    };
    action.set_result("set-len", outcome(file.set_len(HUGE)))?;
    let at_end = file
        .seek(SeekFrom::Start(HUGE))
        .and_then(|_| file.write_all(b"x"))
        .and_then(|_| file.flush());
    action.set_result("write-at-end", outcome(at_end))?;
    let size = std::fs::metadata("/data/sparse")
        .map(|m| m.len())
        .unwrap_or(0);
    action.set_result("size", size)
}

/// Creates empty files `/data/many/N` until that fails; sets `created`,
/// then returns the error.
fn many_files(action: &Action) -> Result<()> {
    std::fs::create_dir_all("/data/many").context("creating /data/many")?;
    for n in 0u64.. {
        let path = format!("/data/many/{n}");
        if let Err(e) = std::fs::File::create(&path) {
            action.set_result("created", n)?;
            return Err(e).with_context(|| format!("creating {path}"));
        }
    }
    Ok(())
}

/// Opens `/data/held` again and again, keeping each open, until an open
/// fails; sets `held` to how many were open, and `then` to whether one
/// more opens after closing them all; returns the error.
fn hold_files(action: &Action) -> Result<()> {
    std::fs::write("/data/held", "x").context("writing /data/held")?;
    let mut held = Vec::new();
    let error = loop {
        match std::fs::File::open("/data/held") {
            Ok(file) => held.push(file),
            Err(e) => break e,
        }
        if held.len() > 100_000 {
            return Err(anyhow!("opened 100000 descriptors: no cap"));
        }
    };
    action.set_result("held", held.len())?;
    drop(held);
    let again = std::fs::File::open("/data/held").map(drop);
    action.set_result("then", if again.is_ok() { "opened" } else { "refused" })?;
    Err(error).context("opening /data/held")
}

/// Logs lines of terminal escape sequences (set the title, clear the
/// screen, colour, a C1 control, a bidi override) and sets `logged=yes`.
fn ansi_log(action: &Action) -> Result<()> {
    action.log("\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred");
    action.log("c1 \u{9b}31m and bidi \u{202e}desrever\u{202c} and a\nsecond line\rover");
    action.fail("failed \u{1b}[2J with escapes");
    action.set_result("logged", "yes")
}

/// Sets the result `n` a million times, to 0..999999.
fn set_flood(action: &Action) -> Result<()> {
    for n in 0..1_000_000 {
        action.set_result("n", n)?;
    }
    Ok(())
}

/// Calls action-fail 100000 times, with "fail 0" to "fail 99999".
fn fail_flood(action: &Action) -> Result<()> {
    for n in 0..100_000 {
        action.fail(format!("fail {n}"));
    }
    Ok(())
}
