//! The engine of ouroboros-kv: one key-value API over three backends.
//!
//! - `file:///path` — redb on disk: ACID transactions, one writer and many
//!   readers across threads, crash-safe commits ([`embedded`]).
//! - `memory://` — the same redb engine on an in-memory backend, for tests
//!   and caches that need no persistence ([`embedded`]).
//! - `redis://`, `rediss://`, `redis+cluster://` — Redis or Redis Cluster
//!   through redis-rs, with a small pool of multiplexed connections
//!   ([`redis_store`]).
//!
//! Keys and values are bytes here; namespaces are key prefixes chosen by the
//! caller and values are encoded by the binding crate. TTLs are milliseconds,
//! already validated (`1..=MAX_TTL_MS`) by [`ttl_from_secs`].

pub mod embedded;
pub mod error;
pub mod redis_store;

use std::sync::Arc;

pub use embedded::Embedded;
pub use error::{KvError, Result};
pub use redis_store::RedisStore;

/// The longest TTL accepted: 100 years, far below what either backend's
/// millisecond counters can hold.
pub const MAX_TTL_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// The longest key accepted (bytes, namespace prefix included).
pub const MAX_KEY_LEN: usize = 64 * 1024;

/// When a `set` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetMode {
    /// Always (plain `SET`).
    #[default]
    Always,
    /// Only when the key does not exist (`NX`).
    IfAbsent,
    /// Only when the key exists (`XX`).
    IfPresent,
}

/// Options of one `set`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SetOptions {
    /// Expire after this many milliseconds; `None` keeps the key forever.
    pub ttl_ms: Option<u64>,
    /// NX / XX.
    pub mode: SetMode,
}

/// The remaining life of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// No such key (or it expired).
    Missing,
    /// The key never expires.
    Persistent,
    /// Milliseconds left.
    Millis(u64),
}

/// One operation of an atomic batch.
#[derive(Debug, Clone)]
pub enum BatchOp {
    Set {
        key: Vec<u8>,
        value: Vec<u8>,
        opts: SetOptions,
    },
    Delete {
        key: Vec<u8>,
    },
    Incr {
        key: Vec<u8>,
        by: i64,
    },
    Expire {
        key: Vec<u8>,
        ttl_ms: Option<u64>,
    },
}

/// The result of one batch operation: `set`/`delete`/`expire` say whether
/// they changed something, `incr` gives the new value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchResult {
    Bool(bool),
    Int(i64),
}

/// One page of a prefix scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Full keys (namespace prefix included).
    pub keys: Vec<Vec<u8>>,
    /// Pass back to get the next page; `None` when the scan is complete.
    pub cursor: Option<Vec<u8>>,
}

/// Validate a TTL given in seconds and convert it to whole milliseconds.
///
/// Sub-millisecond TTLs round up to 1 ms, so a positive TTL never means
/// "expire immediately" or "never".
pub fn ttl_from_secs(name: &str, secs: f64) -> Result<u64> {
    if !secs.is_finite() {
        return Err(KvError::invalid(
            name,
            format!("must be a finite number of seconds, got {secs}"),
        ));
    }
    if secs <= 0.0 {
        return Err(KvError::invalid(
            name,
            format!("must be positive, got {secs}"),
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let max = MAX_TTL_MS as f64 / 1000.0;
    if secs > max {
        return Err(KvError::invalid(
            name,
            format!("must be at most {max} seconds (100 years), got {secs}"),
        ));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ms = (secs * 1000.0).ceil() as u64;
    Ok(ms.max(1))
}

/// Check a full key (prefix included) before it reaches a backend.
pub fn check_key(key: &[u8]) -> Result<()> {
    if key.is_empty() {
        return Err(KvError::invalid("key", "must not be empty"));
    }
    if key.len() > MAX_KEY_LEN {
        return Err(KvError::invalid(
            "key",
            format!("is {} bytes long; the limit is {MAX_KEY_LEN}", key.len()),
        ));
    }
    Ok(())
}

/// A store: embedded (file or memory) or Redis.
#[derive(Clone)]
pub enum Store {
    Embedded(Arc<Embedded>),
    Redis(Arc<RedisStore>),
}

/// Run an embedded operation. It runs inline: the caller decides the
/// thread (the Python binding moves commits that wait for `fsync` off the
/// event loop); from async Rust, wrap file-store writes in `spawn_blocking`.
#[allow(clippy::unused_async)]
async fn local<T, F>(store: &Arc<Embedded>, f: F) -> Result<T>
where
    F: FnOnce(&Embedded) -> Result<T>,
{
    f(store)
}

macro_rules! dispatch {
    ($self:ident, |$e:ident| $local:expr, |$r:ident| $remote:expr) => {
        match $self {
            Store::Embedded(store) => local(store, move |$e: &Embedded| $local).await,
            Store::Redis($r) => $remote.await,
        }
    };
}

impl Store {
    /// Open a store by URL: `file:///path`, `memory://`, `redis://host:port/db`,
    /// `rediss://...`, `redis+cluster://host1:port1,host2:port2`.
    ///
    /// Embedded stores open now (a second process gets
    /// [`KvError::StoreLocked`]); Redis connects on first use.
    pub fn open(url: &str) -> Result<Self> {
        if url.starts_with("memory:") || url.starts_with("file:") {
            Ok(Self::Embedded(Embedded::open_url(url)?))
        } else if url.starts_with("redis:")
            || url.starts_with("rediss:")
            || url.starts_with("redis+cluster:")
            || url.starts_with("rediss+cluster:")
        {
            Ok(Self::Redis(Arc::new(RedisStore::from_url(url)?)))
        } else {
            Err(KvError::invalid(
                "url",
                format!(
                    "unknown scheme in {:?}; expected file:///path, memory://, redis://host:port \
                     or redis+cluster://host:port,...",
                    url.split("://").next().unwrap_or(url)
                ),
            ))
        }
    }

    /// The URL to show in messages (no password).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Store::Embedded(e) => e.describe().to_owned(),
            Store::Redis(r) => r.describe().to_owned(),
        }
    }

    pub async fn get(&self, key: Vec<u8>) -> Result<Option<Vec<u8>>> {
        dispatch!(self, |e| e.get(&key), |r| r.get(&key))
    }

    pub async fn set(&self, key: Vec<u8>, value: Vec<u8>, opts: SetOptions) -> Result<bool> {
        dispatch!(self, |e| e.set(&key, &value, opts), |r| r
            .set(&key, &value, opts))
    }

    pub async fn delete_many(&self, keys: Vec<Vec<u8>>) -> Result<u64> {
        dispatch!(self, |e| e.delete_many(&keys), |r| r.delete_many(&keys))
    }

    pub async fn exists(&self, key: Vec<u8>) -> Result<bool> {
        dispatch!(self, |e| e.exists(&key), |r| r.exists(&key))
    }

    pub async fn incr(&self, key: Vec<u8>, by: i64) -> Result<i64> {
        dispatch!(self, |e| e.incr(&key, by), |r| r.incr(&key, by))
    }

    pub async fn compare_and_swap(
        &self,
        key: Vec<u8>,
        expected: Option<Vec<u8>>,
        new: Vec<u8>,
        ttl_ms: Option<u64>,
    ) -> Result<bool> {
        dispatch!(
            self,
            |e| e.compare_and_swap(&key, expected.as_deref(), &new, ttl_ms),
            |r| r.compare_and_swap(&key, expected.as_deref(), &new, ttl_ms)
        )
    }

    pub async fn get_many(&self, keys: Vec<Vec<u8>>) -> Result<Vec<Option<Vec<u8>>>> {
        dispatch!(self, |e| e.get_many(&keys), |r| r.get_many(&keys))
    }

    pub async fn set_many(
        &self,
        items: Vec<(Vec<u8>, Vec<u8>)>,
        ttl_ms: Option<u64>,
    ) -> Result<()> {
        dispatch!(self, |e| e.set_many(&items, ttl_ms), |r| r
            .set_many(&items, ttl_ms))
    }

    pub async fn scan(
        &self,
        prefix: Vec<u8>,
        cursor: Option<Vec<u8>>,
        limit: usize,
    ) -> Result<Page> {
        dispatch!(self, |e| e.scan(&prefix, cursor.as_deref(), limit), |r| r
            .scan(&prefix, cursor.as_deref(), limit))
    }

    pub async fn expire(&self, key: Vec<u8>, ttl_ms: Option<u64>) -> Result<bool> {
        dispatch!(self, |e| e.expire(&key, ttl_ms), |r| r.expire(&key, ttl_ms))
    }

    pub async fn ttl(&self, key: Vec<u8>) -> Result<Ttl> {
        dispatch!(self, |e| e.ttl(&key), |r| r.ttl(&key))
    }

    pub async fn batch(&self, ops: Vec<BatchOp>) -> Result<Vec<BatchResult>> {
        dispatch!(self, |e| e.batch(&ops), |r| r.batch(&ops))
    }

    /// Take the lock `lock_key` for `owner` if it is free; returns the fencing
    /// token (one more than the previous holder's, kept under `fence_key`).
    pub async fn lock_acquire(
        &self,
        lock_key: Vec<u8>,
        fence_key: Vec<u8>,
        owner: Vec<u8>,
        ttl_ms: u64,
    ) -> Result<Option<i64>> {
        dispatch!(
            self,
            |e| e.lock_acquire(&lock_key, &fence_key, &owner, ttl_ms),
            |r| r.lock_acquire(&lock_key, &fence_key, &owner, ttl_ms)
        )
    }

    /// Release the lock if `owner` still holds it.
    pub async fn lock_release(&self, lock_key: Vec<u8>, owner: Vec<u8>) -> Result<bool> {
        dispatch!(self, |e| e.lock_release(&lock_key, &owner), |r| r
            .lock_release(&lock_key, &owner))
    }

    /// Extend the lease if `owner` still holds the lock.
    pub async fn lock_extend(
        &self,
        lock_key: Vec<u8>,
        owner: Vec<u8>,
        ttl_ms: u64,
    ) -> Result<bool> {
        dispatch!(self, |e| e.lock_extend(&lock_key, &owner, ttl_ms), |r| r
            .lock_extend(&lock_key, &owner, ttl_ms))
    }
}
