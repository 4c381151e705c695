//! The Redis backend: redis-rs on tokio.
//!
//! A single server is reached through a small pool of `ConnectionManager`s
//! (each one multiplexed and reconnecting), picked round-robin: concurrent
//! commands from many tasks share a few sockets and are pipelined on them.
//! Redis Cluster (`redis+cluster://h1:p1,h2:p2`) uses redis-rs's cluster
//! connection, which routes each key to its slot.
//!
//! The sync API (`SyncKV`) on a single server talks on the caller's own
//! thread: [`RedisStore::direct`] runs an operation with blocking sockets
//! taken from a second small pool, so a call costs the round trip and no
//! hand-off to the runtime's threads and back (the two thread wake-ups that
//! made a sync GET slower than redis-py's). When every direct connection is
//! busy the call takes the multiplexed path instead, so the number of
//! sockets stays bounded however many threads call.
//!
//! Multi-key atomic steps (compare-and-swap, locks) are Lua scripts, so they
//! are atomic on the server without WATCH (which a multiplexed connection
//! cannot hold). Lock keys carry a `{hash tag}` so a lock and its fencing
//! counter live in one cluster slot.

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, RedisError, RedisFuture, Script, Value};
use tokio::sync::OnceCell;

use crate::{BatchOp, BatchResult, KvError, Page, Result, SetMode, SetOptions, Ttl};

const DEFAULT_POOL_SIZE: usize = 4;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

const CAS_SCRIPT: &str = r"
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1
";

const LOCK_ACQUIRE_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return token
";

const LOCK_RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

const LOCK_EXTEND_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

enum Target {
    Single(redis::Client),
    Cluster(Box<ClusterClient>),
}

enum Conns {
    Pool(Vec<ConnectionManager>),
    Cluster(ClusterConnection),
}

/// Most blocking connections of the direct path open at once.
const MAX_DIRECT: usize = 16;

thread_local! {
    /// Set while [`RedisStore::direct`] runs an operation on this thread.
    static DIRECT: Cell<bool> = const { Cell::new(false) };
}

/// The blocking connections of the direct path.
#[derive(Default)]
struct DirectPool {
    idle: Vec<redis::Connection>,
    /// Open connections, idle or in use.
    open: usize,
}

/// A blocking connection lent to one operation; back to the pool on drop
/// unless it broke (an I/O error or a timeout may leave a reply unread).
struct Lent<'a> {
    conn: Option<redis::Connection>,
    broken: bool,
    pool: &'a Mutex<DirectPool>,
}

impl Lent<'_> {
    fn check<T>(&mut self, out: redis::RedisResult<T>) -> redis::RedisResult<T> {
        if let Err(e) = &out {
            self.broken |= e.is_io_error() || e.is_timeout() || e.is_unrecoverable_error();
        }
        out
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let mut pool = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match self.conn.take() {
            Some(c) if !self.broken && redis::ConnectionLike::is_open(&c) => pool.idle.push(c),
            _ => pool.open -= 1,
        }
    }
}

fn closed() -> RedisError {
    RedisError::from(std::io::Error::from(std::io::ErrorKind::NotConnected))
}

/// One connection handle.
enum Conn<'a> {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
    /// A blocking socket used on the calling thread (the future is ready
    /// when first polled).
    Direct(Lent<'a>),
}

impl ConnectionLike for Conn<'_> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
            Conn::Direct(lent) => {
                let out = match lent.conn.as_mut() {
                    Some(c) => {
                        redis::ConnectionLike::req_packed_command(c, &cmd.get_packed_command())
                    }
                    None => Err(closed()),
                };
                Box::pin(std::future::ready(lent.check(out)))
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Direct(lent) => {
                let out = match lent.conn.as_mut() {
                    Some(c) => redis::ConnectionLike::req_packed_commands(
                        c,
                        &cmd.get_packed_pipeline(),
                        offset,
                        count,
                    ),
                    None => Err(closed()),
                };
                Box::pin(std::future::ready(lent.check(out)))
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
            Conn::Direct(lent) => lent.conn.as_ref().map_or(0, redis::ConnectionLike::get_db),
        }
    }
}

/// A Redis (or Redis Cluster) store.
pub struct RedisStore {
    shown: String,
    target: Target,
    pool_size: usize,
    conns: OnceCell<Conns>,
    next: AtomicUsize,
    direct: Mutex<DirectPool>,
    cas: Script,
    lock_acquire: Script,
    lock_release: Script,
    lock_extend: Script,
}

/// `redis://user:secret@host` -> `redis://user:***@host` for messages.
fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user, hosts)) => {
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{scheme}://{user}:***@{hosts}{tail}")
        }
        None => url.to_owned(),
    }
}

/// Remove our own options (`pool_size`) from the query string.
fn take_options(url: &str) -> Result<(String, usize)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), DEFAULT_POOL_SIZE));
    };
    let mut pool_size = DEFAULT_POOL_SIZE;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("pool_size", v)) => {
                pool_size = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=256).contains(n))
                    .ok_or_else(|| {
                        KvError::invalid(
                            "pool_size",
                            format!("must be an integer from 1 to 256, got {v:?}"),
                        )
                    })?;
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, pool_size))
}

impl RedisStore {
    /// Parse the URL; no I/O happens until the first command.
    pub fn from_url(url: &str) -> Result<Self> {
        let shown = hide_password(url);
        let (url, pool_size) = take_options(url)?;
        let bad = |e: RedisError| KvError::invalid("url", format!("{shown}: {e}"));
        let target = if let Some(rest) = url.strip_prefix("redis+cluster://") {
            let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
            let (authority, _) = rest.split_at(authority_end);
            let (userinfo, hosts) = match authority.rsplit_once('@') {
                Some((u, h)) => (format!("{u}@"), h),
                None => (String::new(), authority),
            };
            let nodes: Vec<String> = hosts
                .split(',')
                .filter(|h| !h.is_empty())
                .map(|h| format!("redis://{userinfo}{h}"))
                .collect();
            if nodes.is_empty() {
                return Err(KvError::invalid(
                    "url",
                    format!("{shown}: name at least one cluster node"),
                ));
            }
            let client = ClusterClient::builder(nodes)
                .connection_timeout(CONNECT_TIMEOUT)
                .response_timeout(RESPONSE_TIMEOUT)
                .build()
                .map_err(bad)?;
            Target::Cluster(Box::new(client))
        } else if url.starts_with("rediss") {
            return Err(KvError::invalid(
                "url",
                format!(
                    "{shown}: TLS (rediss://) is not built into this ouroboros-kv; use redis://"
                ),
            ));
        } else {
            Target::Single(redis::Client::open(url.as_str()).map_err(bad)?)
        };
        Ok(Self {
            shown,
            target,
            pool_size,
            conns: OnceCell::new(),
            next: AtomicUsize::new(0),
            direct: Mutex::new(DirectPool::default()),
            cas: Script::new(CAS_SCRIPT),
            lock_acquire: Script::new(LOCK_ACQUIRE_SCRIPT),
            lock_release: Script::new(LOCK_RELEASE_SCRIPT),
            lock_extend: Script::new(LOCK_EXTEND_SCRIPT),
        })
    }

    /// The URL without its password.
    #[must_use]
    pub fn describe(&self) -> &str {
        &self.shown
    }

    /// True for `redis+cluster://`.
    #[must_use]
    pub fn is_cluster(&self) -> bool {
        matches!(self.target, Target::Cluster(_))
    }

    fn err(&self, e: &RedisError) -> KvError {
        if e.is_io_error()
            || e.is_timeout()
            || e.is_connection_refusal()
            || e.is_connection_dropped()
        {
            KvError::Connection {
                url: self.shown.clone(),
                message: e.to_string(),
            }
        } else {
            let text = e.to_string();
            if text.contains("CrossSlot") || text.contains("CROSSSLOT") {
                KvError::Command {
                    url: self.shown.clone(),
                    message: format!(
                        "on Redis Cluster the keys of one batch (or multi-key call) must be in one hash \
                         slot: give them a common {{tag}}, as in \"{{cart}}items\" ({text})"
                    ),
                }
            } else if text.contains("not an integer") || text.contains("overflow") {
                KvError::NotAnInteger(format!("{text} (at {})", self.shown))
            } else {
                KvError::Command {
                    url: self.shown.clone(),
                    message: text,
                }
            }
        }
    }

    /// Run `op` on the calling thread with a blocking connection (see the
    /// module docs), blocking until it is done. Must be called inside the
    /// tokio runtime's context (`Runtime::block_on`), as the multiplexed
    /// path it falls back to needs it.
    pub fn direct<F: Future>(&self, runtime: &tokio::runtime::Runtime, op: F) -> F::Output {
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                DIRECT.with(|d| d.set(false));
            }
        }
        if self.is_cluster() {
            return runtime.block_on(op);
        }
        DIRECT.with(|d| d.set(true));
        let _reset = Reset;
        runtime.block_on(op)
    }

    /// A blocking connection for the direct path, or None when this call is
    /// not direct or every direct connection is in use.
    fn lend(&self) -> Result<Option<Lent<'_>>> {
        let Target::Single(client) = &self.target else {
            return Ok(None);
        };
        if !DIRECT.with(Cell::get) {
            return Ok(None);
        }
        {
            let mut pool = self
                .direct
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(conn) = pool.idle.pop() {
                return Ok(Some(Lent {
                    conn: Some(conn),
                    broken: false,
                    pool: &self.direct,
                }));
            }
            if pool.open >= MAX_DIRECT {
                return Ok(None);
            }
            pool.open += 1;
        }
        // Counted as open from here; a failure gives the slot back.
        let mut lent = Lent {
            conn: None,
            broken: false,
            pool: &self.direct,
        };
        let conn = client
            .get_connection_with_timeout(CONNECT_TIMEOUT)
            .map_err(|e| self.err(&e))?;
        conn.set_read_timeout(Some(RESPONSE_TIMEOUT))
            .and_then(|()| conn.set_write_timeout(Some(RESPONSE_TIMEOUT)))
            .map_err(|e| self.err(&e))?;
        lent.conn = Some(conn);
        Ok(Some(lent))
    }

    async fn conn(&self) -> Result<Conn<'_>> {
        if let Some(lent) = self.lend()? {
            return Ok(Conn::Direct(lent));
        }
        let conns = self
            .conns
            .get_or_try_init(|| async {
                match &self.target {
                    Target::Single(client) => {
                        let config = ConnectionManagerConfig::new()
                            .set_connection_timeout(Some(CONNECT_TIMEOUT))
                            .set_response_timeout(Some(RESPONSE_TIMEOUT))
                            .set_number_of_retries(2);
                        let mut pool = Vec::with_capacity(self.pool_size);
                        for _ in 0..self.pool_size {
                            let c =
                                ConnectionManager::new_with_config(client.clone(), config.clone())
                                    .await
                                    .map_err(|e| self.err(&e))?;
                            pool.push(c);
                        }
                        Ok(Conns::Pool(pool))
                    }
                    Target::Cluster(client) => {
                        let c = client
                            .get_async_connection()
                            .await
                            .map_err(|e| self.err(&e))?;
                        Ok(Conns::Cluster(c))
                    }
                }
            })
            .await?;
        Ok(match conns {
            Conns::Pool(pool) => {
                let i = self.next.fetch_add(1, Ordering::Relaxed) % pool.len();
                Conn::Single(pool[i].clone())
            }
            Conns::Cluster(c) => Conn::Cluster(c.clone()),
        })
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &Cmd) -> Result<T> {
        let mut conn = self.conn().await?;
        cmd.query_async(&mut conn).await.map_err(|e| self.err(&e))
    }

    async fn query_pipe<T: redis::FromRedisValue>(&self, pipe: &Pipeline) -> Result<T> {
        let mut conn = self.conn().await?;
        pipe.query_async(&mut conn).await.map_err(|e| self.err(&e))
    }

    pub async fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.query(redis::cmd("GET").arg(key)).await
    }

    fn set_cmd(key: &[u8], value: &[u8], opts: SetOptions) -> Cmd {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        if let Some(ms) = opts.ttl_ms {
            cmd.arg("PX").arg(ms);
        }
        match opts.mode {
            SetMode::Always => {}
            SetMode::IfAbsent => {
                cmd.arg("NX");
            }
            SetMode::IfPresent => {
                cmd.arg("XX");
            }
        }
        cmd
    }

    pub async fn set(&self, key: &[u8], value: &[u8], opts: SetOptions) -> Result<bool> {
        let reply: Value = self.query(&Self::set_cmd(key, value, opts)).await?;
        Ok(!matches!(reply, Value::Nil))
    }

    pub async fn delete_many(&self, keys: &[Vec<u8>]) -> Result<u64> {
        if keys.is_empty() {
            return Ok(0);
        }
        self.query(redis::cmd("DEL").arg(keys)).await
    }

    pub async fn exists(&self, key: &[u8]) -> Result<bool> {
        let n: i64 = self.query(redis::cmd("EXISTS").arg(key)).await?;
        Ok(n > 0)
    }

    pub async fn incr(&self, key: &[u8], by: i64) -> Result<i64> {
        self.query(redis::cmd("INCRBY").arg(key).arg(by)).await
    }

    pub async fn compare_and_swap(
        &self,
        key: &[u8],
        expected: Option<&[u8]>,
        new: &[u8],
        ttl_ms: Option<u64>,
    ) -> Result<bool> {
        let mut conn = self.conn().await?;
        let mut inv = self.cas.key(key);
        inv.arg(if expected.is_some() { "1" } else { "0" })
            .arg(expected.unwrap_or_default())
            .arg(new)
            .arg(ttl_ms.map(|t| t.to_string()).unwrap_or_default());
        let n: i64 = inv
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.err(&e))?;
        Ok(n == 1)
    }

    pub async fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.query(redis::cmd("MGET").arg(keys)).await
    }

    pub async fn set_many(&self, items: &[(Vec<u8>, Vec<u8>)], ttl_ms: Option<u64>) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        if ttl_ms.is_none() {
            let mut cmd = redis::cmd("MSET");
            for (k, v) in items {
                cmd.arg(k).arg(v);
            }
            let _: Value = self.query(&cmd).await?;
        } else if self.is_cluster() {
            // A cluster pipeline must stay in one slot: send the SETs
            // concurrently instead (each is routed to its own node).
            let opts = SetOptions {
                ttl_ms,
                mode: SetMode::Always,
            };
            let sets = items.iter().map(|(k, v)| async move {
                let _: Value = self.query(&Self::set_cmd(k, v, opts)).await?;
                Ok::<(), KvError>(())
            });
            futures::future::try_join_all(sets).await?;
        } else {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for (k, v) in items {
                pipe.add_command(Self::set_cmd(
                    k,
                    v,
                    SetOptions {
                        ttl_ms,
                        mode: SetMode::Always,
                    },
                ))
                .ignore();
            }
            let _: Value = self.query_pipe(&pipe).await?;
        }
        Ok(())
    }

    /// `SCAN` with `MATCH prefix*`. Redis may return a few more or fewer keys
    /// than `limit` per page (COUNT is a hint) and may repeat a key. On a
    /// cluster every primary's keyspace is walked in turn, each with its own
    /// cursor; the page cursor names the node and its cursor
    /// (`host:port/cursor`).
    pub async fn scan(&self, prefix: &[u8], cursor: Option<&[u8]>, limit: usize) -> Result<Page> {
        let pattern = scan_pattern(prefix);
        if self.is_cluster() {
            return self.scan_cluster(&pattern, cursor, limit).await;
        }
        // SCAN walks the whole keyspace COUNT slots at a time and returns only
        // the matches, often none: keep walking until the page has `limit`
        // keys or the walk is complete, so pages are about `limit` long.
        let mut next = cursor.unwrap_or(b"0").to_vec();
        let mut keys: Vec<Vec<u8>> = Vec::new();
        loop {
            let (cursor, found): (Vec<u8>, Vec<Vec<u8>>) =
                self.query(&scan_cmd(&next, &pattern, limit)).await?;
            keys.extend(found);
            next = cursor;
            if next == b"0" || keys.len() >= limit {
                break;
            }
        }
        Ok(Page {
            keys,
            cursor: (next != b"0").then_some(next),
        })
    }

    /// The primaries of the cluster (from `CLUSTER SLOTS`), sorted.
    async fn primaries(&self, conn: &mut ClusterConnection) -> Result<Vec<(String, u16)>> {
        let reply = conn
            .route_command(
                redis::cmd("CLUSTER").arg("SLOTS").clone(),
                RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random),
            )
            .await
            .map_err(|e| self.err(&e))?;
        let mut out = Vec::new();
        if let Value::Array(ranges) = reply {
            for range in ranges {
                let Value::Array(parts) = range else { continue };
                let Some(Value::Array(primary)) = parts.get(2) else {
                    continue;
                };
                let host = primary
                    .first()
                    .and_then(|h| redis::from_redis_value_ref::<String>(h).ok());
                let port = primary
                    .get(1)
                    .and_then(|p| redis::from_redis_value_ref::<u16>(p).ok());
                if let (Some(host), Some(port)) = (host, port) {
                    out.push((host, port));
                }
            }
        }
        out.sort();
        out.dedup();
        if out.is_empty() {
            return Err(KvError::Command {
                url: self.shown.clone(),
                message: "CLUSTER SLOTS named no primary node".into(),
            });
        }
        Ok(out)
    }

    async fn scan_cluster(
        &self,
        pattern: &[u8],
        cursor: Option<&[u8]>,
        limit: usize,
    ) -> Result<Page> {
        let Conn::Cluster(mut conn) = self.conn().await? else {
            unreachable!("scan_cluster is only called on a cluster");
        };
        let nodes = self.primaries(&mut conn).await?;
        let (mut index, mut next) = match cursor {
            None => (0, b"0".to_vec()),
            Some(c) => {
                let text = std::str::from_utf8(c).ok();
                let parsed = text.and_then(|t| {
                    let (node, cur) = t.rsplit_once('/')?;
                    let (host, port) = node.rsplit_once(':')?;
                    cur.parse::<u64>().ok()?;
                    Some((host.to_owned(), port.parse::<u16>().ok()?, cur))
                });
                let Some((host, port, cur)) = parsed else {
                    return Err(KvError::invalid(
                        "cursor",
                        format!(
                            "{:?} is not a cluster scan cursor (host:port/cursor)",
                            String::from_utf8_lossy(c)
                        ),
                    ));
                };
                // A node that left the cluster: go on with the next one in order.
                match nodes.binary_search(&(host, port)) {
                    Ok(i) => (i, cur.as_bytes().to_vec()),
                    Err(i) => (i, b"0".to_vec()),
                }
            }
        };
        let mut keys: Vec<Vec<u8>> = Vec::new();
        while index < nodes.len() && keys.len() < limit {
            let (host, port) = &nodes[index];
            let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                host: host.clone(),
                port: *port,
            });
            let reply = conn
                .route_command(scan_cmd(&next, pattern, limit), routing)
                .await
                .map_err(|e| self.err(&e))?;
            let (cursor, found): (Vec<u8>, Vec<Vec<u8>>) =
                redis::from_redis_value(reply).map_err(|e| KvError::Command {
                    url: self.shown.clone(),
                    message: format!("unexpected SCAN reply from {host}:{port}: {e}"),
                })?;
            keys.extend(found);
            if cursor == b"0" {
                index += 1;
                next = b"0".to_vec();
            } else {
                next = cursor;
            }
        }
        let cursor = nodes.get(index).map(|(host, port)| {
            format!("{host}:{port}/{}", String::from_utf8_lossy(&next)).into_bytes()
        });
        Ok(Page { keys, cursor })
    }

    pub async fn expire(&self, key: &[u8], ttl_ms: Option<u64>) -> Result<bool> {
        if let Some(ms) = ttl_ms {
            let n: i64 = self.query(redis::cmd("PEXPIRE").arg(key).arg(ms)).await?;
            Ok(n == 1)
        } else {
            let mut pipe = redis::pipe();
            pipe.cmd("PERSIST").arg(key).ignore().cmd("EXISTS").arg(key);
            let (n,): (i64,) = self.query_pipe(&pipe).await?;
            Ok(n == 1)
        }
    }

    pub async fn ttl(&self, key: &[u8]) -> Result<Ttl> {
        let ms: i64 = self.query(redis::cmd("PTTL").arg(key)).await?;
        Ok(match ms {
            -1 => Ttl::Persistent,
            ms if ms >= 0 => Ttl::Millis(u64::try_from(ms).unwrap_or(0)),
            _ => Ttl::Missing,
        })
    }

    /// MULTI/EXEC on one server (a pipeline on a cluster). Redis does not
    /// roll back: a failing command (incr of text) leaves the others applied.
    pub async fn batch(&self, ops: &[BatchOp]) -> Result<Vec<BatchResult>> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        if !self.is_cluster() {
            pipe.atomic();
        }
        for op in ops {
            match op {
                BatchOp::Set { key, value, opts } => {
                    pipe.add_command(Self::set_cmd(key, value, *opts));
                }
                BatchOp::Delete { key } => {
                    pipe.cmd("DEL").arg(key);
                }
                BatchOp::Incr { key, by } => {
                    pipe.cmd("INCRBY").arg(key).arg(*by);
                }
                BatchOp::Expire {
                    key,
                    ttl_ms: Some(ms),
                } => {
                    pipe.cmd("PEXPIRE").arg(key).arg(*ms);
                }
                BatchOp::Expire { key, ttl_ms: None } => {
                    pipe.cmd("PERSIST").arg(key).ignore().cmd("EXISTS").arg(key);
                }
            }
        }
        let replies: Vec<Value> = self.query_pipe(&pipe).await?;
        let unexpected = |v: &Value| KvError::Command {
            url: self.shown.clone(),
            message: format!("unexpected reply {v:?}"),
        };
        ops.iter()
            .zip(replies.iter())
            .map(|(op, v)| match (op, v) {
                (BatchOp::Incr { .. }, Value::Int(n)) => Ok(BatchResult::Int(*n)),
                (BatchOp::Set { .. }, v) => Ok(BatchResult::Bool(!matches!(v, Value::Nil))),
                (_, Value::Int(n)) => Ok(BatchResult::Bool(*n > 0)),
                (_, v) => Err(unexpected(v)),
            })
            .collect()
    }

    pub async fn lock_acquire(
        &self,
        lock_key: &[u8],
        fence_key: &[u8],
        owner: &[u8],
        ttl_ms: u64,
    ) -> Result<Option<i64>> {
        let mut conn = self.conn().await?;
        let mut inv = self.lock_acquire.key(lock_key);
        inv.key(fence_key).arg(owner).arg(ttl_ms);
        inv.invoke_async(&mut conn).await.map_err(|e| self.err(&e))
    }

    pub async fn lock_release(&self, lock_key: &[u8], owner: &[u8]) -> Result<bool> {
        let mut conn = self.conn().await?;
        let mut inv = self.lock_release.key(lock_key);
        inv.arg(owner);
        let n: i64 = inv
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.err(&e))?;
        Ok(n == 1)
    }

    pub async fn lock_extend(&self, lock_key: &[u8], owner: &[u8], ttl_ms: u64) -> Result<bool> {
        let mut conn = self.conn().await?;
        let mut inv = self.lock_extend.key(lock_key);
        inv.arg(owner).arg(ttl_ms);
        let n: i64 = inv
            .invoke_async(&mut conn)
            .await
            .map_err(|e| self.err(&e))?;
        Ok(n == 1)
    }
}

/// `prefix*` with the glob characters of `prefix` escaped.
fn scan_pattern(prefix: &[u8]) -> Vec<u8> {
    let mut pattern = Vec::with_capacity(prefix.len() + 1);
    for &b in prefix {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            pattern.push(b'\\');
        }
        pattern.push(b);
    }
    pattern.push(b'*');
    pattern
}

fn scan_cmd(cursor: &[u8], pattern: &[u8], limit: usize) -> Cmd {
    let mut cmd = redis::cmd("SCAN");
    cmd.arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(limit.max(100));
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            hide_password("redis://u:s3cret@h:6379/0"),
            "redis://u:***@h:6379/0"
        );
        assert_eq!(hide_password("redis://:s3cret@h"), "redis://:***@h");
        assert_eq!(hide_password("redis://h:6379"), "redis://h:6379");
    }

    #[test]
    fn pool_size_is_ours_and_checked() {
        assert_eq!(
            take_options("redis://h/0?pool_size=8").unwrap(),
            ("redis://h/0".into(), 8)
        );
        assert_eq!(
            take_options("redis://h/0?protocol=resp3&pool_size=2").unwrap(),
            ("redis://h/0?protocol=resp3".into(), 2)
        );
        assert!(matches!(
            take_options("redis://h?pool_size=0"),
            Err(KvError::InvalidArgument { .. })
        ));
    }
}
