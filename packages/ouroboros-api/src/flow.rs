//! Back-pressure between Python and the connections.
//!
//! - [`Window`]: bytes Python has handed to a connection (a streaming body,
//!   WebSocket frames) that the client has not taken yet. Past the limit the
//!   Python producer parks an asyncio future; the connection wakes it through
//!   the loop's queue once the client has read half of it. A client that
//!   does not read therefore stops its producer, never grows the server.
//! - [`Credit`]: the other direction, frames a client sent that the Python
//!   handler has not received yet. Past the limit the connection stops
//!   reading the socket until the handler catches up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use tokio::sync::Notify;

use crate::queue::{Msg, Queue};

/// How many bytes a streaming response or a WebSocket may have queued for
/// its client before the Python side waits.
pub const SEND_WINDOW: usize = 256 * 1024;

/// How many bytes of received WebSocket frames may wait for the handler
/// before the server stops reading that socket.
pub const RECEIVE_WINDOW: usize = 1024 * 1024;

/// What `send` tells the Python producer.
pub const GONE: u8 = 0;
pub const SENT: u8 = 1;
pub const FULL: u8 = 2;

#[derive(Default)]
struct WindowState {
    queued: usize,
    closed: bool,
    waiter: Option<Py<PyAny>>,
}

/// Bytes queued towards one client, and the producer parked on them.
pub struct Window {
    limit: usize,
    state: Mutex<WindowState>,
    queue: Arc<Queue>,
}

impl Window {
    pub fn new(limit: usize, queue: Arc<Queue>) -> Arc<Self> {
        Arc::new(Self {
            limit,
            state: Mutex::new(WindowState::default()),
            queue,
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, WindowState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Count `n` bytes handed to the connection: [`FULL`] when the producer
    /// should now wait, [`GONE`] when the client is gone.
    pub fn add(&self, n: usize) -> u8 {
        let mut s = self.state();
        if s.closed {
            return GONE;
        }
        s.queued += n;
        if s.queued > self.limit {
            FULL
        } else {
            SENT
        }
    }

    /// Count `n` bytes, then hand them to the connection with `send`
    /// (`false`: it is gone). Counted first: the connection may take and
    /// write them before `send` returns, and its [`Self::sub`] must find them
    /// counted, or they would stay in the window for good and the producer
    /// would park with nothing left to wake it (a stream stalled mid-body).
    pub fn add_then(&self, n: usize, send: impl FnOnce() -> bool) -> u8 {
        let state = self.add(n);
        if state == GONE || !send() {
            return GONE;
        }
        state
    }

    /// The connection wrote `n` bytes; wakes the producer once half the
    /// window is free.
    pub fn sub(&self, n: usize) {
        let waiter = {
            let mut s = self.state();
            s.queued = s.queued.saturating_sub(n);
            if s.queued <= self.limit / 2 {
                s.waiter.take()
            } else {
                None
            }
        };
        if let Some(fut) = waiter {
            self.queue.push_now(Msg::Wake(fut));
        }
    }

    /// The client is gone (or the body ended): wake the producer for good.
    pub fn close(&self) {
        let waiter = {
            let mut s = self.state();
            s.closed = true;
            s.waiter.take()
        };
        if let Some(fut) = waiter {
            self.queue.push_now(Msg::Wake(fut));
        }
    }

    /// Park `fut` (an asyncio future) until there is room; `false` when there
    /// already is (or the client is gone), so the producer need not wait.
    pub fn park(&self, fut: Py<PyAny>) -> bool {
        let mut s = self.state();
        if s.closed || s.queued <= self.limit / 2 {
            return false;
        }
        s.waiter = Some(fut);
        true
    }
}

/// Closes the window when the consuming side is dropped (the response body
/// finished or the connection went away).
pub struct WindowGuard(pub Arc<Window>);

impl Drop for WindowGuard {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Bytes received for one WebSocket that its handler has not taken yet.
pub struct Credit {
    limit: usize,
    pending: AtomicUsize,
    freed: Notify,
}

impl Credit {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            pending: AtomicUsize::new(0),
            freed: Notify::new(),
        })
    }

    /// Count a received frame of `n` bytes.
    pub fn add(&self, n: usize) {
        self.pending.fetch_add(n, Ordering::AcqRel);
    }

    /// The handler took a frame of `n` bytes.
    pub fn taken(&self, n: usize) {
        let _ = self
            .pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| {
                Some(p.saturating_sub(n))
            });
        self.freed.notify_one();
    }

    /// Wait (without reading the socket) while the handler is behind.
    pub async fn wait_for_room(&self) {
        while self.pending.load(Ordering::Acquire) > self.limit {
            self.freed.notified().await;
        }
    }

    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_reports_full_then_gone() {
        let w = Window::new(10, Arc::new(Queue::new().unwrap()));
        assert_eq!(w.add(6), SENT);
        assert_eq!(w.add(6), FULL);
        w.sub(6);
        assert_eq!(w.add(0), SENT);
        w.close();
        assert_eq!(w.add(1), GONE);
    }

    #[test]
    fn bytes_taken_before_the_send_returns_are_not_left_in_the_window() {
        let w = Window::new(10, Arc::new(Queue::new().unwrap()));
        // The connection takes and writes the chunk at once (another thread
        // in the server): the window is empty after, not 16 bytes full.
        assert_eq!(
            w.add_then(16, || {
                w.sub(16);
                true
            }),
            FULL
        );
        assert_eq!(w.add(0), SENT);
        // A connection that is gone takes nothing.
        assert_eq!(w.add_then(1, || false), GONE);
        w.close();
        let mut called = false;
        assert_eq!(
            w.add_then(1, || {
                called = true;
                true
            }),
            GONE
        );
        assert!(!called);
    }

    #[test]
    fn credit_counts_down_and_saturates() {
        let c = Credit::new(4);
        c.add(3);
        c.taken(5);
        assert_eq!(c.pending(), 0);
    }
}
