//! Streamed request bodies: a bounded channel between a producer (the Python
//! iterator, generator or file behind `content=`) and the body hyper sends.
//!
//! The producer pushes chunks with [`BodySender::send`] (or `try_send`);
//! when the channel holds `capacity` chunks it waits, so at most
//! `capacity` chunks of a body are in memory however large the body is.
//! A body that ends without [`BodySender::finish`] (the producer failed or
//! was dropped) ends the request with an error instead of sending a body
//! cut short as if it were complete.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::write_watch::Progress;

type Item = Result<Bytes, String>;

/// The consuming end, shared by the request spec (it can be taken once).
#[derive(Debug)]
pub struct StreamBody {
    rx: Mutex<Option<mpsc::Receiver<Item>>>,
    sent: AtomicU64,
    finished: AtomicBool,
    /// The request is over: producers waiting for room give up.
    abandoned: AtomicBool,
    wake: tokio::sync::Notify,
}

/// The producing end.
#[derive(Debug, Clone)]
pub struct BodySender {
    tx: mpsc::Sender<Item>,
    body: Arc<StreamBody>,
}

/// Why a chunk was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefused {
    /// The channel is full; wait (`send`) and try again.
    Full,
    /// The request is over (sent, failed or cancelled): stop producing.
    Closed,
}

impl StreamBody {
    /// A channel holding at most `capacity` chunks (at least 1).
    #[must_use]
    pub fn channel(capacity: usize) -> (BodySender, Arc<Self>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let body = Arc::new(Self {
            rx: Mutex::new(Some(rx)),
            sent: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            abandoned: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        });
        (
            BodySender {
                tx,
                body: Arc::clone(&body),
            },
            body,
        )
    }

    /// Bytes handed to the connection so far.
    #[must_use]
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The request is over (answered, failed or cancelled): a producer
    /// waiting for room is released and every later send is refused, even
    /// if the connection still holds the body.
    pub fn abandon(&self) {
        self.abandoned.store(true, Ordering::Release);
        self.wake.notify_waiters();
        drop(
            self.rx
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }

    /// The body for reqwest; `None` when it was already taken (a retry or a
    /// 307/308 redirect cannot send a streamed body twice).
    pub(crate) fn take(self: &Arc<Self>, progress: Option<Arc<Progress>>) -> Option<reqwest::Body> {
        let mut rx = self
            .rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        let me = Arc::clone(self);
        let stream = futures::stream::poll_fn(move |cx| {
            if let Some(p) = &progress {
                p.touch();
            }
            match rx.poll_recv(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    if let Some(p) = &progress {
                        p.set_starved(false);
                    }
                    me.sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    Poll::Ready(Some(Ok(chunk)))
                }
                Poll::Ready(Some(Err(msg))) => Poll::Ready(Some(Err(std::io::Error::other(msg)))),
                Poll::Ready(None) => {
                    if let Some(p) = &progress {
                        p.finish();
                    }
                    if me.finished.load(Ordering::Acquire) {
                        Poll::Ready(None)
                    } else {
                        Poll::Ready(Some(Err(std::io::Error::other(
                            "the request body's producer stopped before the end of the body",
                        ))))
                    }
                }
                Poll::Pending => {
                    // Waiting for the producer is not a stalled server.
                    if let Some(p) = &progress {
                        p.set_starved(true);
                    }
                    Poll::Pending
                }
            }
        });
        Some(reqwest::Body::wrap_stream(stream))
    }
}

impl BodySender {
    /// Queue a chunk without waiting.
    ///
    /// # Errors
    /// `Full` when the channel is full, `Closed` when the request is over.
    pub fn try_send(&self, chunk: Bytes) -> Result<(), SendRefused> {
        if self.body.abandoned.load(Ordering::Acquire) {
            return Err(SendRefused::Closed);
        }
        self.tx.try_send(Ok(chunk)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendRefused::Full,
            mpsc::error::TrySendError::Closed(_) => SendRefused::Closed,
        })
    }

    /// Queue a chunk, waiting for room.
    ///
    /// # Errors
    /// `Closed` when the request is over.
    pub async fn send(&self, chunk: Bytes) -> Result<(), SendRefused> {
        self.unless_abandoned(self.tx.send(Ok(chunk)))
            .await
            .and_then(|sent| sent.map_err(|_| SendRefused::Closed))
    }

    /// Wait until at least `slots` chunks fit (at most the capacity), so a
    /// producer can queue several with `try_send` for one wait.
    ///
    /// # Errors
    /// `Closed` when the request is over.
    pub async fn wait_room(&self, slots: usize) -> Result<(), SendRefused> {
        let slots = slots.clamp(1, self.tx.max_capacity());
        self.unless_abandoned(self.tx.reserve_many(slots))
            .await
            .and_then(|room| room.map(drop).map_err(|_| SendRefused::Closed))
    }

    /// `wait`, unless the request is (or becomes) abandoned first.
    async fn unless_abandoned<T>(
        &self,
        wait: impl std::future::Future<Output = T>,
    ) -> Result<T, SendRefused> {
        let abandoned = self.body.wake.notified();
        tokio::pin!(abandoned);
        abandoned.as_mut().enable();
        if self.body.abandoned.load(Ordering::Acquire) {
            return Err(SendRefused::Closed);
        }
        tokio::select! {
            done = wait => Ok(done),
            () = abandoned => Err(SendRefused::Closed),
        }
    }

    /// Mark the body complete: once the queued chunks are sent, it ends.
    pub fn finish(&self) {
        self.body.finished.store(true, Ordering::Release);
    }

    /// Fail the request: the connection gets an error, not the end of the body.
    pub fn fail(&self, message: String) {
        let _ = self.tx.try_send(Err(message));
    }

    /// The consuming end this sender feeds.
    #[must_use]
    pub fn body(&self) -> &Arc<StreamBody> {
        &self.body
    }
}
