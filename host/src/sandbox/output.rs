//! Captured stdout and stderr: bounded buffers that keep the first bytes and
//! count the rest, so a flood neither grows memory nor traps the guest.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// A bounded capture of one output stream. Clones share the buffer.
#[derive(Debug, Clone)]
pub struct OutputCapture {
    inner: Arc<Mutex<Buffer>>,
}

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

impl OutputCapture {
    /// A capture keeping at most `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Buffer {
                capacity,
                ..Buffer::default()
            })),
        }
    }

    /// What has been written so far.
    pub fn take(&self) -> CapturedOutput {
        let mut buffer = crate::sync::lock(&self.inner);
        CapturedOutput {
            bytes: std::mem::take(&mut buffer.kept),
            dropped: std::mem::take(&mut buffer.dropped),
        }
    }

    fn push(&self, bytes: &[u8]) {
        let mut buffer = crate::sync::lock(&self.inner);
        let room = buffer.capacity.saturating_sub(buffer.kept.len());
        let kept = bytes.len().min(room);
        buffer.kept.extend_from_slice(&bytes[..kept]);
        buffer.dropped += bytes.len() - kept;
    }
}

impl IsTerminal for OutputCapture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for OutputCapture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
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

impl tokio::io::AsyncWrite for OutputCapture {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_bytes_and_counts_the_rest() {
        let capture = OutputCapture::new(4);
        capture.push(b"ab");
        capture.push(b"cdef");
        assert_eq!(
            capture.take(),
            CapturedOutput {
                bytes: b"abcd".to_vec(),
                dropped: 2
            }
        );
    }
}
