//! Calls and connections driven on the asyncio event loop's own thread.
//!
//! The executor is ouroboros-common's [`loop_driver`]: a call's future is
//! polled as soon as it is made (its request is written before the call
//! returns its awaitable), each connection's socket is watched with
//! `loop.add_reader`, and when the server answers the connection's I/O future
//! reads the answer and the call completes, all in that one callback. This
//! module adds what is PostgreSQL's: results and errors of engine futures,
//! and the engine's [`Transport`] that wraps each connection's socket and
//! runs its I/O future there. Cancelling the asyncio future drops the call,
//! which drops the query and sends the server a cancel request (the engine's
//! `CancelGuard`).

use std::any::Any;
use std::future::Future;
use std::sync::Arc;

use ouroboros_common::loop_driver::{self, Background, LoopIo};
use ouroboros_postgres_core::transport::{
    BoxSocket, Driver, DriverFuture, PlainSocket, Transport, TransportRef,
};
use pyo3::prelude::*;

pub use ouroboros_common::loop_driver::Deliver;

/// Run `work` on the running loop's thread; an asyncio future of its outcome.
pub fn spawn<F>(py: Python<'_>, work: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Deliver> + Send + 'static,
{
    loop_driver::spawn(py, work)
}

/// [`spawn`] for an engine future: its value becomes the future's result, its
/// error the matching `ouroboros.postgres` exception (both built on the loop thread).
pub fn spawn_result<F, T>(py: Python<'_>, work: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Result<T, ouroboros_postgres_core::PgError>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    // Boxed first: an engine future holds kilobytes of state, and every
    // wrapper around it (and every move of one) would copy them; boxed, they
    // move a pointer.
    let work = Box::pin(work);
    spawn(py, async move {
        let outcome = work.await;
        Box::new(move |py: Python<'_>| match outcome {
            Ok(value) => pyo3::IntoPyObjectExt::into_py_any(value, py),
            Err(e) => Err(crate::errors::to_pyerr(py, &e)),
        }) as Deliver
    })
}

/// A connection's I/O future, polled by its loop's driver.
struct LoopConnection(Background);

impl Driver for LoopConnection {
    fn abort(&self) {
        self.0.stop();
    }

    fn ensure_here(&self) -> Result<(), String> {
        self.0.ensure_here()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The engine's [`Transport`] for connections opened inside [`spawn`]ed calls.
struct OnLoop;

impl Transport for OnLoop {
    fn wrap(
        &self,
        socket: PlainSocket,
    ) -> std::io::Result<(BoxSocket, Arc<dyn Any + Send + Sync>)> {
        let (socket, io) = match socket {
            PlainSocket::Tcp(t) => {
                let (s, io) = loop_driver::wrap_socket(t)?;
                (BoxSocket(Box::new(s)), io)
            }
            PlainSocket::Unix(u) => {
                let (s, io) = loop_driver::wrap_socket(u)?;
                (BoxSocket(Box::new(s)), io)
            }
        };
        Ok((socket, Arc::new(io)))
    }

    fn run_driver(
        &self,
        driver: DriverFuture,
        wrapped: Arc<dyn Any + Send + Sync>,
    ) -> Box<dyn Driver> {
        let io = wrapped
            .downcast::<LoopIo>()
            .unwrap_or_else(|_| unreachable!("the socket was wrapped by this transport"));
        Box::new(LoopConnection(loop_driver::run_in_background(driver, &io)))
    }
}

/// The transport every connection of this module uses.
pub fn transport() -> TransportRef {
    static ON_LOOP: std::sync::OnceLock<TransportRef> = std::sync::OnceLock::new();
    ON_LOOP
        .get_or_init(|| TransportRef(Arc::new(OnLoop)))
        .clone()
}
