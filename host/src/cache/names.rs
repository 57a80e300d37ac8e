//! The names the cache gives artifacts: a component's content hash and the
//! engine's compatibility hash, and nothing else it will open.

use std::hash::{Hash, Hasher};

use twox_hash::XxHash3_64;

/// Whether `name` is one this cache gives artifacts:
/// `<32 hex digits>-<16 hex digits>.cwasm`.
pub(super) fn is_artifact_name(name: &str) -> bool {
    let hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match name
        .strip_suffix(".cwasm")
        .and_then(|stem| stem.split_once('-'))
    {
        Some((content, engine)) => {
            content.len() == 32 && engine.len() == 16 && hex(content) && hex(engine)
        }
        None => false,
    }
}

/// The artifact's name for the component with `content_hash` under `engine`.
pub(super) fn artifact_name(engine: &wasmtime::Engine, content_hash: u128) -> String {
    format!("{content_hash:032x}-{:016x}.cwasm", engine_hash(engine))
}

/// The content hash at the start of an artifact's file name.
pub(super) fn content_hash_from_name(name: &str) -> Option<u128> {
    u128::from_str_radix(name.get(..32)?, 16).ok()
}

/// The engine's compatibility hash, folded to 64 bits for file names.
pub(super) fn engine_hash(engine: &wasmtime::Engine) -> u64 {
    let mut hasher = XxHash3_64::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.finish()
}
