//! The checksum of a component and of a packed artifact: xxh3-128, of bytes
//! in memory or of a file streamed through one small buffer.

use std::fs::File;
use std::io::{Read as _, Seek as _};

use twox_hash::XxHash3_128;

/// How much of a file is read at a time: large enough that each read's
/// cost is the copy, small enough to stay in the CPU's cache.
const CHUNK: usize = 256 << 10;

/// The xxh3-128 checksum of `bytes`.
pub(super) fn xxh3_128(bytes: &[u8]) -> u128 {
    XxHash3_128::oneshot(bytes)
}

/// The xxh3-128 checksum of the first `len` bytes of `file`, read from its
/// start through one buffer: neither mapped (a mapping costs a page fault,
/// or a populated page-table entry, per page: a Python charm's component
/// and its artifact are 50 MB together) nor read whole into memory (as
/// many faults, on fresh pages). A file shorter than `len` is an error.
pub(super) fn xxh3_128_of_file(file: &File, len: u64) -> std::io::Result<u128> {
    let mut reader = file;
    reader.rewind()?;
    let mut reader = reader.take(len);
    let mut hasher = XxHash3_128::new();
    let mut buffer = vec![0; CHUNK];
    let mut read = 0;
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.write(&buffer[..n]);
        read += n as u64;
    }
    if read != len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("the file ended after {read} of its {len} bytes"),
        ));
    }
    Ok(hasher.finish_128())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_file_streamed_sums_to_its_bytes_in_memory() {
        // Across chunk boundaries, and short of the whole file.
        let bytes: Vec<u8> = (0..(CHUNK * 2 + 123))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        for len in [0, 1, CHUNK, CHUNK + 1, bytes.len() - 40, bytes.len()] {
            assert_eq!(
                xxh3_128_of_file(&file, len as u64).unwrap(),
                xxh3_128(&bytes[..len]),
                "first {len} bytes"
            );
        }
        let error = xxh3_128_of_file(&file, bytes.len() as u64 + 1).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn the_sum_is_xxh3_128_as_published() {
        // XXH3-128 (seed 0) as xxHash's reference implementation computes
        // it: a packed artifact's checksums keep their meaning whichever
        // crate computes them.
        assert_eq!(xxh3_128(b""), 0x99aa06d3014798d86001c324468d497f);
        assert_eq!(xxh3_128(b"charmbox"), 0x392b49f2d6d453a12f6b87170c7c5213);
    }
}
