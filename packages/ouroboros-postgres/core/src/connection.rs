//! One server connection.
//!
//! Several calls may run on one connection at once: tokio-postgres pipelines
//! them (each request is written as soon as its future is polled and the
//! answers come back in order). `executemany` uses this to keep up to
//! [`PIPELINE_WINDOW`] executions in flight instead of one round trip each.
//!
//! Bounded memory: the statement cache holds at most `statement_cache_size`
//! statements (least recently used evicted, closing them on the server), the
//! notification queue at most `notification_queue` entries (further ones are
//! counted in [`Connection::dropped_notifications`] and dropped), `executemany`
//! and COPY keep at most a window of rows in flight.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_postgres::types::{Kind, ToSql, Type};
use tokio_postgres::{
    AsyncMessage, CancelToken, Client, Config, NoTls, Row, SimpleQueryMessage, Statement,
};

use crate::error::{PgError, Result};
use crate::param::{Param, ParamColumn};
use crate::status::command_status;
use crate::tls::Target;
use crate::transport::{Driver, PlainSocket, TransportRef};

/// Bytes of binary COPY data sent to the server at a time.
const COPY_CHUNK: usize = 256 * 1024;

/// One row of binary COPY data: the field count, then each field's length
/// (-1 for NULL) and bytes, encoded by the parameter's own `ToSql`.
fn encode_copy_row(buf: &mut bytes::BytesMut, row: &[Param], types: &[Type]) -> Result<()> {
    let count = i16::try_from(row.len())
        .map_err(|_| PgError::Interface("a COPY row holds at most 32767 values".into()))?;
    buf.extend_from_slice(&count.to_be_bytes());
    for (column, (value, ty)) in row.iter().zip(types).enumerate() {
        let failed = |message: String| PgError::Argument {
            position: column + 1,
            message,
        };
        let at = buf.len();
        buf.extend_from_slice(&[0; 4]);
        let written = value.to_sql_checked(ty, buf).map_err(|e| {
            failed(match e.downcast_ref::<crate::param::EncodeError>() {
                Some(arg) => arg.0.clone(),
                None => e.to_string(),
            })
        })?;
        let len = match written {
            tokio_postgres::types::IsNull::Yes => -1,
            tokio_postgres::types::IsNull::No => i32::try_from(buf.len() - at - 4)
                .map_err(|_| failed("a value over 2 GiB cannot be copied".into()))?,
        };
        buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

/// Executions of one `executemany` kept in flight at once.
pub const PIPELINE_WINDOW: usize = 256;

/// How a connection behaves; the defaults are asyncpg's.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Prepared statements kept per connection (0: none kept).
    pub statement_cache_size: usize,
    /// Default bound of every call that is not given its own timeout.
    pub command_timeout: Option<Duration>,
    /// Bound of establishing the connection.
    pub connect_timeout: Duration,
    /// Notifications buffered until the application reads them.
    pub notification_queue: usize,
    /// Socket readiness and polling of the caller (None: the tokio runtime's).
    pub transport: Option<TransportRef>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            statement_cache_size: 100,
            command_timeout: None,
            connect_timeout: Duration::from_secs(60),
            notification_queue: 1024,
            transport: None,
        }
    }
}

/// A `NOTIFY` received on a channel this connection listens to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub pid: i32,
    pub channel: String,
    pub payload: String,
}

/// Rows of a query and the statement that describes their columns.
pub struct QueryResult {
    pub statement: Statement,
    pub rows: Vec<Row>,
}

/// Least-recently-used cache of prepared statements keyed by SQL text.
struct StatementCache {
    capacity: usize,
    tick: u64,
    entries: HashMap<Arc<str>, (Statement, u64)>,
}

impl StatementCache {
    fn get(&mut self, sql: &str) -> Option<Statement> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(sql).map(|(s, used)| {
            *used = tick;
            s.clone()
        })
    }

    fn insert(&mut self, sql: &str, stmt: Statement) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity && !self.entries.contains_key(sql) {
            // Capacity is small (100 by default): a scan beats keeping a list.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            {
                self.entries.remove(&oldest);
            }
        }
        self.tick += 1;
        self.entries.insert(Arc::from(sql), (stmt, self.tick));
    }
}

/// The cancel request in flight, if any; the next call waits for it.
type PendingCancel = Arc<Mutex<Option<JoinHandle<()>>>>;

/// Sends a cancel request for whatever runs on the connection if dropped
/// while armed: a timed-out call, or one whose Python awaitable was cancelled.
///
/// The request travels on its own socket, so it could reach the server after
/// the next (pipelined) query has started and cancel that one instead. To
/// rule this out the request is recorded in `pending`, and the next call
/// first waits until it has been delivered (the server has signalled the
/// backend), then runs a throw-away statement that absorbs a signal which
/// arrived too late for its target.
///
/// It borrows the connection and copies what the request needs only when it
/// fires, so an ordinary call costs no allocation here.
struct CancelGuard<'a> {
    conn: Option<&'a Connection>,
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let token = conn.cancel.clone();
        let addr = conn.cancel_addr.clone();
        let tls = conn.cancel_tls.clone();
        let mut slot = conn
            .pending_cancel
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let previous = slot.take();
        *slot = Some(handle.spawn(async move {
            if let Some(p) = previous {
                let _ = p.await;
            }
            crate::cancel::deliver(token, addr, tls).await;
        }));
    }
}

/// One connection to the server.
pub struct Connection {
    client: Client,
    cache: Mutex<StatementCache>,
    cancel: CancelToken,
    pending_cancel: PendingCancel,
    /// Where cancel requests go (the TCP address connected to).
    cancel_addr: Option<(String, u16)>,
    /// The TLS connector cancel requests go through (an encrypted connection's).
    cancel_tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    notifications: tokio::sync::Mutex<mpsc::Receiver<Notification>>,
    dropped: Arc<AtomicU64>,
    closed_reason: Arc<Mutex<Option<String>>>,
    closed: AtomicBool,
    driver: Box<dyn Driver>,
    /// The message follower of connections made through a transport.
    pipe: Option<Arc<crate::pipeline::Pipe>>,
    options: ConnectOptions,
    tx_depth: AtomicU32,
    pid: i32,
    server_version: u32,
    ssl: bool,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Double quotes around an identifier, doubling the quotes inside it.
#[must_use]
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Connection {
    /// Connect with a libpq DSN (`postgresql://user@host:port/db?...` or
    /// `host=... dbname=...`), TLS settings included (see [`crate::tls`]).
    pub async fn connect(dsn: &str, options: ConnectOptions) -> Result<Connection> {
        Self::connect_target(&Target::parse(dsn)?, options).await
    }

    /// Connect to a parsed target.
    pub async fn connect_target(target: &Target, options: ConnectOptions) -> Result<Connection> {
        let mut config = target.config.clone();
        config.connect_timeout(options.connect_timeout);
        let described = describe_target(&config);
        let timed_out = || {
            PgError::Connection(format!(
                "cannot connect to {described}: timed out after {:?}",
                options.connect_timeout
            ))
        };
        let failed = |e: tokio_postgres::Error| match PgError::from_driver(&e, None) {
            db @ PgError::Db(_) => db,
            _ => PgError::Connection(format!(
                "cannot connect to {described}: {}",
                describe_error(&e)
            )),
        };
        let (tx, rx) = mpsc::channel(options.notification_queue.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let closed_reason = Arc::new(Mutex::new(None));
        let mut pipe = None;
        let (client, driver) = if let Some(transport) = &options.transport {
            let follower = Arc::new(crate::pipeline::Pipe::default());
            pipe = Some(Arc::clone(&follower));
            let attempt = connect_through(
                &config,
                target,
                transport,
                &follower,
                tx,
                &dropped,
                &closed_reason,
            );
            match tokio::time::timeout(options.connect_timeout, attempt).await {
                Err(_) => return Err(timed_out()),
                Ok(Err(ConnectFailure::Driver(e))) => return Err(failed(e)),
                Ok(Err(ConnectFailure::Socket(e))) => {
                    return Err(PgError::Connection(format!(
                        "cannot connect to {described}: error connecting to server: {e}"
                    )))
                }
                Ok(Ok(pair)) => pair,
            }
        } else {
            let attempt = connect_on_runtime(&config, target, tx, &dropped, &closed_reason);
            match tokio::time::timeout(options.connect_timeout, attempt).await {
                Err(_) => return Err(timed_out()),
                Ok(Err(e)) => return Err(failed(e)),
                Ok(Ok(pair)) => pair,
            }
        };
        let cancel = client.cancel_token();
        let mut conn = Connection {
            client,
            cache: Mutex::new(StatementCache {
                capacity: options.statement_cache_size,
                tick: 0,
                entries: HashMap::new(),
            }),
            cancel,
            pending_cancel: Arc::new(Mutex::new(None)),
            cancel_addr: tcp_address(&config),
            cancel_tls: None,
            notifications: tokio::sync::Mutex::new(rx),
            dropped,
            closed_reason,
            closed: AtomicBool::new(false),
            driver,
            pipe,
            options,
            tx_depth: AtomicU32::new(0),
            pid: 0,
            server_version: 0,
            ssl: false,
        };
        let first = conn
            .client
            .simple_query(
                "SELECT pg_backend_pid(), current_setting('server_version_num'), \
                 coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
            )
            .await
            .map_err(|e| conn.err(&e))?;
        if let Some(SimpleQueryMessage::Row(row)) = first
            .iter()
            .find(|m| matches!(m, SimpleQueryMessage::Row(_)))
        {
            conn.pid = row.get(0).and_then(|v| v.parse().ok()).unwrap_or(0);
            conn.server_version = row.get(1).and_then(|v| v.parse().ok()).unwrap_or(0);
            conn.ssl = row.get(2) == Some("t");
        }
        if conn.ssl {
            conn.cancel_tls.clone_from(&target.tls);
        }
        Ok(conn)
    }

    /// Whether the connection is encrypted (TLS), as the server reports it.
    #[must_use]
    pub fn is_ssl(&self) -> bool {
        self.ssl
    }

    fn err(&self, e: &tokio_postgres::Error) -> PgError {
        let reason = self
            .closed_reason
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if self.closed.load(Ordering::Relaxed) {
            return PgError::Closed(Some("closed by the application".into()));
        }
        PgError::from_driver(e, reason)
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(PgError::Closed(Some("closed by the application".into())));
        }
        Ok(())
    }

    /// The server process serving this connection (`pg_backend_pid()`).
    #[must_use]
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// `server_version_num`, e.g. 150004.
    #[must_use]
    pub fn server_version(&self) -> u32 {
        self.server_version
    }

    /// Notifications dropped because the queue was full.
    #[must_use]
    pub fn dropped_notifications(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Whether the connection was closed by the application or lost.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed) || self.client.is_closed()
    }

    /// Depth of the application's transaction blocks (0: autocommit).
    #[must_use]
    pub fn tx_depth(&self) -> u32 {
        self.tx_depth.load(Ordering::Relaxed)
    }

    /// Set by the transaction API of the binding.
    pub fn set_tx_depth(&self, depth: u32) {
        self.tx_depth.store(depth, Ordering::Relaxed);
    }

    /// `executemany` batches sent under one Sync each (0 without a transport).
    #[must_use]
    pub fn pipelined_batches(&self) -> u64 {
        self.pipe.as_ref().map_or(0, |p| p.batches_sent())
    }

    /// Prepared statements currently cached.
    #[must_use]
    pub fn cached_statements(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entries
            .len()
    }

    /// Drop every cached statement (closing them on the server).
    pub fn clear_statement_cache(&self) {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entries
            .clear();
    }

    /// Close the connection; calls running on it fail with [`PgError::Closed`].
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.clear_statement_cache();
        self.driver.abort();
    }

    /// Run `fut` within the call's timeout (or the connection's command
    /// timeout); on timeout or when dropped early, cancel it on the server.
    async fn guarded<T>(
        &self,
        timeout: Option<Duration>,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        self.check_open()?;
        self.driver.ensure_here().map_err(PgError::Interface)?;
        let pending = self
            .pending_cancel
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(p) = pending {
            let _ = p.await;
            // A cancel that reaches the backend just as its target ends stays
            // pending there and would stop the next statement; a throw-away
            // statement absorbs it (its 57014, if any, is expected).
            let _ = self.client.simple_query("SELECT 1").await;
        }
        let mut guard = CancelGuard { conn: Some(self) };
        let out = match timeout.or(self.options.command_timeout) {
            Some(limit) => match tokio::time::timeout(limit, fut).await {
                Ok(r) => r,
                Err(_) => return Err(PgError::Timeout(limit)),
            },
            None => fut.await,
        };
        guard.conn = None;
        out
    }

    /// The prepared statement of `sql`, from the cache or prepared now.
    pub async fn prepare(&self, sql: &str) -> Result<Statement> {
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(sql);
        if let Some(stmt) = cached {
            return Ok(stmt);
        }
        let stmt = self.client.prepare(sql).await.map_err(|e| self.err(&e))?;
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(sql, stmt.clone());
        Ok(stmt)
    }

    /// [`Connection::prepare`] within a timeout (cancelled on the server when it expires).
    pub async fn prepare_within(&self, sql: &str, timeout: Option<Duration>) -> Result<Statement> {
        self.guarded(timeout, self.prepare(sql)).await
    }

    /// Whether an error means a cached statement went stale (the table changed
    /// under it); outside a transaction the statement is prepared again.
    fn stale(&self, sql: &str, e: &PgError) -> bool {
        let stale = match e {
            PgError::Db(f) => {
                (f.sqlstate == "0A000" && f.message.contains("cached plan"))
                    || f.sqlstate == "26000"
            }
            _ => false,
        };
        if stale {
            self.cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entries
                .remove(sql);
        }
        stale && self.tx_depth() == 0
    }

    /// Every row of a query.
    pub async fn query(
        &self,
        sql: &str,
        params: &[Param],
        timeout: Option<Duration>,
    ) -> Result<QueryResult> {
        self.guarded(timeout, async {
            let mut retried = false;
            loop {
                let stmt = self.prepare(sql).await?;
                match self.client.query(&stmt, &refs(params)).await {
                    Ok(rows) => {
                        return Ok(QueryResult {
                            statement: stmt,
                            rows,
                        })
                    }
                    Err(e) => {
                        let e = self.err(&e);
                        if retried || !self.stale(sql, &e) {
                            return Err(e);
                        }
                        retried = true;
                    }
                }
            }
        })
        .await
    }

    /// The first row of a query (the rest is not kept in memory).
    pub async fn query_first(
        &self,
        sql: &str,
        params: &[Param],
        timeout: Option<Duration>,
    ) -> Result<(Statement, Option<Row>)> {
        self.guarded(timeout, async {
            let mut retried = false;
            loop {
                let stmt = self.prepare(sql).await?;
                match self.first_row(&stmt, params).await {
                    Ok(first) => return Ok((stmt, first)),
                    Err(e) => {
                        let e = self.err(&e);
                        if retried || !self.stale(sql, &e) {
                            return Err(e);
                        }
                        retried = true;
                    }
                }
            }
        })
        .await
    }

    async fn first_row(
        &self,
        stmt: &Statement,
        params: &[Param],
    ) -> Result<Option<Row>, tokio_postgres::Error> {
        let stream = self.client.query_raw(stmt, params.iter()).await?;
        let mut stream = pin!(stream);
        let first = stream.try_next().await?;
        if first.is_some() {
            // Drain the rest so the statement's work completes before we return.
            while stream.try_next().await?.is_some() {}
        }
        Ok(first)
    }

    /// Run a command; returns its status (`INSERT 0 1`). Without arguments the
    /// text may hold several `;`-separated statements (simple protocol).
    pub async fn execute(
        &self,
        sql: &str,
        params: &[Param],
        timeout: Option<Duration>,
    ) -> Result<String> {
        self.guarded(timeout, async {
            if params.is_empty() {
                let stream = self
                    .client
                    .simple_query_raw(sql)
                    .await
                    .map_err(|e| self.err(&e))?;
                let mut stream = pin!(stream);
                let mut rows = 0;
                while let Some(msg) = stream.try_next().await.map_err(|e| self.err(&e))? {
                    if let SimpleQueryMessage::CommandComplete(n) = msg {
                        rows = n;
                    }
                }
                return Ok(command_status(sql, rows));
            }
            let stmt = self.prepare(sql).await?;
            let rows = self
                .client
                .execute(&stmt, &refs(params))
                .await
                .map_err(|e| self.err(&e))?;
            Ok(command_status(sql, rows))
        })
        .await
    }

    /// Run a statement without caching it (cursor declarations, one-off DDL).
    pub async fn execute_uncached(
        &self,
        sql: &str,
        params: &[Param],
        timeout: Option<Duration>,
    ) -> Result<u64> {
        self.guarded(timeout, async {
            let stmt = self.client.prepare(sql).await.map_err(|e| self.err(&e))?;
            self.client
                .execute(&stmt, &refs(params))
                .await
                .map_err(|e| self.err(&e))
        })
        .await
    }

    /// Run a statement once per argument list. Outside a transaction block
    /// it is atomic: all rows or none. A plain `INSERT ... VALUES ($1, ...)`
    /// goes as one statement over column arrays (see [`crate::batch`]); other
    /// statements, and a batch the server refuses, run row by row, pipelined,
    /// so that an error names the argument list that caused it.
    pub async fn executemany(
        &self,
        sql: &str,
        rows: &[Vec<Param>],
        timeout: Option<Duration>,
    ) -> Result<u64> {
        self.guarded(timeout, async {
            if rows.len() > 1 {
                if let Some(shape) = crate::batch::insert_shape(sql) {
                    if let Some(n) = self.insert_batch(sql, &shape, rows).await? {
                        return Ok(n);
                    }
                }
            }
            match &self.pipe {
                Some(pipe) if pipe.installed() => self.execute_pipelined(pipe, sql, rows).await,
                _ => self.execute_rows(sql, rows).await,
            }
        })
        .await
    }

    /// `executemany` as batches of executions under one Sync each (see
    /// [`crate::pipeline`]). One batch (up to 1 MiB of arguments) is atomic by
    /// itself outside a transaction block; more run inside a block of their
    /// own. Inside the application's transaction an error aborts it, as a
    /// failed statement does. An error names the argument list (`row`).
    async fn execute_pipelined(
        &self,
        pipe: &Arc<crate::pipeline::Pipe>,
        sql: &str,
        rows: &[Vec<Param>],
    ) -> Result<u64> {
        let stmt = self.prepare(sql).await?;
        let types = stmt.params();
        let mut start = 0;
        let mut total = 0;
        let mut began = false;
        let outcome = async {
            while start < rows.len() {
                let (batch, end) = crate::pipeline::encode_batch(sql, types, rows, start)?;
                if start == 0 && end < rows.len() && self.tx_depth() == 0 {
                    self.client
                        .batch_execute("BEGIN")
                        .await
                        .map_err(|e| self.err(&e))?;
                    began = true;
                }
                let sent = Sent {
                    pipe,
                    id: pipe.register(batch),
                };
                let ran = self
                    .client
                    .batch_execute(&crate::pipeline::marker(sent.id))
                    .await;
                let done = pipe.take(sent.id);
                ran.map_err(|e| self.err(&e))?;
                if let Some(mut fields) = done.error {
                    fields.row = Some(start + done.executed);
                    return Err(PgError::Db(Box::new(fields)));
                }
                if !done.done {
                    return Err(PgError::Interface(
                        "the server's answer to an executemany batch was lost".into(),
                    ));
                }
                total += done.affected;
                start = end;
            }
            Ok(total)
        }
        .await;
        if began {
            let end = if outcome.is_ok() {
                "COMMIT"
            } else {
                "ROLLBACK"
            };
            let ended = self.client.batch_execute(end).await;
            if outcome.is_ok() {
                ended.map_err(|e| self.err(&e))?;
            }
        }
        outcome
    }

    /// The one-statement insert of every row, or `None` when it does not apply
    /// or the server refused it (nothing was applied; the caller then runs the
    /// rows one by one to find the failing one).
    async fn insert_batch(
        &self,
        sql: &str,
        shape: &crate::batch::InsertShape<'_>,
        rows: &[Vec<Param>],
    ) -> Result<Option<u64>> {
        let stmt = self.prepare(sql).await?;
        let types = stmt.params();
        let unfit = types.len() != shape.params
            || types
                .iter()
                .any(|t| matches!(t.kind(), Kind::Array(_) | Kind::Pseudo) || *t == Type::UNKNOWN)
            || rows
                .iter()
                .any(|r| r.len() != types.len() || r.iter().any(|p| matches!(p, Param::Array(_))));
        if unfit {
            return Ok(None);
        }
        let arrays = types
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!(
                    "${}::{}.{}[]",
                    i + 1,
                    quote_ident(t.schema()),
                    quote_ident(t.name())
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let batch_sql = format!(
            "{} SELECT * FROM unnest({arrays}) {}",
            shape.head, shape.tail
        );
        let columns: Vec<ParamColumn<'_>> = (0..types.len())
            .map(|index| ParamColumn { rows, index })
            .collect();
        let args: Vec<&(dyn ToSql + Sync)> =
            columns.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
        let refused = |e: &PgError| matches!(e, PgError::Db(_) | PgError::Argument { .. });
        if self.tx_depth() == 0 {
            // One statement: atomic by itself.
            let outcome = match self.prepare(&batch_sql).await {
                Ok(batch) => self
                    .client
                    .execute(&batch, &args)
                    .await
                    .map_err(|e| self.err(&e)),
                Err(e) => Err(e),
            };
            return match outcome {
                Ok(n) => Ok(Some(n)),
                Err(e) if refused(&e) => {
                    self.forget(&batch_sql);
                    Ok(None)
                }
                Err(e) => Err(e),
            };
        }
        // Inside the application's transaction a failed statement would abort
        // it: the batch runs under a savepoint (sent in the same round trip).
        let (saved, prepared) = futures::join!(
            self.client.batch_execute("SAVEPOINT ouroboros_executemany"),
            self.prepare(&batch_sql)
        );
        saved.map_err(|e| self.err(&e))?;
        let outcome = match prepared {
            Ok(batch) => {
                let (done, released) = futures::join!(
                    self.client.execute(&batch, &args),
                    self.client
                        .batch_execute("RELEASE SAVEPOINT ouroboros_executemany")
                );
                done.and_then(|n| released.map(|()| n))
                    .map_err(|e| self.err(&e))
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(n) => Ok(Some(n)),
            Err(e) if refused(&e) => {
                self.forget(&batch_sql);
                self.client
                    .batch_execute(
                        "ROLLBACK TO SAVEPOINT ouroboros_executemany; \
                         RELEASE SAVEPOINT ouroboros_executemany",
                    )
                    .await
                    .map_err(|e| self.err(&e))?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Drop one statement from the cache.
    fn forget(&self, sql: &str) {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entries
            .remove(sql);
    }

    /// `executemany` row by row: every execution pipelined (at most
    /// [`PIPELINE_WINDOW`] in flight), in a block of its own outside a
    /// transaction; an error names the argument list (`row`).
    async fn execute_rows(&self, sql: &str, rows: &[Vec<Param>]) -> Result<u64> {
        let stmt = self.prepare(sql).await?;
        let implicit = self.tx_depth() == 0;
        if implicit {
            self.client
                .batch_execute("BEGIN")
                .await
                .map_err(|e| self.err(&e))?;
        }
        let mut inflight = futures::stream::FuturesOrdered::new();
        let mut outcome: Result<u64> = Ok(0);
        let mut settle = |done: (usize, Result<u64, tokio_postgres::Error>)| match done {
            (_, Ok(n)) => {
                if let Ok(t) = outcome.as_mut() {
                    *t += n;
                }
                true
            }
            (row, Err(e)) => {
                outcome = Err(self.err(&e).in_row(row));
                false
            }
        };
        let mut failed = false;
        for (i, row) in rows.iter().enumerate() {
            if inflight.len() >= PIPELINE_WINDOW {
                if let Some(done) = inflight.next().await {
                    if !settle(done) {
                        failed = true;
                        break;
                    }
                }
            }
            inflight.push_back(execute_one(&self.client, &stmt, i, row));
        }
        if !failed {
            while let Some(done) = inflight.next().await {
                if !settle(done) {
                    break;
                }
            }
        }
        drop(inflight);
        match outcome {
            Ok(total) => {
                if implicit {
                    self.client
                        .batch_execute("COMMIT")
                        .await
                        .map_err(|e| self.err(&e))?;
                }
                Ok(total)
            }
            Err(err) => {
                if implicit && !self.client.is_closed() {
                    let _ = self.client.batch_execute("ROLLBACK").await;
                }
                Err(err)
            }
        }
    }

    /// `COPY table (columns) FROM STDIN` in binary, one row per argument list.
    /// Column types come from the table itself.
    pub async fn copy_rows_in(
        &self,
        table: &str,
        columns: &[String],
        rows: &[Vec<Param>],
        timeout: Option<Duration>,
    ) -> Result<u64> {
        self.guarded(timeout, async {
            let cols = if columns.is_empty() {
                "*".to_owned()
            } else {
                columns
                    .iter()
                    .map(|c| quote_ident(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let probe = self
                .prepare(&format!("SELECT {cols} FROM {table} LIMIT 0"))
                .await?;
            let types: Vec<Type> = probe.columns().iter().map(|c| c.type_().clone()).collect();
            let names = probe
                .columns()
                .iter()
                .map(|c| quote_ident(c.name()))
                .collect::<Vec<_>>()
                .join(", ");
            // The COPY statement is prepared once per connection like any other.
            let copy_sql = format!("COPY {table} ({names}) FROM STDIN (FORMAT binary)");
            let copy = self.prepare(&copy_sql).await?;
            let sink = match self.client.copy_in::<_, bytes::Bytes>(&copy).await {
                Ok(sink) => sink,
                Err(e) => {
                    self.forget(&copy_sql);
                    return Err(self.err(&e));
                }
            };
            let mut sink = pin!(sink);
            // The binary COPY format written here rather than with
            // tokio-postgres's BinaryCopyInWriter: that one sends a message
            // every 4 KiB, and each is a separate write the server has to
            // wake up for; this sends COPY_CHUNK bytes at a time (bounded).
            let mut buf = bytes::BytesMut::with_capacity(COPY_CHUNK + 1024);
            buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0");
            for (i, row) in rows.iter().enumerate() {
                if row.len() != types.len() {
                    return Err(PgError::Interface(format!(
                        "record {i} has {} values, the table copy expects {} ({names})",
                        row.len(),
                        types.len()
                    )));
                }
                encode_copy_row(&mut buf, row, &types).map_err(|e| e.in_row(i))?;
                if buf.len() >= COPY_CHUNK {
                    let chunk = buf.split().freeze();
                    sink.send(chunk).await.map_err(|e| self.err(&e))?;
                }
            }
            buf.extend_from_slice(&(-1i16).to_be_bytes());
            sink.send(buf.freeze()).await.map_err(|e| self.err(&e))?;
            sink.as_mut().finish().await.map_err(|e| self.err(&e))
        })
        .await
    }

    /// `COPY ... FROM STDIN` fed from bytes or a file, read in 64 KiB chunks.
    pub async fn copy_in_source(
        &self,
        copy_sql: &str,
        source: CopySource,
        timeout: Option<Duration>,
    ) -> Result<u64> {
        self.guarded(timeout, async {
            let sink = self
                .client
                .copy_in::<_, bytes::Bytes>(copy_sql)
                .await
                .map_err(|e| self.err(&e))?;
            let mut sink = pin!(sink);
            match source {
                CopySource::Bytes(data) => {
                    sink.send(bytes::Bytes::from(data))
                        .await
                        .map_err(|e| self.err(&e))?;
                }
                CopySource::Path(path) => {
                    let mut file = tokio::fs::File::open(&path)
                        .await
                        .map_err(|e| PgError::Interface(format!("cannot open {path}: {e}")))?;
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = file
                            .read(&mut buf)
                            .await
                            .map_err(|e| PgError::Interface(format!("cannot read {path}: {e}")))?;
                        if n == 0 {
                            break;
                        }
                        sink.send(bytes::Bytes::copy_from_slice(&buf[..n]))
                            .await
                            .map_err(|e| self.err(&e))?;
                    }
                }
            }
            sink.as_mut().finish().await.map_err(|e| self.err(&e))
        })
        .await
    }

    /// `COPY ... TO STDOUT` into a file (streamed) or into memory; returns
    /// (bytes, newlines, data kept in memory).
    pub async fn copy_out(
        &self,
        copy_sql: &str,
        path: Option<&str>,
        timeout: Option<Duration>,
    ) -> Result<(u64, u64, Vec<u8>)> {
        self.guarded(timeout, async {
            let stream = self
                .client
                .copy_out(copy_sql)
                .await
                .map_err(|e| self.err(&e))?;
            let mut stream = pin!(stream);
            let mut data = Vec::new();
            let mut file = match path {
                Some(p) => Some(
                    tokio::fs::File::create(p)
                        .await
                        .map_err(|e| PgError::Interface(format!("cannot create {p}: {e}")))?,
                ),
                None => None,
            };
            let (mut total, mut lines) = (0u64, 0u64);
            while let Some(chunk) = stream.try_next().await.map_err(|e| self.err(&e))? {
                total += chunk.len() as u64;
                // One pass over a chunk already in cache; a SIMD byte counter is not worth a dependency here.
                #[allow(clippy::naive_bytecount)]
                let newlines = chunk.iter().filter(|b| **b == b'\n').count();
                lines += newlines as u64;
                match file.as_mut() {
                    Some(f) => f.write_all(&chunk).await.map_err(|e| {
                        PgError::Interface(format!("cannot write the COPY output: {e}"))
                    })?,
                    None => data.extend_from_slice(&chunk),
                }
            }
            if let Some(mut f) = file {
                f.flush().await.map_err(|e| {
                    PgError::Interface(format!("cannot write the COPY output: {e}"))
                })?;
            }
            Ok((total, lines, data))
        })
        .await
    }

    /// Wait for the next notification; `None` once the connection is gone.
    pub async fn next_notification(&self) -> Option<Notification> {
        self.driver.ensure_here().ok()?;
        self.notifications.lock().await.recv().await
    }
}

/// A registered batch, forgotten if the call is dropped before its answer.
struct Sent<'a> {
    pipe: &'a crate::pipeline::Pipe,
    id: u64,
}

impl Drop for Sent<'_> {
    fn drop(&mut self) {
        self.pipe.take(self.id);
    }
}

async fn execute_one(
    client: &Client,
    stmt: &Statement,
    index: usize,
    row: &[Param],
) -> (usize, Result<u64, tokio_postgres::Error>) {
    (index, client.execute(stmt, &refs(row)).await)
}

/// The connection's I/O future: route notifications to the queue (bounded;
/// overflow counted), remember why the connection ended.
async fn driver_future<S, T>(
    mut connection: tokio_postgres::Connection<S, T>,
    tx: mpsc::Sender<Notification>,
    dropped: Arc<AtomicU64>,
    reason: Arc<Mutex<Option<String>>>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    loop {
        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notification(n))) => {
                let n = Notification {
                    pid: n.process_id(),
                    channel: n.channel().to_owned(),
                    payload: n.payload().to_owned(),
                };
                if tx.try_send(n).is_err() {
                    dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                let text = match e.as_db_error() {
                    Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
                    None => e.to_string(),
                };
                *reason
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(text);
                break;
            }
            None => break,
        }
    }
}

/// Connect with the runtime's own sockets; the I/O future runs as a tokio task.
async fn connect_on_runtime(
    config: &Config,
    target: &Target,
    tx: mpsc::Sender<Notification>,
    dropped: &Arc<AtomicU64>,
    reason: &Arc<Mutex<Option<String>>>,
) -> std::result::Result<(Client, Box<dyn Driver>), tokio_postgres::Error> {
    Ok(match &target.tls {
        None => {
            let (client, connection) = config.connect(NoTls).await?;
            let fut = driver_future(connection, tx, dropped.clone(), reason.clone());
            (client, Box::new(tokio::spawn(fut)))
        }
        Some(tls) => {
            let (client, connection) = config.connect(tls.clone()).await?;
            let fut = driver_future(connection, tx, dropped.clone(), reason.clone());
            (client, Box::new(tokio::spawn(fut)))
        }
    })
}

/// Why connecting through a [`crate::transport::Transport`] failed.
enum ConnectFailure {
    Socket(std::io::Error),
    Driver(tokio_postgres::Error),
}

/// Open the socket on the runtime, hand it to `transport`, run the startup
/// handshake over the wrapped socket; each host of the DSN in turn.
async fn connect_through(
    config: &Config,
    target: &Target,
    transport: &TransportRef,
    pipe: &Arc<crate::pipeline::Pipe>,
    tx: mpsc::Sender<Notification>,
    dropped: &Arc<AtomicU64>,
    reason: &Arc<Mutex<Option<String>>>,
) -> std::result::Result<(Client, Box<dyn Driver>), ConnectFailure> {
    let hosts = config.get_hosts();
    let ports = config.get_ports();
    let mut last = ConnectFailure::Socket(std::io::Error::other("the DSN names no host"));
    for (i, host) in hosts.iter().enumerate() {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let (plain, name) = match host {
            tokio_postgres::config::Host::Tcp(h) => {
                match tokio::net::TcpStream::connect((h.as_str(), port)).await {
                    Ok(s) => {
                        let _ = s.set_nodelay(true);
                        match s.into_std() {
                            Ok(s) => (PlainSocket::Tcp(s), h.clone()),
                            Err(e) => {
                                last = ConnectFailure::Socket(e);
                                continue;
                            }
                        }
                    }
                    Err(e) => {
                        last = ConnectFailure::Socket(e);
                        continue;
                    }
                }
            }
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(dir) => {
                let path = dir.join(format!(".s.PGSQL.{port}"));
                match tokio::net::UnixStream::connect(&path)
                    .await
                    .and_then(tokio::net::UnixStream::into_std)
                {
                    Ok(s) => (PlainSocket::Unix(s), String::new()),
                    Err(e) => {
                        last = ConnectFailure::Socket(e);
                        continue;
                    }
                }
            }
        };
        let (socket, wrapped) = match transport.0.wrap(plain) {
            Ok(s) => s,
            Err(e) => return Err(ConnectFailure::Socket(e)),
        };
        // The established connection's I/O future goes to the transport.
        macro_rules! started {
            () => {
                |(client, connection)| {
                    let fut =
                        driver_future(connection, tx.clone(), dropped.clone(), reason.clone());
                    (client, transport.0.run_driver(Box::pin(fut), wrapped))
                }
            };
        }
        let outcome = match &target.tls {
            None => {
                let socket = crate::pipeline::PipeStream::new(socket, Arc::clone(pipe));
                config.connect_raw(socket, NoTls).await.map(started!())
            }
            Some(tls) => {
                let socket = crate::pipeline::PipeStream::probing(socket, Arc::clone(pipe));
                let mut make = tls.clone();
                let connector = match tokio_postgres::tls::MakeTlsConnect::<
                    crate::pipeline::PipeStream<crate::transport::BoxSocket>,
                >::make_tls_connect(&mut make, &name)
                {
                    Ok(c) => c,
                    Err(e) => return Err(ConnectFailure::Socket(std::io::Error::other(e))),
                };
                let connector = crate::pipeline::PipeConnect {
                    inner: connector,
                    pipe: Arc::clone(pipe),
                };
                config.connect_raw(socket, connector).await.map(started!())
            }
        };
        match outcome {
            Ok(pair) => return Ok(pair),
            Err(e) => last = ConnectFailure::Driver(e),
        }
    }
    Err(last)
}

/// A driver error with its causes (a TLS failure says why the certificate was refused).
fn describe_error(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// Where `COPY ... FROM STDIN` reads.
pub enum CopySource {
    Bytes(Vec<u8>),
    Path(String),
}

fn tcp_address(config: &Config) -> Option<(String, u16)> {
    match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => Some((
            h.clone(),
            config.get_ports().first().copied().unwrap_or(5432),
        )),
        _ => None,
    }
}

fn describe_target(config: &Config) -> String {
    let host = config.get_hosts().first().map_or_else(
        || "localhost".to_owned(),
        |h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        },
    );
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}
