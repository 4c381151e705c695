//! Where a connection's socket I/O runs.
//!
//! By default a connection's socket belongs to the tokio runtime and its I/O
//! future runs as a tokio task. A caller that has its own event loop (the
//! Python binding: asyncio) passes a [`Transport`]: the engine opens the
//! socket, hands it over as a plain non-blocking socket to wrap, and gives the
//! connection's I/O future to [`Transport::run_driver`]. Readiness and polling
//! are then the caller's, so a query can be written, read and completed on the
//! caller's thread without waking any other thread.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A byte stream tokio-postgres can speak over.
pub trait Socket: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Socket for T {}

/// A wrapped socket (a concrete type: tokio-postgres's futures over a bare
/// trait object trip the compiler's `Send` check).
pub struct BoxSocket(pub Box<dyn Socket + 'static>);

impl AsyncRead for BoxSocket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for BoxSocket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// A connected, non-blocking socket handed to [`Transport::wrap`].
pub enum PlainSocket {
    Tcp(std::net::TcpStream),
    Unix(std::os::unix::net::UnixStream),
}

/// A connection's I/O future.
pub type DriverFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The running I/O future of one connection.
pub trait Driver: Send + Sync + 'static {
    /// Stop it (the socket is closed once the future is dropped).
    fn abort(&self);
    /// Called at the start of every call on the connection, from the thread
    /// that polls the call: a transport bound to one event loop moves the
    /// connection to the caller's loop here, or refuses (the message says why).
    ///
    /// # Errors
    /// When the connection cannot be used from here.
    fn ensure_here(&self) -> Result<(), String> {
        Ok(())
    }
    /// For the transport that made it.
    fn as_any(&self) -> &dyn Any;
}

impl Driver for tokio::task::JoinHandle<()> {
    fn abort(&self) {
        tokio::task::JoinHandle::abort(self);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Socket readiness and polling supplied by the caller.
pub trait Transport: Send + Sync + 'static {
    /// Wrap a connected socket; the second value is handed back to
    /// [`Transport::run_driver`] once the connection is established.
    ///
    /// # Errors
    /// When the socket cannot be used (for example: no event loop here).
    fn wrap(&self, socket: PlainSocket)
        -> std::io::Result<(BoxSocket, Arc<dyn Any + Send + Sync>)>;
    /// Start the connection's I/O future.
    fn run_driver(
        &self,
        driver: DriverFuture,
        wrapped: Arc<dyn Any + Send + Sync>,
    ) -> Box<dyn Driver>;
}

/// A shared [`Transport`] in [`crate::ConnectOptions`].
#[derive(Clone)]
pub struct TransportRef(pub Arc<dyn Transport>);

impl std::fmt::Debug for TransportRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TransportRef(..)")
    }
}
