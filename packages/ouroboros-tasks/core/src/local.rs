//! The embedded broker: every queue in one redb file.
//!
//! redb allows one open handle per file, so a process holds the file for a
//! short lease ([`LEASE`]) and then closes it; processes sharing the file
//! take turns (a busy file is retried every millisecond). That keeps
//! producers and `ob tasks worker` processes on one machine working with
//! nothing to start, while a busy process reuses its handle for the many
//! small transactions of a lease instead of reopening the file for each.
//! Commits are durable (fsync) before `enqueue` returns.
//!
//! Tables (all keyed by queue first so one file holds many queues):
//! - `ready`: (queue, 255 - priority, seq) -> (id, body)
//! - `delayed`: (queue, not_before, seq) -> (id, body, priority)
//! - `in_flight`: (queue, seq) -> (id, body, priority, deadline, deliveries)
//! - `dead`: (queue, seq) -> (id, body, error, at)
//! - `kv`: key -> (expires, value)

// Transaction bodies return redb's `Error` (160 bytes) through `?`; it is
// the rare path and boxing it in every closure would only add noise.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::Notify;

use crate::{
    exhausted_error, lease_available, lease_value, now_ms, take_token, unwrap_expiring,
    wrap_expiring, DeadLetter, Delivery, Envelope, Error, Options, QueueCounts, Result,
};

// Row shapes: keys lead with the queue so one file holds every queue.
type DelayedRow = (&'static str, &'static [u8], u8);
type InFlightRow = (&'static str, &'static [u8], u8, u64, u64);
type DeadRow = (&'static str, &'static [u8], &'static str, u64);

const READY: TableDefinition<(&str, u8, u64), (&str, &[u8])> = TableDefinition::new("ready");
const DELAYED: TableDefinition<(&str, u64, u64), DelayedRow> = TableDefinition::new("delayed");
const IN_FLIGHT: TableDefinition<(&str, u64), InFlightRow> = TableDefinition::new("in_flight");
const DEAD: TableDefinition<(&str, u64), DeadRow> = TableDefinition::new("dead");
const KV: TableDefinition<&str, &[u8]> = TableDefinition::new("kv");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// How long `open` waits for another process to release the file.
const OPEN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a process keeps the file open before letting others have it.
const LEASE: Duration = Duration::from_millis(20);

/// The open handle of this process, with the time it was opened.
type Held = Arc<std::sync::Mutex<Option<(Database, Instant)>>>;

fn err(operation: &str, e: impl std::fmt::Display) -> Error {
    Error::broker("local", operation, e)
}

/// Look at up to `budget` keys from the cursor on and delete the expired
/// ones; the cursor moves on (back to the start after the last key).
fn sweep_expired(
    kv: &mut redb::Table<'_, &'static str, &'static [u8]>,
    cursor: &std::sync::Mutex<String>,
    budget: usize,
) -> std::result::Result<(), redb::Error> {
    let from = cursor
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let mut seen = 0;
    let mut last = None;
    let mut expired = Vec::new();
    for item in kv.range(from.as_str()..)? {
        let (k, v) = item?;
        let key = k.value().to_owned();
        if unwrap_expiring(v.value()).is_none() {
            expired.push(key.clone());
        }
        last = Some(key);
        seen += 1;
        if seen >= budget {
            break;
        }
    }
    for k in expired {
        kv.remove(k.as_str())?;
    }
    // The next key after `last` is `last` followed by NUL.
    let next = match last {
        Some(mut key) if seen >= budget => {
            key.push('\0');
            key
        }
        _ => String::new(),
    };
    *cursor
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
    Ok(())
}

/// The embedded broker on one redb file.
pub struct LocalBroker {
    path: PathBuf,
    options: Options,
    /// Wakes this process's waiting `fetch` calls when it enqueues.
    notify: Arc<Notify>,
    /// This process's handle (redb refuses a second one), shared by its operations.
    held: Held,
    /// Where the next sweep of expired keys starts (see `kv_put_many`).
    sweep_from: Arc<std::sync::Mutex<String>>,
}

impl LocalBroker {
    /// Open (creating when missing) the broker file at `path`.
    pub fn open(path: &str, options: Options) -> Result<Self> {
        if path.is_empty() {
            return Err(Error::invalid("url", "the local broker needs a file path"));
        }
        let path = PathBuf::from(path);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| err(&format!("create folder {}", parent.display()), e))?;
        }
        let broker = Self {
            path,
            options,
            notify: Arc::new(Notify::new()),
            held: Arc::new(std::sync::Mutex::new(None)),
            sweep_from: Arc::new(std::sync::Mutex::new(String::new())),
        };
        // Create the file and tables now so a bad path fails at connect time.
        broker.with_db_blocking("open", |db| {
            let txn = db.begin_write()?;
            txn.open_table(READY)?;
            txn.open_table(DELAYED)?;
            txn.open_table(IN_FLIGHT)?;
            txn.open_table(DEAD)?;
            txn.open_table(KV)?;
            txn.open_table(META)?;
            txn.commit()?;
            Ok(())
        })?;
        // Close at once: `open` may run outside a runtime (no timer to release it).
        *broker
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        Ok(broker)
    }

    fn qname(&self, queue: &str) -> String {
        format!("{}/{}", self.options.prefix, queue)
    }

    fn kname(&self, key: &str) -> String {
        format!("{}/{}", self.options.prefix, key)
    }

    fn with_db_blocking<T>(
        &self,
        operation: &str,
        f: impl FnOnce(&Database) -> std::result::Result<T, redb::Error>,
    ) -> Result<T> {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.as_ref().is_some_and(|(_, at)| at.elapsed() >= LEASE) {
            // Lease over: close, and give a waiting process a moment to open.
            *held = None;
            std::thread::sleep(Duration::from_millis(1));
        }
        if held.is_none() {
            let started = Instant::now();
            loop {
                match Database::create(&self.path) {
                    Ok(db) => {
                        *held = Some((db, Instant::now()));
                        break;
                    }
                    Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                        if started.elapsed() > OPEN_TIMEOUT {
                            return Err(Error::Timeout {
                                operation: format!(
                                    "local broker: waiting for {} (held by another process)",
                                    self.path.display()
                                ),
                                elapsed: started.elapsed(),
                            });
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Err(e) => return Err(err(&format!("open {}", self.path.display()), e)),
                }
            }
        }
        let Some((db, _)) = held.as_ref() else {
            return Err(err(operation, "the database handle vanished"));
        };
        f(db).map_err(|e| err(operation, e))
    }

    /// Close the handle once its lease is over, so an idle process does not
    /// keep the file from others.
    fn release_later(&self) {
        let held = self.held.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                tokio::time::sleep(LEASE).await;
                let _ = tokio::task::spawn_blocking(move || {
                    let mut held = held
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if held.as_ref().is_some_and(|(_, at)| at.elapsed() >= LEASE) {
                        *held = None;
                    }
                })
                .await;
            });
        }
    }

    async fn with_db<T: Send + 'static>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Database) -> std::result::Result<T, redb::Error> + Send + 'static,
    ) -> Result<T> {
        let this = Self {
            path: self.path.clone(),
            options: self.options.clone(),
            notify: self.notify.clone(),
            held: self.held.clone(),
            sweep_from: self.sweep_from.clone(),
        };
        let out = tokio::task::spawn_blocking(move || this.with_db_blocking(operation, f))
            .await
            .map_err(|e| err(operation, e))?;
        self.release_later();
        out
    }

    pub(crate) async fn enqueue(&self, queue: &str, envelopes: Vec<Envelope>) -> Result<()> {
        let q = self.qname(queue);
        self.with_db("enqueue", move |db| {
            let txn = db.begin_write()?;
            {
                let mut meta = txn.open_table(META)?;
                let mut seq = meta.get("seq")?.map_or(0, |v| v.value());
                let mut ready = txn.open_table(READY)?;
                let mut delayed = txn.open_table(DELAYED)?;
                let now = now_ms();
                for env in &envelopes {
                    seq += 1;
                    if env.not_before_ms > now {
                        delayed.insert(
                            (q.as_str(), env.not_before_ms, seq),
                            (env.id.as_str(), env.body.as_slice(), env.priority),
                        )?;
                    } else {
                        ready.insert(
                            (q.as_str(), 255 - env.priority, seq),
                            (env.id.as_str(), env.body.as_slice()),
                        )?;
                    }
                }
                meta.insert("seq", seq)?;
            }
            txn.commit()?;
            Ok(())
        })
        .await?;
        self.notify.notify_waiters();
        Ok(())
    }

    /// One pass: expired in-flight entries, then due delayed ones, then ready.
    fn take(
        db: &Database,
        q: &str,
        max: usize,
        options: &Options,
    ) -> std::result::Result<(Vec<Delivery>, Option<u64>), redb::Error> {
        let now = now_ms();
        let ack_wait = u64::try_from(options.ack_wait.as_millis()).unwrap_or(u64::MAX);
        let txn = db.begin_write()?;
        let mut out = Vec::new();
        let mut next_due = None;
        {
            let mut in_flight = txn.open_table(IN_FLIGHT)?;
            let mut dead = txn.open_table(DEAD)?;
            // Redeliver what its worker did not acknowledge in time.
            let expired: Vec<(u64, String, Vec<u8>, u8, u64)> = in_flight
                .range((q, 0)..=(q, u64::MAX))?
                .filter_map(std::result::Result::ok)
                .filter(|(_, v)| v.value().3 <= now)
                .take(max)
                .map(|(k, v)| {
                    let (id, body, prio, _, n) = v.value();
                    (k.value().1, id.to_owned(), body.to_vec(), prio, n)
                })
                .collect();
            for (seq, id, body, prio, n) in expired {
                if options.max_deliveries > 0 && n >= options.max_deliveries {
                    in_flight.remove((q, seq))?;
                    dead.insert(
                        (q, seq),
                        (
                            id.as_str(),
                            body.as_slice(),
                            exhausted_error(n).as_str(),
                            now,
                        ),
                    )?;
                    continue;
                }
                in_flight.insert(
                    (q, seq),
                    (id.as_str(), body.as_slice(), prio, now + ack_wait, n + 1),
                )?;
                out.push(Delivery {
                    token: seq.to_string(),
                    id,
                    body,
                    priority: prio,
                    deliveries: n + 1,
                });
            }
            // Move due delayed messages to ready.
            let mut delayed = txn.open_table(DELAYED)?;
            let mut ready = txn.open_table(READY)?;
            let due: Vec<(u64, u64, String, Vec<u8>, u8)> = delayed
                .range((q, 0, 0)..=(q, u64::MAX, u64::MAX))?
                .filter_map(std::result::Result::ok)
                .map(|(k, v)| {
                    let (_, at, seq) = k.value();
                    let (id, body, prio) = v.value();
                    (at, seq, id.to_owned(), body.to_vec(), prio)
                })
                .take_while(|(at, ..)| {
                    if *at > now {
                        next_due = Some(*at);
                        false
                    } else {
                        true
                    }
                })
                .take(10_000)
                .collect();
            for (at, seq, id, body, prio) in due {
                delayed.remove((q, at, seq))?;
                ready.insert((q, 255 - prio, seq), (id.as_str(), body.as_slice()))?;
            }
            // Take ready messages, highest priority first.
            while out.len() < max {
                let first = ready
                    .range((q, 0, 0)..=(q, 255, u64::MAX))?
                    .next()
                    .transpose()?
                    .map(|(k, v)| {
                        let (_, inv, seq) = k.value();
                        let (id, body) = v.value();
                        (inv, seq, id.to_owned(), body.to_vec())
                    });
                let Some((inv, seq, id, body)) = first else {
                    break;
                };
                ready.remove((q, inv, seq))?;
                let prio = 255 - inv;
                in_flight.insert(
                    (q, seq),
                    (id.as_str(), body.as_slice(), prio, now + ack_wait, 1),
                )?;
                out.push(Delivery {
                    token: seq.to_string(),
                    id,
                    body,
                    priority: prio,
                    deliveries: 1,
                });
            }
        }
        txn.commit()?;
        Ok((out, next_due))
    }

    pub(crate) async fn fetch(
        &self,
        queue: &str,
        _consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>> {
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(2);
        loop {
            let notified = self.notify.notified();
            let q = self.qname(queue);
            let options = self.options.clone();
            let (out, _) = self
                .with_db("fetch", move |db| Self::take(db, &q, max, &options))
                .await?;
            let now = Instant::now();
            if !out.is_empty() || now >= deadline {
                return Ok(out);
            }
            // Another process may enqueue at any time: poll, backing off to 50 ms;
            // an enqueue from this process wakes the wait at once.
            let sleep = pause.min(deadline - now);
            let _ = tokio::time::timeout(sleep, notified).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    fn tokens(tokens: &[String]) -> Result<Vec<u64>> {
        tokens
            .iter()
            .map(|t| {
                t.parse::<u64>().map_err(|_| {
                    Error::invalid("token", format!("{t:?} is not a local delivery token"))
                })
            })
            .collect()
    }

    pub(crate) async fn ack(&self, queue: &str, tokens: Vec<String>) -> Result<()> {
        let seqs = Self::tokens(&tokens)?;
        let q = self.qname(queue);
        self.with_db("ack", move |db| {
            let txn = db.begin_write()?;
            {
                let mut in_flight = txn.open_table(IN_FLIGHT)?;
                for seq in seqs {
                    in_flight.remove((q.as_str(), seq))?;
                }
            }
            txn.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn nack(&self, queue: &str, deliveries: Vec<Delivery>) -> Result<()> {
        let seqs = Self::tokens(
            &deliveries
                .iter()
                .map(|d| d.token.clone())
                .collect::<Vec<_>>(),
        )?;
        let q = self.qname(queue);
        self.with_db("nack", move |db| {
            let txn = db.begin_write()?;
            {
                let mut in_flight = txn.open_table(IN_FLIGHT)?;
                let mut ready = txn.open_table(READY)?;
                for seq in seqs {
                    let Some(v) = in_flight.remove((q.as_str(), seq))? else {
                        continue;
                    };
                    let (id, body, prio, _, _) = v.value();
                    ready.insert((q.as_str(), 255 - prio, seq), (id, body))?;
                }
            }
            txn.commit()?;
            Ok(())
        })
        .await?;
        self.notify.notify_waiters();
        Ok(())
    }

    pub(crate) async fn touch(
        &self,
        queue: &str,
        _consumer: &str,
        tokens: Vec<String>,
    ) -> Result<()> {
        let seqs = Self::tokens(&tokens)?;
        let q = self.qname(queue);
        let deadline =
            now_ms() + u64::try_from(self.options.ack_wait.as_millis()).unwrap_or(u64::MAX);
        self.with_db("touch", move |db| {
            let txn = db.begin_write()?;
            {
                let mut in_flight = txn.open_table(IN_FLIGHT)?;
                for seq in seqs {
                    let entry = in_flight.get((q.as_str(), seq))?.map(|v| {
                        let (id, body, prio, _, n) = v.value();
                        (id.to_owned(), body.to_vec(), prio, n)
                    });
                    if let Some((id, body, prio, n)) = entry {
                        in_flight.insert(
                            (q.as_str(), seq),
                            (id.as_str(), body.as_slice(), prio, deadline, n),
                        )?;
                    }
                }
            }
            txn.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn dead_letter(
        &self,
        queue: &str,
        delivery: Delivery,
        error: &str,
    ) -> Result<()> {
        let seq = Self::tokens(std::slice::from_ref(&delivery.token))?[0];
        let q = self.qname(queue);
        let error = error.to_owned();
        let limit = self.options.dead_letter_limit;
        self.with_db("dead_letter", move |db| {
            let txn = db.begin_write()?;
            {
                let mut in_flight = txn.open_table(IN_FLIGHT)?;
                let mut dead = txn.open_table(DEAD)?;
                in_flight.remove((q.as_str(), seq))?;
                dead.insert(
                    (q.as_str(), seq),
                    (
                        delivery.id.as_str(),
                        delivery.body.as_slice(),
                        error.as_str(),
                        now_ms(),
                    ),
                )?;
                let count = dead
                    .range((q.as_str(), 0)..=(q.as_str(), u64::MAX))?
                    .count() as u64;
                if count > limit {
                    let drop = count - limit;
                    let old: Vec<u64> = dead
                        .range((q.as_str(), 0)..=(q.as_str(), u64::MAX))?
                        .filter_map(std::result::Result::ok)
                        .take(usize::try_from(drop).unwrap_or(usize::MAX))
                        .map(|(k, _)| k.value().1)
                        .collect();
                    for s in old {
                        dead.remove((q.as_str(), s))?;
                    }
                }
            }
            txn.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn dead_letters(&self, queue: &str, limit: usize) -> Result<Vec<DeadLetter>> {
        let q = self.qname(queue);
        self.with_db("dead_letters", move |db| {
            let txn = db.begin_read()?;
            let dead = txn.open_table(DEAD)?;
            let mut all: Vec<DeadLetter> = dead
                .range((q.as_str(), 0)..=(q.as_str(), u64::MAX))?
                .rev()
                .take(limit)
                .filter_map(std::result::Result::ok)
                .map(|(_, v)| {
                    let (id, body, error, at) = v.value();
                    DeadLetter {
                        id: id.to_owned(),
                        body: body.to_vec(),
                        error: error.to_owned(),
                        at_ms: at,
                    }
                })
                .collect();
            all.reverse();
            Ok(all)
        })
        .await
    }

    pub(crate) async fn counts(&self, queue: &str) -> Result<QueueCounts> {
        let q = self.qname(queue);
        self.with_db("counts", move |db| {
            let txn = db.begin_read()?;
            let q = q.as_str();
            let ready = txn
                .open_table(READY)?
                .range((q, 0, 0)..=(q, 255, u64::MAX))?
                .count();
            let delayed = txn
                .open_table(DELAYED)?
                .range((q, 0, 0)..=(q, u64::MAX, u64::MAX))?
                .count();
            let in_flight = txn
                .open_table(IN_FLIGHT)?
                .range((q, 0)..=(q, u64::MAX))?
                .count();
            let dead = txn.open_table(DEAD)?.range((q, 0)..=(q, u64::MAX))?.count();
            Ok(QueueCounts {
                ready: ready as u64,
                in_flight: in_flight as u64,
                delayed: delayed as u64,
                dead: dead as u64,
            })
        })
        .await
    }

    pub(crate) async fn purge(&self, queue: &str) -> Result<()> {
        let q = self.qname(queue);
        self.with_db("purge", move |db| {
            let txn = db.begin_write()?;
            {
                let q = q.as_str();
                txn.open_table(READY)?
                    .retain_in((q, 0, 0)..=(q, 255, u64::MAX), |_, _| false)?;
                txn.open_table(DELAYED)?
                    .retain_in((q, 0, 0)..=(q, u64::MAX, u64::MAX), |_, _| false)?;
                txn.open_table(IN_FLIGHT)?
                    .retain_in((q, 0)..=(q, u64::MAX), |_, _| false)?;
                txn.open_table(DEAD)?
                    .retain_in((q, 0)..=(q, u64::MAX), |_, _| false)?;
            }
            txn.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .kv_get_many(vec![key.to_owned()])
            .await?
            .pop()
            .flatten())
    }

    pub(crate) async fn kv_get_many(&self, keys: Vec<String>) -> Result<Vec<Option<Vec<u8>>>> {
        let keys: Vec<String> = keys.iter().map(|k| self.kname(k)).collect();
        self.with_db("kv_get", move |db| {
            let txn = db.begin_read()?;
            let kv = txn.open_table(KV)?;
            keys.iter()
                .map(|k| {
                    Ok(kv
                        .get(k.as_str())?
                        .and_then(|v| unwrap_expiring(v.value()).map(<[u8]>::to_vec)))
                })
                .collect()
        })
        .await
    }

    pub(crate) async fn kv_put_many(
        &self,
        items: Vec<(String, Vec<u8>, Option<Duration>)>,
    ) -> Result<()> {
        let items: Vec<(String, Vec<u8>)> = items
            .into_iter()
            .map(|(k, v, ttl)| (self.kname(&k), wrap_expiring(&v, ttl)))
            .collect();
        let sweep_from = Arc::clone(&self.sweep_from);
        self.with_db("kv_put", move |db| {
            let txn = db.begin_write()?;
            {
                let mut kv = txn.open_table(KV)?;
                for (k, v) in &items {
                    kv.insert(k.as_str(), v.as_slice())?;
                }
                // Reclaim expired keys (old results) as writes go: each write
                // looks at the next two keys of a cursor walking the table,
                // so the table never holds more than its live keys plus those
                // that expired during the last walk.
                sweep_expired(&mut kv, &sweep_from, 16.max(2 * items.len()))?;
            }
            txn.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn kv_delete(&self, key: &str) -> Result<()> {
        let key = self.kname(key);
        self.with_db("kv_delete", move |db| {
            let txn = db.begin_write()?;
            txn.open_table(KV)?.remove(key.as_str())?;
            txn.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let full = self.kname(prefix);
        let strip = self.options.prefix.len() + 1;
        self.with_db("kv_scan", move |db| {
            // Expired entries are dropped while scanning, so the table stays bounded.
            let txn = db.begin_write()?;
            let mut out = Vec::new();
            {
                let mut kv = txn.open_table(KV)?;
                let mut expired = Vec::new();
                for item in kv.range(full.as_str()..)? {
                    let (k, v) = item?;
                    let key = k.value();
                    if !key.starts_with(full.as_str()) {
                        break;
                    }
                    match unwrap_expiring(v.value()) {
                        Some(value) => out.push((key[strip..].to_owned(), value.to_vec())),
                        None => expired.push(key.to_owned()),
                    }
                }
                for k in expired {
                    kv.remove(k.as_str())?;
                }
            }
            txn.commit()?;
            Ok(out)
        })
        .await
    }

    pub(crate) async fn kv_incr(
        &self,
        key: &str,
        delta: i64,
        ttl: Option<Duration>,
    ) -> Result<i64> {
        let key = self.kname(key);
        self.with_db("kv_incr", move |db| {
            let txn = db.begin_write()?;
            let value;
            {
                let mut kv = txn.open_table(KV)?;
                let current = kv
                    .get(key.as_str())?
                    .and_then(|v| unwrap_expiring(v.value()).map(<[u8]>::to_vec))
                    .and_then(|v| String::from_utf8(v).ok())
                    .and_then(|s| s.parse::<i64>().ok())
                    .unwrap_or(0);
                value = current.saturating_add(delta);
                kv.insert(
                    key.as_str(),
                    wrap_expiring(value.to_string().as_bytes(), ttl).as_slice(),
                )?;
            }
            txn.commit()?;
            Ok(value)
        })
        .await
    }

    pub(crate) async fn rate_acquire(&self, key: &str, rate: f64, burst: f64) -> Result<Duration> {
        let key = self.kname(&format!("rate.{key}"));
        self.with_db("rate_acquire", move |db| {
            let txn = db.begin_write()?;
            let wait;
            {
                let mut kv = txn.open_table(KV)?;
                let current = kv.get(key.as_str())?.map(|v| v.value().to_vec());
                let (value, ms) = take_token(
                    current.as_deref().and_then(unwrap_expiring),
                    now_ms(),
                    rate,
                    burst,
                );
                wait = ms;
                if let Some(value) = value {
                    kv.insert(key.as_str(), value.as_slice())?;
                }
            }
            txn.commit()?;
            Ok(Duration::from_millis(wait))
        })
        .await
    }

    pub(crate) async fn lock(&self, key: &str, holder: &str, ttl: Duration) -> Result<bool> {
        let key = self.kname(key);
        let holder = holder.to_owned();
        self.with_db("lock", move |db| {
            let txn = db.begin_write()?;
            let taken;
            {
                let mut kv = txn.open_table(KV)?;
                let current = kv.get(key.as_str())?.map(|v| v.value().to_vec());
                taken = current.is_none_or(|c| lease_available(&c, &holder));
                if taken {
                    kv.insert(key.as_str(), lease_value(&holder, ttl).as_slice())?;
                }
            }
            txn.commit()?;
            Ok(taken)
        })
        .await
    }

    pub(crate) async fn unlock(&self, key: &str, holder: &str) -> Result<()> {
        let key = self.kname(key);
        let holder = holder.to_owned();
        self.with_db("unlock", move |db| {
            let txn = db.begin_write()?;
            {
                let mut kv = txn.open_table(KV)?;
                let mine = kv.get(key.as_str())?.is_some_and(|v| {
                    String::from_utf8_lossy(v.value())
                        .split_once('|')
                        .is_some_and(|(_, h)| h == holder)
                });
                if mine {
                    kv.remove(key.as_str())?;
                }
            }
            txn.commit()?;
            Ok(())
        })
        .await
    }

    /// The file this broker stores in.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}
