//! Captured stdout and stderr: bounded buffers that keep the first bytes and
//! count the rest, so a flood neither grows memory nor traps the guest,
//! made when the guest first reaches for a stream ([`GuestOutput`]).

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// A run's stdout and stderr as the guest reaches them: bounded captures,
/// each on its own, in one allocation made on the guest's first
/// `get-stdout` or `get-stderr` (served in `crate::imports`), so a run that
/// prints nothing makes none.
#[derive(Debug)]
pub struct GuestOutput {
    capacity: usize,
    buffers: Option<Arc<Mutex<[Buffer; 2]>>>,
}

/// One stream of a [`GuestOutput`]: what the guest's stdout or stderr
/// writes to.
#[derive(Debug, Clone)]
pub struct OutputCapture {
    buffers: Arc<Mutex<[Buffer; 2]>>,
    stream: usize,
}

const STDOUT: usize = 0;
const STDERR: usize = 1;

#[derive(Debug, Default)]
struct Buffer {
    kept: Vec<u8>,
    dropped: usize,
    capacity: usize,
}

/// What a capture collected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapturedOutput {
    /// The first bytes written, up to the capacity.
    pub bytes: Vec<u8>,
    /// How many further bytes were discarded.
    pub dropped: usize,
}

impl CapturedOutput {
    /// Adds what another run captured after this one's (the output of a
    /// process that ran several handlers).
    pub fn append(&mut self, other: &CapturedOutput) {
        self.bytes.extend_from_slice(&other.bytes);
        self.dropped += other.dropped;
    }
}

impl GuestOutput {
    /// Output keeping at most `capacity` bytes of each stream.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            buffers: None,
        }
    }

    /// The stdout capture.
    pub fn stdout(&mut self) -> OutputCapture {
        self.stream(STDOUT)
    }

    /// The stderr capture.
    pub fn stderr(&mut self) -> OutputCapture {
        self.stream(STDERR)
    }

    fn stream(&mut self, stream: usize) -> OutputCapture {
        let capacity = self.capacity;
        let buffers = self.buffers.get_or_insert_with(|| {
            let buffer = || Buffer {
                capacity,
                ..Buffer::default()
            };
            Arc::new(Mutex::new([buffer(), buffer()]))
        });
        OutputCapture {
            buffers: Arc::clone(buffers),
            stream,
        }
    }

    /// What the guest has written so far: stdout's, then stderr's.
    pub fn take(&self) -> (CapturedOutput, CapturedOutput) {
        let Some(buffers) = &self.buffers else {
            return Default::default();
        };
        let mut buffers = crate::sync::lock(buffers);
        let [stdout, stderr] = &mut *buffers;
        (stdout.take(), stderr.take())
    }
}

impl Buffer {
    fn take(&mut self) -> CapturedOutput {
        CapturedOutput {
            bytes: std::mem::take(&mut self.kept),
            dropped: std::mem::take(&mut self.dropped),
        }
    }
}

impl OutputCapture {
    fn push(&self, bytes: &[u8]) {
        let mut buffers = crate::sync::lock(&self.buffers);
        let buffer = &mut buffers[self.stream];
        let room = buffer.capacity.saturating_sub(buffer.kept.len());
        let kept = bytes.len().min(room);
        buffer.kept.extend_from_slice(&bytes[..kept]);
        buffer.dropped += bytes.len() - kept;
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for OutputCapture {
    async fn ready(&mut self) {}
}

impl OutputStream for OutputCapture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always accept: what is past the capacity is counted, not kept.
        Ok(64 * 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_bytes_of_each_stream_and_counts_the_rest() {
        let mut output = GuestOutput::new(4);
        let (stdout, stderr) = (output.stdout(), output.stderr());
        stdout.push(b"ab");
        stderr.push(b"e");
        stdout.push(b"cdef");
        assert_eq!(
            output.take(),
            (
                CapturedOutput {
                    bytes: b"abcd".to_vec(),
                    dropped: 2
                },
                CapturedOutput {
                    bytes: b"e".to_vec(),
                    dropped: 0
                }
            )
        );
        // Taken once: a second look finds nothing new.
        assert_eq!(output.take().0, CapturedOutput::default());
    }

    #[test]
    fn guest_output_captures_once_asked_and_keeps_one_capture_for_both() {
        let mut output = GuestOutput::new(8);
        assert_eq!(output.take(), Default::default());
        output.stdout().push(b"out");
        output.stderr().push(b"err");
        let (stdout, stderr) = output.take();
        assert_eq!(
            (&stdout.bytes[..], &stderr.bytes[..]),
            (&b"out"[..], &b"err"[..])
        );
    }
}
