//! The write timeout: reqwest bounds connects and reads but not writes, so a
//! large body sent to a server that stops reading would wait for the read or
//! overall timeout. Bodies above [`WATCH_ABOVE`] bytes are sent in chunks
//! that stamp their progress; a watchdog beside the send fails the request
//! with `WriteTimeout` when no chunk was taken for the write timeout.
//! Smaller bodies fit in the socket's send buffer, so they cannot stall on
//! writing and skip the bookkeeping.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

/// Bodies larger than this are watched.
pub const WATCH_ABOVE: usize = 64 * 1024;
const CHUNK: usize = 64 * 1024;

/// Shared between the body stream and the watchdog.
#[derive(Debug)]
pub struct Progress {
    start: Instant,
    last_ms: AtomicU64,
    done: AtomicBool,
    /// The body is waiting for its producer (a streamed body), not the server.
    starved: AtomicBool,
}

impl Progress {
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            done: AtomicBool::new(false),
            starved: AtomicBool::new(false),
        })
    }

    pub(crate) fn set_starved(&self, starved: bool) {
        self.starved.store(starved, Ordering::Relaxed);
        if !starved {
            self.touch();
        }
    }

    pub(crate) fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
    }

    pub(crate) fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let now = self.start.elapsed();
        now.saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// `bytes` as a streamed body that reports each chunk taken.
pub fn watched_body(bytes: Bytes, progress: Arc<Progress>) -> reqwest::Body {
    let len = bytes.len();
    let mut offset = 0;
    let stream = futures::stream::poll_fn(move |_| {
        progress.touch();
        if offset >= len {
            progress.done.store(true, Ordering::Relaxed);
            return std::task::Poll::Ready(None);
        }
        let end = (offset + CHUNK).min(len);
        let chunk = bytes.slice(offset..end);
        offset = end;
        std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(chunk)))
    });
    reqwest::Body::wrap_stream(stream)
}

/// Resolves (with the idle time) once no chunk was taken for `limit`;
/// never resolves after the body was fully handed over.
pub async fn stalled(progress: &Progress, limit: Duration) -> Duration {
    let tick = (limit / 4).max(Duration::from_millis(5));
    loop {
        tokio::time::sleep(tick).await;
        if progress.done.load(Ordering::Relaxed) {
            return std::future::pending().await;
        }
        if progress.starved.load(Ordering::Relaxed) {
            progress.touch();
            continue;
        }
        let idle = progress.idle();
        if idle >= limit {
            return idle;
        }
    }
}
