//! Cancel requests that are known to have reached the server.
//!
//! tokio-postgres writes the CancelRequest and shuts its socket down without
//! waiting for the server, so "sent" does not mean "the backend was
//! signalled". The server closes the cancel connection only after signalling
//! the backend; [`WaitForClose`] makes the request's `shutdown` wait for that
//! close, so [`deliver`] returns once the signal is on its way.

use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{CancelToken, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long delivering a cancel request may take before callers stop waiting.
pub const DELIVERY_BOUND: Duration = Duration::from_secs(5);

/// A socket whose shutdown completes when the peer has closed its side.
pub(crate) struct WaitForClose {
    inner: TcpStream,
    write_closed: bool,
}

impl AsyncRead for WaitForClose {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for WaitForClose {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if !self.write_closed {
            ready!(Pin::new(&mut self.inner).poll_shutdown(cx))?;
            self.write_closed = true;
        }
        // The server answers nothing; it closes once the backend was signalled.
        let mut scratch = [0u8; 64];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            ready!(Pin::new(&mut self.inner).poll_read(cx, &mut buf))?;
            if buf.filled().is_empty() {
                return Poll::Ready(Ok(()));
            }
        }
    }
}

/// Send a cancel request and wait (bounded) until the server has acted on it.
/// `addr` is the server's TCP address; without one (Unix sockets) the request
/// is sent without waiting for the server. `tls` is the connection's own TLS
/// connector when the connection is encrypted: the request then goes over
/// TLS too, as asyncpg sends it (a server or proxy that accepts only TLS
/// would drop a plain one, and the backend's secret key stays private).
pub async fn deliver(
    token: CancelToken,
    addr: Option<(String, u16)>,
    tls: Option<MakeRustlsConnect>,
) {
    let attempt = async {
        match addr {
            Some((host, port)) => {
                if let Ok(inner) = TcpStream::connect((host.as_str(), port)).await {
                    let _ = inner.set_nodelay(true);
                    let stream = WaitForClose {
                        inner,
                        write_closed: false,
                    };
                    match tls {
                        Some(mut make) => {
                            // Naming the host cannot fail with rustls (its error is Infallible).
                            let Ok(connector) =
                                MakeTlsConnect::<WaitForClose>::make_tls_connect(&mut make, &host);
                            let _ = token.cancel_query_raw(stream, connector).await;
                        }
                        None => {
                            let _ = token.cancel_query_raw(stream, NoTls).await;
                        }
                    }
                }
            }
            None => {
                let _ = token.cancel_query(NoTls).await;
            }
        }
    };
    let _ = tokio::time::timeout(DELIVERY_BOUND, attempt).await;
}
