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
);

/// Harmless: the control case.
fn ok(action: &Action) -> Result<()> {
    action.log("fine");
    action.set_result("ok", "yes")
}

/// Burns CPU forever.
fn spin(_: &Action) -> Result<()> {
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

/// Plants a symlink in the data directory pointing out of it, and follows it.
fn escape_symlink(action: &Action) -> Result<()> {
    let link = "/data/escape";
    // Left over from an earlier run, perhaps; ignore errors.
    let _ = std::fs::remove_file(link);
    match symlink("/etc", link) {
        Ok(()) => action.set_result("symlink", "created")?,
        Err(e) => action.set_result("symlink", &e)?,
    }
    try_read(action, "/data/escape/passwd")
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
