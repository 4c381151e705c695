//! Many executions under one Sync.
//!
//! tokio-postgres ends every execution it sends with a Sync, so an
//! `executemany` of N rows costs the server N transaction ends and flushes,
//! and the client N answers to wake up for; it has no way to send several
//! Bind/Execute messages under one Sync. This module adds one below its
//! protocol state: a [`PipeStream`] sits between tokio-postgres and the
//! connection's stream (the socket, or the TLS session over it) and follows
//! the message framing both ways, so it knows which request each coming
//! ReadyForQuery ends.
//!
//! A batch is registered under an id ([`Pipe::register`]); the caller then
//! has tokio-postgres run an empty query whose text names that id
//! ([`marker`]). The stream replaces that Query message with the batch
//! (Parse, then Bind and Execute per row, then one Sync), reads the server's
//! answers to it into the batch's [`Outcome`] (rows executed, rows affected,
//! the first error) and passes on only the final ReadyForQuery, which ends
//! tokio-postgres's empty query. When that query returns, the outcome is
//! complete. Notices and notifications in between go on to tokio-postgres as
//! usual.
//!
//! Bounded memory: one registered batch is at most [`BATCH_BYTES`] plus one
//! row; answers are counted, never kept (rows of `RETURNING` are skipped).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use postgres_protocol::message::{backend, frontend};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, TlsConnect, TlsStream};
use tokio_postgres::types::{ToSql, Type};

use crate::error::{DbErrorFields, PgError, Result};
use crate::param::Param;

/// Encoded size after which a batch is closed with its Sync and sent.
pub const BATCH_BYTES: usize = 1024 * 1024;

/// Encoded bytes that may wait for the socket before writes are refused.
const OUT_LIMIT: usize = 64 * 1024;

const MARKER_PREFIX: &str = "/* ouroboros pipelined batch ";

/// The text of the empty query that stands for batch `id`.
#[must_use]
pub fn marker(id: u64) -> String {
    format!("{MARKER_PREFIX}{id} */")
}

fn marker_id(body: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(body.strip_suffix(&[0])?).ok()?;
    text.strip_prefix(MARKER_PREFIX)?
        .strip_suffix(" */")?
        .parse()
        .ok()
}

/// What the server answered to one batch.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Executions that completed (the index of the failing row, on error).
    pub executed: usize,
    /// Rows they affected.
    pub affected: u64,
    /// The first error; the server skipped the rest of the batch.
    pub error: Option<DbErrorFields>,
    /// The batch's ReadyForQuery arrived.
    pub done: bool,
}

/// Whose request a coming ReadyForQuery ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Theirs,
    Ours(u64),
}

#[derive(Default)]
struct State {
    /// tokio-postgres's bytes that do not make a whole message yet.
    pending: BytesMut,
    /// Whole messages for the server.
    out: BytesMut,
    /// The (untyped) startup message went by.
    started: bool,
    owners: VecDeque<Owner>,
    batches: HashMap<u64, Bytes>,
    outcomes: HashMap<u64, Outcome>,
    next_id: u64,
    /// Batches sent so far.
    sent: u64,
    /// Bytes read from the server held back from tokio-postgres (a batch's
    /// answers, or a message begun there).
    held: BytesMut,
    /// Messages for tokio-postgres taken out of `held`.
    passed: BytesMut,
    /// Bytes of the current passed-through message still to come, and its
    /// header while incomplete.
    skip: usize,
    header: Vec<u8>,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The shared end of one connection's [`PipeStream`].
#[derive(Default)]
pub struct Pipe {
    state: Mutex<State>,
    installed: AtomicBool,
}

impl Pipe {
    /// Whether the connection's messages go through the stream (a TLS
    /// connector that fell back to plain text leaves it out).
    #[must_use]
    pub fn installed(&self) -> bool {
        self.installed.load(Ordering::Acquire)
    }

    /// Batches sent on this connection so far (each ends with one Sync).
    #[must_use]
    pub fn batches_sent(&self) -> u64 {
        lock(&self.state).sent
    }

    /// Keep `batch` (whole messages ending in a Sync) until the query
    /// [`marker`]`(id)` is sent in its place.
    pub fn register(&self, batch: Bytes) -> u64 {
        let mut st = lock(&self.state);
        st.next_id += 1;
        let id = st.next_id;
        st.batches.insert(id, batch);
        st.outcomes.insert(id, Outcome::default());
        id
    }

    /// The outcome of batch `id`, forgetting it.
    pub fn take(&self, id: u64) -> Outcome {
        let mut st = lock(&self.state);
        st.batches.remove(&id);
        st.outcomes.remove(&id).unwrap_or_default()
    }
}

impl State {
    /// Move tokio-postgres's whole messages to `out`, a marker replaced by its batch.
    fn frame_writes(&mut self) {
        loop {
            let len = if self.started {
                if self.pending.len() < 5 {
                    return;
                }
                1 + be_len(&self.pending[1..5])
            } else {
                if self.pending.len() < 4 {
                    return;
                }
                be_len(&self.pending[..4])
            };
            if self.pending.len() < len {
                return;
            }
            let msg = self.pending.split_to(len);
            if !self.started {
                // The startup message: its answer ends with a ReadyForQuery.
                self.started = true;
                self.owners.push_back(Owner::Theirs);
            } else if msg[0] == b'Q' {
                let batch =
                    marker_id(&msg[5..]).and_then(|id| Some((id, self.batches.remove(&id)?)));
                if let Some((id, batch)) = batch {
                    self.sent += 1;
                    self.out.extend_from_slice(&batch);
                    self.owners.push_back(Owner::Ours(id));
                    continue;
                }
                self.owners.push_back(Owner::Theirs);
            } else if msg[0] == b'S' {
                self.owners.push_back(Owner::Theirs);
            }
            self.out.extend_from_slice(&msg);
        }
    }

    /// When `buf` is whole messages of tokio-postgres, none of them a
    /// registered batch's marker: note the ReadyForQuery answers they ask for
    /// and say so (they may then go to the socket as they are).
    fn account_whole(&mut self, buf: &[u8]) -> bool {
        if !self.started || !self.pending.is_empty() || !self.out.is_empty() {
            return false;
        }
        let mut answers = 0;
        let mut at = 0;
        while at < buf.len() {
            if buf.len() - at < 5 {
                return false;
            }
            let len = 1 + be_len(&buf[at + 1..at + 5]);
            if buf.len() - at < len {
                return false;
            }
            match buf[at] {
                b'Q' => {
                    if marker_id(&buf[at + 5..at + len])
                        .is_some_and(|id| self.batches.contains_key(&id))
                    {
                        return false;
                    }
                    answers += 1;
                }
                b'S' => answers += 1,
                _ => {}
            }
            at += len;
        }
        for _ in 0..answers {
            self.owners.push_back(Owner::Theirs);
        }
        true
    }

    /// Follow passed-through bytes; the offset where a batch's answers begin.
    fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut at = 0;
        while at < bytes.len() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len() - at);
                self.skip -= n;
                at += n;
                continue;
            }
            if self.header.is_empty() && matches!(self.owners.front(), Some(Owner::Ours(_))) {
                return Some(at);
            }
            if self.header.is_empty() && bytes.len() - at >= 5 {
                // A whole header in this read (the usual case).
                if bytes[at] == b'Z' {
                    self.owners.pop_front();
                }
                self.skip = be_len(&bytes[at + 1..at + 5]).saturating_sub(4);
                at += 5;
                continue;
            }
            let n = (5 - self.header.len()).min(bytes.len() - at);
            self.header.extend_from_slice(&bytes[at..at + n]);
            at += n;
            if self.header.len() == 5 {
                if self.header[0] == b'Z' {
                    self.owners.pop_front();
                }
                self.skip = be_len(&self.header[1..5]).saturating_sub(4);
                self.header.clear();
            }
        }
        None
    }

    /// Handle the whole messages in `held`.
    fn process_held(&mut self) {
        loop {
            if self.held.len() < 5 {
                return;
            }
            let len = 1 + be_len(&self.held[1..5]);
            if self.held.len() < len {
                return;
            }
            let tag = self.held[0];
            let owner = self.owners.front().copied();
            let Some(Owner::Ours(id)) = owner else {
                // A message of tokio-postgres's (after a batch, in the same read).
                if tag == b'Z' {
                    self.owners.pop_front();
                }
                let msg = self.held.split_to(len);
                self.passed.extend_from_slice(&msg);
                continue;
            };
            let mut msg = self.held.split_to(len);
            match tag {
                // Asynchronous messages are tokio-postgres's.
                b'N' | b'A' | b'S' => self.passed.extend_from_slice(&msg),
                b'Z' => {
                    self.owners.pop_front();
                    if let Some(o) = self.outcomes.get_mut(&id) {
                        o.done = true;
                    }
                    self.passed.extend_from_slice(&msg);
                }
                b'C' | b'I' | b'E' => {
                    let Some(o) = self.outcomes.get_mut(&id) else {
                        continue;
                    };
                    match backend::Message::parse(&mut msg) {
                        Ok(Some(backend::Message::CommandComplete(body))) => {
                            o.executed += 1;
                            o.affected += body
                                .tag()
                                .ok()
                                .and_then(|t| t.rsplit(' ').next()?.parse::<u64>().ok())
                                .unwrap_or(0);
                        }
                        Ok(Some(backend::Message::EmptyQueryResponse)) => o.executed += 1,
                        Ok(Some(backend::Message::ErrorResponse(body))) if o.error.is_none() => {
                            o.error = Some(error_fields(&body));
                        }
                        _ => {}
                    }
                }
                // ParseComplete, BindComplete, DataRow, NoData...: nothing to count.
                _ => {}
            }
        }
    }
}

fn be_len(b: &[u8]) -> usize {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
}

fn error_fields(body: &backend::ErrorResponseBody) -> DbErrorFields {
    use fallible_iterator::FallibleIterator;
    let mut f = DbErrorFields::default();
    let mut fields = body.fields();
    while let Ok(Some(field)) = fields.next() {
        let value = String::from_utf8_lossy(field.value_bytes()).into_owned();
        match field.type_() {
            b'S' => f.severity = value,
            b'C' => f.sqlstate = value,
            b'M' => f.message = value,
            b'D' => f.detail = Some(value),
            b'H' => f.hint = Some(value),
            b'P' => f.position = value.parse().ok(),
            b's' => f.schema = Some(value),
            b't' => f.table = Some(value),
            b'c' => f.column = Some(value),
            b'd' => f.datatype = Some(value),
            b'n' => f.constraint = Some(value),
            _ => {}
        }
    }
    f
}

/// Whether a [`PipeStream`] follows the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// It does.
    Active,
    /// The socket under a TLS session (or a stream it does not understand):
    /// bytes pass untouched.
    Dormant,
    /// A socket that may carry TLS: the first message decides.
    Probe,
    /// The client asked for TLS; the server's one-byte answer decides.
    SslAsked,
}

/// The code of an SSLRequest (in place of a protocol version).
const SSL_REQUEST: [u8; 4] = [0x04, 0xd2, 0x16, 0x2f];
const PROTOCOL_3: [u8; 4] = [0, 3, 0, 0];

/// A connection's stream seen through its [`Pipe`].
pub struct PipeStream<S> {
    inner: S,
    pipe: Arc<Pipe>,
    mode: Mode,
}

impl<S> PipeStream<S> {
    /// `inner` with its messages followed by `pipe` (installed from now on).
    pub fn new(inner: S, pipe: Arc<Pipe>) -> Self {
        pipe.installed.store(true, Ordering::Release);
        PipeStream {
            inner,
            pipe,
            mode: Mode::Active,
        }
    }

    /// A socket over which TLS may be negotiated: followed only if the
    /// connection stays in plain text (a TLS session gets its own stream
    /// through [`PipeConnect`]).
    pub fn probing(inner: S, pipe: Arc<Pipe>) -> Self {
        PipeStream {
            inner,
            pipe,
            mode: Mode::Probe,
        }
    }

    fn activate(&mut self) {
        self.mode = Mode::Active;
        self.pipe.installed.store(true, Ordering::Release);
    }
}

impl<S: AsyncWrite + Unpin> PipeStream<S> {
    fn flush_out(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        loop {
            let mut st = lock(&self.pipe.state);
            if st.out.is_empty() {
                return Poll::Ready(Ok(()));
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &st.out))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            st.out.advance(n);
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PipeStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        match this.mode {
            Mode::Active => {}
            Mode::SslAsked => {
                let before = buf.filled().len();
                ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
                match buf.filled().get(before) {
                    Some(b'N') => this.activate(),
                    _ => this.mode = Mode::Dormant,
                }
                return Poll::Ready(Ok(()));
            }
            Mode::Dormant | Mode::Probe => return Pin::new(&mut this.inner).poll_read(cx, buf),
        }
        loop {
            {
                let mut st = lock(&this.pipe.state);
                if !st.passed.is_empty() {
                    let n = st.passed.len().min(buf.remaining());
                    buf.put_slice(&st.passed[..n]);
                    st.passed.advance(n);
                    return Poll::Ready(Ok(()));
                }
                let diverting = !st.held.is_empty()
                    || (st.skip == 0
                        && st.header.is_empty()
                        && matches!(st.owners.front(), Some(Owner::Ours(_))));
                if diverting {
                    drop(st);
                    let mut scratch = [0u8; 8192];
                    let mut rb = ReadBuf::new(&mut scratch);
                    ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rb))?;
                    let mut st = lock(&this.pipe.state);
                    if rb.filled().is_empty() {
                        // End of stream: what was held is lost with the connection.
                        st.held.clear();
                        return Poll::Ready(Ok(()));
                    }
                    st.held.extend_from_slice(rb.filled());
                    st.process_held();
                    continue;
                }
            }
            // Nothing of a batch in sight: read straight into tokio-postgres's buffer.
            let before = buf.filled().len();
            ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
            let after = buf.filled().len();
            if after == before {
                return Poll::Ready(Ok(()));
            }
            let mut st = lock(&this.pipe.state);
            if let Some(at) = st.scan(&buf.filled()[before..after]) {
                let start = before + at;
                let rest = buf.filled()[start..].to_vec();
                st.held.extend_from_slice(&rest);
                buf.set_filled(start);
                st.process_held();
                if start == before {
                    continue;
                }
            }
            return Poll::Ready(Ok(()));
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PipeStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.mode == Mode::Probe {
            self.mode = match buf.get(4..8) {
                Some(code) if code == SSL_REQUEST => Mode::SslAsked,
                Some(code) if code == PROTOCOL_3 => Mode::Active,
                _ => Mode::Dormant,
            };
            if self.mode == Mode::Active {
                self.activate();
            }
        }
        if self.mode != Mode::Active {
            return Pin::new(&mut self.inner).poll_write(cx, buf);
        }
        if lock(&self.pipe.state).out.len() >= OUT_LIMIT {
            ready!(self.flush_out(cx))?;
        }
        let this = &mut *self;
        let mut st = lock(&this.pipe.state);
        if st.account_whole(buf) {
            // Nothing to rewrite and nothing queued before it: straight to the socket.
            drop(st);
            let written = match Pin::new(&mut this.inner).poll_write(cx, buf) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => 0,
            };
            if written < buf.len() {
                lock(&this.pipe.state)
                    .out
                    .extend_from_slice(&buf[written..]);
            }
            return Poll::Ready(Ok(buf.len()));
        }
        st.pending.extend_from_slice(buf);
        st.frame_writes();
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.mode == Mode::Active {
            ready!(self.flush_out(cx))?;
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.mode == Mode::Active {
            ready!(self.flush_out(cx))?;
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: TlsStream + Unpin> TlsStream for PipeStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        self.inner.channel_binding()
    }
}

/// A TLS connector whose session is seen through a [`Pipe`].
pub struct PipeConnect<C> {
    pub inner: C,
    pub pipe: Arc<Pipe>,
}

/// The handshake of a [`PipeConnect`].
pub struct PipeConnectFuture<F> {
    inner: Pin<Box<F>>,
    pipe: Option<Arc<Pipe>>,
}

impl<F, T, E> Future for PipeConnectFuture<F>
where
    F: Future<Output = std::result::Result<T, E>>,
{
    type Output = std::result::Result<PipeStream<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let stream = ready!(self.inner.as_mut().poll(cx))?;
        let pipe = self.pipe.take().unwrap_or_default();
        Poll::Ready(Ok(PipeStream::new(stream, pipe)))
    }
}

impl<S, C> TlsConnect<S> for PipeConnect<C>
where
    C: TlsConnect<S>,
    C::Stream: Unpin,
{
    type Stream = PipeStream<C::Stream>;
    type Error = C::Error;
    type Future = PipeConnectFuture<C::Future>;

    fn connect(self, stream: S) -> Self::Future {
        PipeConnectFuture {
            inner: Box::pin(self.inner.connect(stream)),
            pipe: Some(self.pipe),
        }
    }
}

/// Rows `rows[start..]` encoded as one batch of `sql` (Parse once, Bind and
/// Execute per row, one Sync), up to [`BATCH_BYTES`]; the bytes and the end
/// of the rows it holds.
///
/// # Errors
/// An argument that does not encode for its type, or a row with the wrong
/// number of arguments (tagged with the row's index).
pub fn encode_batch(
    sql: &str,
    types: &[Type],
    rows: &[Vec<Param>],
    start: usize,
) -> Result<(Bytes, usize)> {
    let mut buf = BytesMut::with_capacity(4096);
    frontend::parse("", sql, types.iter().map(Type::oid), &mut buf)
        .map_err(|e| PgError::Interface(format!("cannot encode the statement: {e}")))?;
    let mut end = start;
    while end < rows.len() && (end == start || buf.len() < BATCH_BYTES) {
        let row = &rows[end];
        if row.len() != types.len() {
            return Err(PgError::Interface(format!(
                "the server expects {} parameters but got {} (executemany row {end})",
                types.len(),
                row.len()
            )));
        }
        let mut column = 0;
        let bound = frontend::bind(
            "",
            "",
            std::iter::once(1),
            row.iter().zip(types),
            |(value, ty), out| {
                column += 1;
                match value.to_sql_checked(ty, out)? {
                    tokio_postgres::types::IsNull::Yes => Ok(postgres_protocol::IsNull::Yes),
                    tokio_postgres::types::IsNull::No => Ok(postgres_protocol::IsNull::No),
                }
            },
            std::iter::once(1),
            &mut buf,
        );
        if let Err(e) = bound {
            let message = match e {
                frontend::BindError::Conversion(e) => {
                    match e.downcast_ref::<crate::param::EncodeError>() {
                        Some(arg) => arg.0.clone(),
                        None => e.to_string(),
                    }
                }
                frontend::BindError::Serialization(e) => e.to_string(),
            };
            return Err(PgError::Argument {
                position: column,
                message,
            }
            .in_row(end));
        }
        frontend::execute("", 0, &mut buf)
            .map_err(|e| PgError::Interface(format!("cannot encode the statement: {e}")))?;
        end += 1;
    }
    frontend::sync(&mut buf);
    Ok((buf.freeze(), end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![tag];
        m.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn markers_round_trip() {
        let mut body = marker(42).into_bytes();
        body.push(0);
        assert_eq!(marker_id(&body), Some(42));
        assert_eq!(marker_id(b"SELECT 1\0"), None);
    }

    #[test]
    fn a_marker_is_replaced_and_its_answers_are_counted() {
        let pipe = Pipe::default();
        let id = pipe.register(Bytes::from_static(b"BATCH"));
        let mut st = lock(&pipe.state);
        // startup message (untyped), a plain query, the marker, split anywhere.
        let mut written = vec![0, 0, 0, 8, 0, 3, 0, 0];
        written.extend(typed(b'Q', b"SELECT 1\0"));
        let mut q = marker(id).into_bytes();
        q.push(0);
        written.extend(typed(b'Q', &q));
        for chunk in written.chunks(3) {
            st.pending.extend_from_slice(chunk);
            st.frame_writes();
        }
        assert!(st.out.ends_with(b"BATCH"));
        assert_eq!(st.owners.len(), 3);
        // Answers: startup's RFQ, the query's, then the batch's.
        let mut answers = typed(b'Z', b"I");
        answers.extend(typed(b'C', b"SELECT 1\0"));
        answers.extend(typed(b'Z', b"I"));
        let theirs = answers.len();
        answers.extend(typed(b'2', b""));
        answers.extend(typed(b'C', b"UPDATE 2\0"));
        answers.extend(typed(b'N', b"Mnotice\0\0"));
        answers.extend(typed(b'C', b"UPDATE 3\0"));
        answers.extend(typed(b'Z', b"I"));
        assert_eq!(st.scan(&answers), Some(theirs));
        st.held.extend_from_slice(&answers[theirs..]);
        st.process_held();
        assert!(st.held.is_empty());
        // The notice and the final RFQ go on to tokio-postgres.
        let mut expected = typed(b'N', b"Mnotice\0\0");
        expected.extend(typed(b'Z', b"I"));
        assert_eq!(&st.passed[..], &expected[..]);
        drop(st);
        let o = pipe.take(id);
        assert!(o.done);
        assert_eq!((o.executed, o.affected), (2, 5));
        assert!(o.error.is_none());
    }

    #[test]
    fn whole_messages_are_counted_without_a_copy() {
        let pipe = Pipe::default();
        let id = pipe.register(Bytes::from_static(b"B"));
        let mut st = lock(&pipe.state);
        st.started = true;
        let mut plain = typed(b'P', b"\0SELECT 1\0\0\0");
        plain.extend(typed(b'S', b""));
        plain.extend(typed(b'Q', b"SELECT 2\0"));
        assert!(st.account_whole(&plain));
        assert_eq!(st.owners.len(), 2);
        // A partial message, or a registered marker, takes the framing path.
        assert!(!st.account_whole(&plain[..7]));
        let mut q = marker(id).into_bytes();
        q.push(0);
        assert!(!st.account_whole(&typed(b'Q', &q)));
        assert_eq!(st.owners.len(), 2);
    }

    #[test]
    fn an_error_names_the_row_that_failed() {
        let pipe = Pipe::default();
        let id = pipe.register(Bytes::from_static(b"B"));
        let mut st = lock(&pipe.state);
        st.started = true;
        st.owners.push_back(Owner::Ours(id));
        let mut answers = typed(b'C', b"DELETE 1\0");
        answers.extend(typed(b'E', b"SERROR\0C23505\0Mduplicate key\0nuq\0\0"));
        answers.extend(typed(b'Z', b"E"));
        // Byte by byte: messages split across reads.
        for b in answers {
            st.held.extend_from_slice(&[b]);
            st.process_held();
        }
        drop(st);
        let o = pipe.take(id);
        let e = o.error.unwrap();
        assert_eq!(
            (o.executed, e.sqlstate.as_str(), e.constraint.as_deref()),
            (1, "23505", Some("uq"))
        );
    }
}
