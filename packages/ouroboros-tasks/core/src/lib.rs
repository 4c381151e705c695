//! The broker engine of ouroboros-tasks, free of Python.
//!
//! Three brokers behind one [`Broker`] type, all at-least-once:
//! - [`local`]: an embedded queue in one redb file (the default; one machine,
//!   several processes, nothing to start);
//! - [`redis_streams`]: Redis Streams with a consumer group, stuck entries
//!   claimed back after the ack wait;
//! - [`jetstream`]: NATS JetStream work-queue streams with explicit acks and
//!   redelivery after the ack wait.
//!
//! Messages are opaque bytes (the Python layer encodes task calls as JSON);
//! the engine only moves, delays, acknowledges and dead-letters them. Each
//! broker also keeps a small key-value space (results with a TTL, worker
//! heartbeats, the scheduler lock, counters) so one URL configures everything.
//!
//! A delivery whose count passes `max_deliveries` (the worker died or timed
//! out each time) goes to the queue's dead-letter list inside `fetch`, so a
//! poison message that kills its worker cannot loop forever.

pub mod jetstream;
pub mod local;
pub mod redis_streams;
pub mod schedule;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Failures of the engine; each names the broker operation and its target.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller passed a value that cannot be used; the message names it.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument { name: String, reason: String },
    /// The broker could not be reached or refused an operation.
    #[error("{broker} broker: {operation} failed: {detail}")]
    Broker {
        broker: &'static str,
        operation: String,
        detail: String,
    },
    /// An operation did not finish in time.
    #[error("{operation} timed out after {elapsed:?}")]
    Timeout {
        operation: String,
        elapsed: Duration,
    },
}

/// `Result` with the engine's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            name: name.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn broker(
        broker: &'static str,
        operation: impl Into<String>,
        detail: impl std::fmt::Display,
    ) -> Self {
        Self::Broker {
            broker,
            operation: operation.into(),
            detail: detail.to_string(),
        }
    }
}

/// Highest priority; 0 is the lowest and the default.
pub const MAX_PRIORITY: u8 = 9;

/// One message to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Unique per enqueue (the task id plus its attempt).
    pub id: String,
    pub body: Vec<u8>,
    /// 0 (lowest, default) to [`MAX_PRIORITY`].
    pub priority: u8,
    /// Unix milliseconds before which the message is not delivered (0: now).
    pub not_before_ms: u64,
}

/// One message handed to a worker; ack it with its `token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Opaque handle for ack / nack / touch / dead_letter.
    pub token: String,
    pub id: String,
    pub body: Vec<u8>,
    pub priority: u8,
    /// 1 on the first delivery, higher after redeliveries.
    pub deliveries: u64,
}

/// A message that ran out of attempts, with the error that ended it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub id: String,
    pub body: Vec<u8>,
    pub error: String,
    pub at_ms: u64,
}

/// Counts of one queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    /// Waiting to be delivered.
    pub ready: u64,
    /// Delivered and not yet acknowledged.
    pub in_flight: u64,
    /// Waiting for their `not_before` time.
    pub delayed: u64,
    /// In the dead-letter list.
    pub dead: u64,
}

/// Settings shared by every broker.
#[derive(Debug, Clone)]
pub struct Options {
    /// Namespace of every stream, key and table (one per app or test run).
    pub prefix: String,
    /// How long a delivery may stay unacknowledged before it is redelivered.
    pub ack_wait: Duration,
    /// Deliveries after which a message goes to the dead-letter list (0: no limit).
    pub max_deliveries: u64,
    /// Bound of each dead-letter list; older entries are dropped first.
    pub dead_letter_limit: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            prefix: "ob".to_owned(),
            ack_wait: Duration::from_secs(30),
            max_deliveries: 5,
            dead_letter_limit: 10_000,
        }
    }
}

impl Options {
    pub(crate) fn validate(&self) -> Result<()> {
        let ok = !self.prefix.is_empty()
            && self.prefix.len() <= 64
            && self
                .prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(Error::invalid(
                "prefix",
                format!(
                    "{:?} must be 1 to 64 characters of letters, digits, '_' or '-'",
                    self.prefix
                ),
            ));
        }
        if self.ack_wait < Duration::from_millis(100) {
            return Err(Error::invalid("ack_wait", "must be at least 0.1 s"));
        }
        Ok(())
    }
}

/// Queue names become stream, subject and key parts: keep them plain.
pub fn check_queue(queue: &str) -> Result<()> {
    let ok = !queue.is_empty()
        && queue.len() <= 128
        && queue
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "queue",
            format!("{queue:?} must be 1 to 128 characters of letters, digits, '_' or '-'"),
        ))
    }
}

/// Keys of the key-value space: letters, digits and `-_.=/`.
pub fn check_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 256
        && !key.starts_with('.')
        && !key.ends_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.=/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "key",
            format!("{key:?} must be 1 to 256 characters of letters, digits and -_.=/"),
        ))
    }
}

pub(crate) fn check_envelopes(envelopes: &[Envelope]) -> Result<()> {
    for env in envelopes {
        if env.priority > MAX_PRIORITY {
            return Err(Error::invalid(
                "priority",
                format!("{} is above the maximum {MAX_PRIORITY}", env.priority),
            ));
        }
        if env.id.is_empty() || env.id.len() > 200 {
            return Err(Error::invalid("id", "must be 1 to 200 characters"));
        }
    }
    Ok(())
}

/// Unix time in milliseconds.
#[must_use]
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Values of the key-value space carry their expiry (Unix ms, 0: never) in
/// front, so every broker expires them the same way when it has no TTL of
/// its own for single keys.
pub(crate) fn wrap_expiring(value: &[u8], ttl: Option<Duration>) -> Vec<u8> {
    let expires = ttl.map_or(0, |t| {
        now_ms().saturating_add(u64::try_from(t.as_millis()).unwrap_or(u64::MAX))
    });
    let mut out = Vec::with_capacity(8 + value.len());
    out.extend_from_slice(&expires.to_be_bytes());
    out.extend_from_slice(value);
    out
}

/// The value, or None when it has expired or is malformed.
pub(crate) fn unwrap_expiring(stored: &[u8]) -> Option<&[u8]> {
    let (head, value) = stored.split_at_checked(8)?;
    let expires = u64::from_be_bytes(head.try_into().ok()?);
    (expires == 0 || expires > now_ms()).then_some(value)
}

/// One broker of any kind (boxed: the NATS client state is large, and a
/// broker lives for the whole process behind one pointer anyway).
pub enum Broker {
    Local(Box<local::LocalBroker>),
    Redis(Box<redis_streams::RedisBroker>),
    Nats(Box<jetstream::JetStreamBroker>),
}

macro_rules! dispatch {
    ($self:ident, $b:ident => $call:expr) => {
        match $self {
            Broker::Local($b) => $call,
            Broker::Redis($b) => $call,
            Broker::Nats($b) => $call,
        }
    };
}

impl Broker {
    /// Connect by URL: `redis://…`, `nats://…`, `local:///path/to/file.redb`
    /// (or a bare path).
    pub async fn connect(url: &str, options: Options) -> Result<Self> {
        options.validate()?;
        if url.starts_with("redis://") || url.starts_with("rediss://") || url.starts_with("unix://")
        {
            Ok(Self::Redis(Box::new(
                redis_streams::RedisBroker::connect(url, options).await?,
            )))
        } else if url.starts_with("nats://") || url.starts_with("tls://") {
            Ok(Self::Nats(Box::new(
                jetstream::JetStreamBroker::connect(url, options).await?,
            )))
        } else if let Some(path) = url.strip_prefix("local://") {
            Ok(Self::Local(Box::new(local::LocalBroker::open(
                path, options,
            )?)))
        } else if url.contains("://") {
            Err(Error::invalid(
                "url",
                format!(
                    "unknown broker scheme in {url:?}; use redis://, nats:// or local://<path>"
                ),
            ))
        } else {
            Ok(Self::Local(Box::new(local::LocalBroker::open(
                url, options,
            )?)))
        }
    }

    /// The broker's kind: "local", "redis" or "nats".
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Local(_) => "local",
            Self::Redis(_) => "redis",
            Self::Nats(_) => "nats",
        }
    }

    /// Enqueue messages; returns once the broker has stored them all.
    pub async fn enqueue(&self, queue: &str, envelopes: Vec<Envelope>) -> Result<()> {
        check_queue(queue)?;
        check_envelopes(&envelopes)?;
        if envelopes.is_empty() {
            return Ok(());
        }
        dispatch!(self, b => b.enqueue(queue, envelopes).await)
    }

    /// Up to `max` deliveries, waiting up to `wait` for the first one.
    /// Higher priorities come first within what is returned.
    pub async fn fetch(
        &self,
        queue: &str,
        consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>> {
        check_queue(queue)?;
        if max == 0 || max > 10_000 {
            return Err(Error::invalid("max", "must be between 1 and 10000"));
        }
        let mut out = dispatch!(self, b => b.fetch(queue, consumer, max, wait).await)?;
        out.sort_by_key(|d| std::cmp::Reverse(d.priority));
        Ok(out)
    }

    /// Acknowledge deliveries: they are done and removed.
    pub async fn ack(&self, queue: &str, tokens: Vec<String>) -> Result<()> {
        check_queue(queue)?;
        if tokens.is_empty() {
            return Ok(());
        }
        dispatch!(self, b => b.ack(queue, tokens).await)
    }

    /// Give deliveries back for immediate redelivery (graceful shutdown).
    pub async fn nack(&self, queue: &str, deliveries: Vec<Delivery>) -> Result<()> {
        check_queue(queue)?;
        if deliveries.is_empty() {
            return Ok(());
        }
        dispatch!(self, b => b.nack(queue, deliveries).await)
    }

    /// Restart the ack wait of deliveries still being worked on.
    pub async fn touch(&self, queue: &str, consumer: &str, tokens: Vec<String>) -> Result<()> {
        check_queue(queue)?;
        if tokens.is_empty() {
            return Ok(());
        }
        dispatch!(self, b => b.touch(queue, consumer, tokens).await)
    }

    /// Move a delivery to the queue's dead-letter list with its error, and ack it.
    pub async fn dead_letter(&self, queue: &str, delivery: Delivery, error: &str) -> Result<()> {
        check_queue(queue)?;
        dispatch!(self, b => b.dead_letter(queue, delivery, error).await)
    }

    /// The newest `limit` dead letters of a queue, oldest first.
    pub async fn dead_letters(&self, queue: &str, limit: usize) -> Result<Vec<DeadLetter>> {
        check_queue(queue)?;
        dispatch!(self, b => b.dead_letters(queue, limit).await)
    }

    /// Counts of a queue.
    pub async fn counts(&self, queue: &str) -> Result<QueueCounts> {
        check_queue(queue)?;
        dispatch!(self, b => b.counts(queue).await)
    }

    /// Drop every message of a queue (ready, delayed, in flight and dead).
    pub async fn purge(&self, queue: &str) -> Result<()> {
        check_queue(queue)?;
        dispatch!(self, b => b.purge(queue).await)
    }

    /// A value of the key-value space, or None when absent or expired.
    pub async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        check_key(key)?;
        dispatch!(self, b => b.kv_get(key).await)
    }

    /// Several values at once, in the order of `keys`.
    pub async fn kv_get_many(&self, keys: Vec<String>) -> Result<Vec<Option<Vec<u8>>>> {
        for k in &keys {
            check_key(k)?;
        }
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        dispatch!(self, b => b.kv_get_many(keys).await)
    }

    /// Store values, each with an optional time to live.
    pub async fn kv_put_many(&self, items: Vec<(String, Vec<u8>, Option<Duration>)>) -> Result<()> {
        for (k, _, _) in &items {
            check_key(k)?;
        }
        if items.is_empty() {
            return Ok(());
        }
        dispatch!(self, b => b.kv_put_many(items).await)
    }

    pub async fn kv_delete(&self, key: &str) -> Result<()> {
        check_key(key)?;
        dispatch!(self, b => b.kv_delete(key).await)
    }

    /// Every live key starting with `prefix`, with its value.
    pub async fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        dispatch!(self, b => b.kv_scan(prefix).await)
    }

    /// Add `delta` to an integer counter and return the new value (atomic).
    pub async fn kv_incr(&self, key: &str, delta: i64, ttl: Option<Duration>) -> Result<i64> {
        check_key(key)?;
        dispatch!(self, b => b.kv_incr(key, delta, ttl).await)
    }

    /// Take one token of the rate limit `key` (a token bucket shared by every
    /// worker of the broker: `rate` tokens a second, at most `burst` saved).
    /// Returns zero when a token was taken, else how long to wait before
    /// asking again.
    pub async fn rate_acquire(&self, key: &str, rate: f64, burst: f64) -> Result<Duration> {
        check_key(key)?;
        if !(rate.is_finite() && rate > 0.0 && rate <= 1e6) {
            return Err(Error::invalid(
                "rate",
                format!("{rate} must be above 0 and at most 1000000 per second"),
            ));
        }
        if !(burst.is_finite() && (1.0..=1e6).contains(&burst)) {
            return Err(Error::invalid(
                "burst",
                format!("{burst} must be between 1 and 1000000"),
            ));
        }
        dispatch!(self, b => b.rate_acquire(key, rate, burst).await)
    }

    /// Take or renew a lease: true when `holder` holds `key` for `ttl` from now.
    pub async fn lock(&self, key: &str, holder: &str, ttl: Duration) -> Result<bool> {
        check_key(key)?;
        if holder.is_empty() {
            return Err(Error::invalid("holder", "must not be empty"));
        }
        dispatch!(self, b => b.lock(key, holder, ttl).await)
    }

    /// Give a lease up if `holder` still holds it.
    pub async fn unlock(&self, key: &str, holder: &str) -> Result<()> {
        check_key(key)?;
        dispatch!(self, b => b.unlock(key, holder).await)
    }
}

/// One step of a token bucket stored as `<tokens>|<unix ms>` (inside the
/// expiring wrapper): the value to store when a token was taken (None when
/// none is left) and the milliseconds to wait (0 when taken).
pub(crate) fn take_token(
    stored: Option<&[u8]>,
    now: u64,
    rate: f64,
    burst: f64,
) -> (Option<Vec<u8>>, u64) {
    let parsed = stored
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|s| s.split_once('|'))
        .and_then(|(t, at)| Some((t.parse::<f64>().ok()?, at.parse::<u64>().ok()?)));
    let (tokens, at) = parsed.unwrap_or((burst, now));
    #[allow(clippy::cast_precision_loss)] // milliseconds elapsed: far below 2^52
    let elapsed = now.saturating_sub(at) as f64;
    let tokens = (tokens + elapsed * rate / 1000.0).min(burst);
    if tokens >= 1.0 {
        let keep = Duration::from_secs_f64(burst / rate + 60.0);
        let value = format!("{}|{now}", tokens - 1.0);
        (Some(wrap_expiring(value.as_bytes(), Some(keep))), 0)
    } else {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // small, positive
        let wait = ((1.0 - tokens) * 1000.0 / rate).ceil().max(1.0) as u64;
        (None, wait)
    }
}

/// Lease values: `<expires ms>|<holder>`, shared by brokers without a native
/// expiring compare-and-set.
pub(crate) fn lease_value(holder: &str, ttl: Duration) -> Vec<u8> {
    let expires = now_ms().saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
    format!("{expires}|{holder}").into_bytes()
}

/// Whether a lease value may be taken by `holder` now.
pub(crate) fn lease_available(stored: &[u8], holder: &str) -> bool {
    let text = String::from_utf8_lossy(stored);
    let Some((expires, owner)) = text.split_once('|') else {
        return true;
    };
    owner == holder || expires.parse::<u64>().map_or(true, |e| e <= now_ms())
}

/// The error text kept with a message that exceeded its deliveries.
pub(crate) fn exhausted_error(deliveries: u64) -> String {
    format!(
        "delivered {deliveries} times without being acknowledged (the worker died or \
         exceeded the ack wait each time); moved to the dead-letter queue"
    )
}
