//! The embedded backend: redb, on disk (`file:///path`) or in memory
//! (`memory://`).
//!
//! Layout: table `kv` maps a key to `[expires_at_ms: u64 BE][payload]`
//! (`0` = never expires); table `kv_expiry` indexes `(expires_at_ms, key)` so
//! a background thread can delete expired entries in time order without a
//! full scan. Reads compare the expiry with the clock, so an expired key is
//! never returned even before the reaper has run.
//!
//! Group commit: concurrent `set` calls on a file store share one write
//! transaction. The first caller becomes the leader: it takes every `set`
//! queued so far, applies them in arrival order in one transaction, commits
//! (one `fsync` for all) and then wakes the others, each with its own
//! result; calls that arrived during that commit form the next group. No
//! caller returns before the commit holding its write is durable, so the
//! guarantee of one commit per call is kept at a fraction of the `fsync`s.
//!
//! Change log (`durability=eventual`): a commit that only has to survive a
//! killed process writes its changes to a log file beside the store
//! (`<store>.log`, one `write` per transaction, checksummed) and commits to
//! redb without making the commit durable (`Durability::None`: in memory,
//! visible to every later read). Every [`LOG_COMMITS`] such commits, when
//! the log passes [`LOG_BYTES`], on every reaper round and on close, one
//! durable commit (written through to the OS, no `fsync`) takes them all
//! into the file and the log is emptied. Opening replays what the log holds
//! after the last durable commit. A redb durable commit costs about three
//! times a non-durable one plus the log write (see `commit_cost`).
//!
//! redb takes an exclusive file lock: a second *process* gets
//! [`KvError::StoreLocked`]. Inside one process every `open` of the same path
//! shares one [`Embedded`] through a registry of weak references, so threads
//! and event loops share the single writer and read concurrently.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redb::backends::InMemoryBackend;
use redb::{
    Database, DatabaseError, Durability, ReadOnlyTable, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, Table, TableDefinition,
};

use crate::{BatchOp, BatchResult, KvError, Page, Result, SetMode, SetOptions, Ttl};

const DATA: TableDefinition<&[u8], &[u8]> = TableDefinition::new("kv");
const EXPIRY: TableDefinition<(u64, &[u8]), ()> = TableDefinition::new("kv_expiry");

/// Non-durable commits between two durable ones (see the module docs).
const LOG_COMMITS: u32 = 64;
/// Log size that triggers a durable commit before [`LOG_COMMITS`].
const LOG_BYTES: u64 = 4 << 20;

/// Entries the reaper deletes per transaction; bounds the time the writer
/// is held and the memory of one pass.
const REAP_BATCH: usize = 10_000;

/// Milliseconds since the Unix epoch (expiry times survive restarts).
#[must_use]
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn split(raw: &[u8]) -> (u64, &[u8]) {
    if raw.len() < 8 {
        return (0, raw);
    }
    let (head, payload) = raw.split_at(8);
    let mut b = [0u8; 8];
    b.copy_from_slice(head);
    (u64::from_be_bytes(b), payload)
}

fn is_live(expires: u64, now: u64) -> bool {
    expires == 0 || expires > now
}

/// Parse a stored integer (`incr`): ASCII decimal, as Redis stores it.
fn parse_int(payload: &[u8]) -> Option<i64> {
    std::str::from_utf8(payload).ok()?.parse::<i64>().ok()
}

static REGISTRY: OnceLock<Mutex<HashMap<PathBuf, Weak<Embedded>>>> = OnceLock::new();

/// A read transaction kept open between writes.
///
/// Only this process can write (redb locks the file), so the store knows
/// when data changes: every commit bumps `generation`, and a read reuses the
/// open snapshot while no commit happened since it was taken. Beginning a
/// redb read transaction and opening the table costs more than the lookup
/// itself; this makes a `get` one B-tree lookup.
struct Reader {
    generation: u64,
    data: ReadOnlyTable<&'static [u8], &'static [u8]>,
}

/// One queued `set` of a group commit, with the slot for its result.
struct SetJob {
    key: Vec<u8>,
    value: Vec<u8>,
    opts: SetOptions,
    result: Mutex<Option<Result<bool>>>,
}

/// The queue of a group commit (see the module docs).
#[derive(Default)]
struct Group {
    state: Mutex<GroupState>,
    /// Signalled when a leader has delivered its group's results.
    turn: Condvar,
}

#[derive(Default)]
struct GroupState {
    queue: Vec<Arc<SetJob>>,
    leader: bool,
}

/// A redb database with expiry.
pub struct Embedded {
    reader: RwLock<Option<Arc<Reader>>>,
    group: Group,
    commits: AtomicU64,
    generation: AtomicU64,
    db: RwLock<Option<Database>>,
    shown: String,
    memory: bool,
    /// The change log of a `durability=eventual` store.
    log: Option<Mutex<Log>>,
    closed: AtomicBool,
}

/// The change log of a `durability=eventual` store (see the module docs).
struct Log {
    file: std::fs::File,
    /// Non-durable commits since the last durable one.
    pending: u32,
    bytes: u64,
}

impl Log {
    /// Write one frame (`[len][crc32][records]`, header space first in
    /// `frame`) with one `write`.
    fn append(&mut self, mut frame: Vec<u8>) -> std::io::Result<()> {
        let body = u32::try_from(frame.len() - 8).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "transaction too large for the log",
            )
        })?;
        let crc = crc32fast::hash(&frame[8..]);
        frame[..4].copy_from_slice(&body.to_le_bytes());
        frame[4..8].copy_from_slice(&crc.to_le_bytes());
        self.file.write_all(&frame)?;
        self.pending += 1;
        self.bytes += frame.len() as u64;
        Ok(())
    }

    /// After a durable commit: nothing in the log is needed any more.
    fn truncate(&mut self) -> std::io::Result<()> {
        if self.bytes > 0 {
            self.file.set_len(0)?;
        }
        self.pending = 0;
        self.bytes = 0;
        Ok(())
    }
}

/// Open the change log of the store at `path`, apply what it holds (the
/// non-durable commits a killed process left) in one durable commit, and
/// empty it. A torn or damaged tail (a write cut short) ends the replay.
fn replay_log(db: &Database, path: &Path, shown: &str) -> Result<Log> {
    let mut name = path.as_os_str().to_owned();
    name.push(".log");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&name)
        .map_err(|e| storage(shown, format!("change log: {e}")))?;
    let mut all = Vec::new();
    file.read_to_end(&mut all)
        .map_err(|e| storage(shown, format!("change log: {e}")))?;
    let mut log = Log {
        file,
        pending: 0,
        bytes: all.len() as u64,
    };
    if all.is_empty() {
        return Ok(log);
    }
    let err = |e: &dyn std::fmt::Display| storage(shown, format!("replaying the change log: {e}"));
    let txn = db.begin_write().map_err(|e| err(&e))?;
    {
        let mut data = txn.open_table(DATA).map_err(|e| err(&e))?;
        let mut expiry = txn.open_table(EXPIRY).map_err(|e| err(&e))?;
        let mut rest = all.as_slice();
        while rest.len() >= 8 {
            let len = u32::from_le_bytes(rest[..4].try_into().unwrap_or_default()) as usize;
            let crc = u32::from_le_bytes(rest[4..8].try_into().unwrap_or_default());
            let Some(body) = rest.get(8..8 + len) else {
                break;
            };
            if crc32fast::hash(body) != crc {
                break;
            }
            let Some(records) = parse_records(body) else {
                break;
            };
            for (kind, t, key, value) in records {
                match kind {
                    REC_PUT => data.insert(key, value).map(drop),
                    REC_DEL => data.remove(key).map(drop),
                    REC_EXP_PUT => expiry.insert((t, key), ()).map(drop),
                    _ => expiry.remove((t, key)).map(drop),
                }
                .map_err(|e| err(&e))?;
            }
            rest = &rest[8 + len..];
        }
    }
    txn.commit().map_err(|e| err(&e))?;
    log.truncate().map_err(|e| err(&e))?;
    Ok(log)
}

/// Record kinds of the change log: the four table mutations a [`Writer`]
/// makes, replayed in order.
const REC_PUT: u8 = 1;
const REC_DEL: u8 = 2;
const REC_EXP_PUT: u8 = 3;
const REC_EXP_DEL: u8 = 4;

fn log_key(buf: &mut Vec<u8>, key: &[u8]) {
    buf.extend_from_slice(&u32::try_from(key.len()).unwrap_or(u32::MAX).to_le_bytes());
    buf.extend_from_slice(key);
}

/// The records of one frame, parsed; `None` if malformed.
/// One parsed log record: kind, expiry time (index records), key, value.
type Record<'a> = (u8, u64, &'a [u8], &'a [u8]);

fn parse_records(mut body: &[u8]) -> Option<Vec<Record<'_>>> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if b.len() < n {
            return None;
        }
        let (head, rest) = b.split_at(n);
        *b = rest;
        Some(head)
    }
    fn bytes<'a>(b: &mut &'a [u8]) -> Option<&'a [u8]> {
        let n = u32::from_le_bytes(take(b, 4)?.try_into().ok()?);
        take(b, usize::try_from(n).ok()?)
    }
    let mut out = Vec::new();
    while let Some(&kind) = body.first() {
        body = &body[1..];
        let rec = match kind {
            REC_PUT => {
                let key = bytes(&mut body)?;
                (kind, 0, key, bytes(&mut body)?)
            }
            REC_DEL => (kind, 0, bytes(&mut body)?, &[][..]),
            REC_EXP_PUT | REC_EXP_DEL => {
                let t = u64::from_le_bytes(take(&mut body, 8)?.try_into().ok()?);
                (kind, t, bytes(&mut body)?, &[][..])
            }
            _ => return None,
        };
        out.push(rec);
    }
    Some(out)
}

/// Options read from the query string of a `file://` / `memory://` URL.
struct Options {
    /// `durability=eventual`: commits reach the OS (safe when the process is
    /// killed) but do not wait for the disk (not safe on power loss).
    eventual: bool,
    reap_interval: Duration,
}

/// redb's file backend without `fsync`, for `durability=eventual`.
///
/// redb 2's own `Durability::Eventual` still calls `fsync` on Linux, and
/// `Durability::None` commits are lost when the process dies. Fully written
/// commits that skip only the final `fsync` sit in the OS page cache: a
/// killed process loses nothing, which is what lmdb's `sync=False` and
/// RocksDB's default WAL writes promise too.
#[derive(Debug)]
struct NoSyncFile(redb::backends::FileBackend);

impl redb::StorageBackend for NoSyncFile {
    fn len(&self) -> std::result::Result<u64, std::io::Error> {
        self.0.len()
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> std::result::Result<(), std::io::Error> {
        self.0.read(offset, out)
    }

    fn set_len(&self, len: u64) -> std::result::Result<(), std::io::Error> {
        self.0.set_len(len)
    }

    fn sync_data(&self) -> std::result::Result<(), std::io::Error> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> std::result::Result<(), std::io::Error> {
        self.0.write(offset, data)
    }

    fn close(&self) -> std::result::Result<(), std::io::Error> {
        self.0.close()
    }

    // The file lock that keeps a second process out is the file backend's.
    fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> LockResult<bool> {
        self.0.try_lock_range(start, end)
    }

    fn try_lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> LockResult<bool> {
        self.0.try_lock_shared_range(start, end)
    }

    fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> LockResult<()> {
        self.0.lock_range(start, end)
    }

    fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> LockResult<()> {
        self.0.lock_shared_range(start, end)
    }

    fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> LockResult<()> {
        self.0.unlock_range(start, end)
    }

    fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> LockResult<bool> {
        self.0.query_lock_range(start, end)
    }
}

type LockResult<T> = std::result::Result<T, redb::BackendError>;

fn parse_options(url: &url::Url) -> Result<Options> {
    let mut opts = Options {
        eventual: false,
        reap_interval: Duration::from_secs(1),
    };
    for (k, v) in url.query_pairs() {
        match &*k {
            "durability" => {
                opts.eventual = match &*v {
                    "immediate" => false,
                    "eventual" => true,
                    other => {
                        return Err(KvError::invalid(
                            "durability",
                            format!("expected \"immediate\" or \"eventual\", got {other:?}"),
                        ))
                    }
                };
            }
            "reap_interval" => {
                let secs: f64 = v.parse().map_err(|_| {
                    KvError::invalid("reap_interval", format!("expected seconds, got {v:?}"))
                })?;
                if !(0.001..=3600.0).contains(&secs) {
                    return Err(KvError::invalid(
                        "reap_interval",
                        format!("must be between 0.001 and 3600 seconds, got {secs}"),
                    ));
                }
                opts.reap_interval = Duration::from_secs_f64(secs);
            }
            other => {
                return Err(KvError::invalid(
                    "url",
                    format!(
                    "unknown option {other:?}; embedded stores take durability and reap_interval"
                ),
                ))
            }
        }
    }
    Ok(opts)
}

fn storage(path: &str, e: impl std::fmt::Display) -> KvError {
    KvError::Storage {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

impl Embedded {
    /// Open `file:///path` (created if missing) or `memory://`.
    pub fn open_url(raw: &str) -> Result<Arc<Self>> {
        let url =
            url::Url::parse(raw).map_err(|e| KvError::invalid("url", format!("{raw:?}: {e}")))?;
        let opts = parse_options(&url)?;
        if url.scheme() == "memory" {
            let db = Database::builder()
                .create_with_backend(InMemoryBackend::new())
                .map_err(|e| storage("memory://", e))?;
            // In memory a commit costs no fsync, and redb frees pages only in
            // durable commits, so every commit is `Immediate`.
            return Self::start(db, "memory://".to_owned(), true, None, opts.reap_interval);
        }
        if url
            .host_str()
            .is_some_and(|h| !h.is_empty() && h != "localhost")
        {
            return Err(KvError::invalid(
                "url",
                format!("{raw:?}: a file URL names a local path: file:///absolute/path"),
            ));
        }
        let path = url
            .to_file_path()
            .map_err(|()| KvError::invalid("url", format!("{raw:?} is not a file path")))?;
        Self::open_path(&path, opts)
    }

    fn open_path(path: &Path, opts: Options) -> Result<Arc<Self>> {
        let shown = path.display().to_string();
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let parent = parent.canonicalize().map_err(|e| {
            storage(
                &shown,
                format!(
                    "the folder {} does not exist or is unreadable ({e})",
                    parent.display()
                ),
            )
        })?;
        let Some(name) = path.file_name() else {
            return Err(KvError::invalid(
                "url",
                format!("{shown} names a folder, not a store file"),
            ));
        };
        let full = parent.join(name);
        let registry = REGISTRY.get_or_init(|| Mutex::new(HashMap::new()));
        let mut open = registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(existing) = open.get(&full).and_then(Weak::upgrade) {
            if !existing.closed.load(Ordering::Acquire) {
                return Ok(existing);
            }
        }
        let shown = full.display().to_string();
        let opened = if opts.eventual {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&full)
                .map_err(DatabaseError::from)
                .and_then(redb::backends::FileBackend::new)
                .and_then(|file| Database::builder().create_with_backend(NoSyncFile(file)))
        } else {
            Database::builder().create(&full)
        };
        let db = match opened {
            Ok(db) => db,
            Err(DatabaseError::DatabaseAlreadyOpen) => {
                return Err(KvError::StoreLocked { path: shown })
            }
            Err(e) => return Err(storage(&shown, e)),
        };
        let log = if opts.eventual {
            Some(replay_log(&db, &full, &shown)?)
        } else {
            None
        };
        let store = Self::start(db, shown, false, log, opts.reap_interval)?;
        open.retain(|_, w| w.strong_count() > 0);
        open.insert(full, Arc::downgrade(&store));
        Ok(store)
    }

    fn start(
        db: Database,
        shown: String,
        memory: bool,
        log: Option<Log>,
        reap: Duration,
    ) -> Result<Arc<Self>> {
        let store = Arc::new(Self {
            reader: RwLock::new(None),
            group: Group::default(),
            commits: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            db: RwLock::new(Some(db)),
            shown,
            memory,
            log: log.map(Mutex::new),
            closed: AtomicBool::new(false),
        });
        // Create both tables so read transactions never meet a missing table.
        store.force_commit_tables()?;
        let weak = Arc::downgrade(&store);
        std::thread::Builder::new()
            .name("ouroboros-kv-reaper".into())
            .spawn(move || reaper(&weak, reap))
            .map_err(|e| storage("reaper thread", e))?;
        Ok(store)
    }

    fn force_commit_tables(&self) -> Result<()> {
        self.write(|w| {
            w.dirty = true;
            Ok(())
        })
    }

    /// True for `memory://`.
    #[must_use]
    pub fn is_memory(&self) -> bool {
        self.memory
    }

    /// The path (or `memory://`) for messages.
    #[must_use]
    pub fn describe(&self) -> &str {
        &self.shown
    }

    fn err(&self, e: impl std::fmt::Display) -> KvError {
        storage(&self.shown, e)
    }

    fn guard(&self) -> std::sync::RwLockReadGuard<'_, Option<Database>> {
        self.db
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Close the database now (releases the file lock); later calls fail
    /// with [`KvError::Closed`].
    pub fn close(&self) {
        // Errors surface on the next open's replay; the log keeps the data.
        let _ = self.checkpoint();
        self.closed.store(true, Ordering::Release);
        self.forget_reader();
        let mut slot = self
            .db
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.take();
    }

    /// Run `f` inside one write transaction; commits only if `f` wrote.
    fn write<T>(&self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let guard = self.guard();
        let db = guard
            .as_ref()
            .ok_or_else(|| KvError::Closed(self.shown.clone()))?;
        // The log is written in commit order: its lock spans the transaction.
        let mut log = self
            .log
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let durable = log
            .as_ref()
            .is_none_or(|l| l.pending >= LOG_COMMITS || l.bytes >= LOG_BYTES);
        let mut txn = db.begin_write().map_err(|e| self.err(e))?;
        if !durable {
            txn.set_durability(Durability::None)
                .map_err(|e| self.err(e))?;
        }
        let (out, dirty, record) = {
            let mut w = Writer {
                data: txn.open_table(DATA).map_err(|e| self.err(e))?,
                expiry: txn.open_table(EXPIRY).map_err(|e| self.err(e))?,
                now: now_ms(),
                dirty: false,
                shown: &self.shown,
                log: (!durable).then(|| vec![0; 8]),
                scratch: Vec::new(),
            };
            let out = f(&mut w)?;
            (out, w.dirty, w.log)
        };
        if !dirty {
            txn.abort().map_err(|e| self.err(e))?;
            return Ok(out);
        }
        txn.commit().map_err(|e| self.err(e))?;
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.forget_reader();
        if let Some(log) = log.as_deref_mut() {
            match record {
                // Acknowledged only once the OS holds the change.
                Some(frame) => log.append(frame).map_err(|e| self.err(e))?,
                None => log.truncate().map_err(|e| self.err(e))?,
            }
        }
        Ok(out)
    }

    /// Make every non-durable commit durable and empty the log.
    fn checkpoint(&self) -> Result<()> {
        let Some(log) = &self.log else { return Ok(()) };
        let guard = self.guard();
        let Some(db) = guard.as_ref() else {
            return Ok(());
        };
        let mut log = log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if log.pending == 0 {
            return Ok(());
        }
        let txn = db.begin_write().map_err(|e| self.err(e))?;
        txn.commit().map_err(|e| self.err(e))?;
        log.truncate().map_err(|e| self.err(e))
    }

    /// After a commit: later reads must see it, so drop the old snapshot.
    fn forget_reader(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.reader
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// The current snapshot of the data table (see [`Reader`]).
    fn snapshot(&self) -> Result<Arc<Reader>> {
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(r) = self
            .reader
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            if r.generation == generation {
                return Ok(Arc::clone(r));
            }
        }
        let guard = self.guard();
        let db = guard
            .as_ref()
            .ok_or_else(|| KvError::Closed(self.shown.clone()))?;
        let txn = db.begin_read().map_err(|e| self.err(e))?;
        let data = txn.open_table(DATA).map_err(|e| self.err(e))?;
        let fresh = Arc::new(Reader { generation, data });
        let mut slot = self
            .reader
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == generation {
            *slot = Some(Arc::clone(&fresh));
        }
        Ok(fresh)
    }

    /// Call `f` with the live payload of `key` without copying it.
    pub fn get_with<R>(&self, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
        let snap = self.snapshot()?;
        let table = &snap.data;
        let Some(raw) = table.get(key).map_err(|e| self.err(e))? else {
            return Ok(None);
        };
        let (expires, payload) = split(raw.value());
        // Most keys never expire: read the clock only for those that do.
        if expires != 0 && !is_live(expires, now_ms()) {
            return Ok(None);
        }
        Ok(Some(f(payload)))
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.get_with(key, <[u8]>::to_vec)
    }

    pub fn get_many(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>> {
        let snap = self.snapshot()?;
        let table = &snap.data;
        let now = now_ms();
        keys.iter()
            .map(|k| {
                Ok(table
                    .get(k.as_slice())
                    .map_err(|e| self.err(e))?
                    .and_then(|raw| {
                        let (expires, payload) = split(raw.value());
                        is_live(expires, now).then(|| payload.to_vec())
                    }))
            })
            .collect()
    }

    pub fn exists(&self, key: &[u8]) -> Result<bool> {
        Ok(self.get_with(key, |_| ())?.is_some())
    }

    pub fn ttl(&self, key: &[u8]) -> Result<Ttl> {
        let snap = self.snapshot()?;
        let table = &snap.data;
        let now = now_ms();
        Ok(match table.get(key).map_err(|e| self.err(e))? {
            None => Ttl::Missing,
            Some(raw) => match split(raw.value()).0 {
                0 => Ttl::Persistent,
                t if t > now => Ttl::Millis(t - now),
                _ => Ttl::Missing,
            },
        })
    }

    /// Keys starting with `prefix`, in key order, after `cursor` (the last
    /// key of the previous page), at most `limit`.
    pub fn scan(&self, prefix: &[u8], cursor: Option<&[u8]>, limit: usize) -> Result<Page> {
        let snap = self.snapshot()?;
        let table = &snap.data;
        let now = now_ms();
        let start = match cursor {
            Some(c) if c >= prefix => Bound::Excluded(c),
            _ => Bound::Included(prefix),
        };
        let range = table
            .range::<&[u8]>((start, Bound::Unbounded))
            .map_err(|e| self.err(e))?;
        let mut page = Page::default();
        for item in range {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let key = k.value();
            if !key.starts_with(prefix) {
                break;
            }
            if !is_live(split(v.value()).0, now) {
                continue;
            }
            if page.keys.len() == limit {
                // One more live key exists: the page is full, hand out a cursor.
                page.cursor = page.keys.last().cloned();
                break;
            }
            page.keys.push(key.to_vec());
        }
        Ok(page)
    }

    /// Store one value. On a file store, concurrent calls are group-committed
    /// (see the module docs); each returns once its write is durable.
    pub fn set(&self, key: &[u8], value: &[u8], opts: SetOptions) -> Result<bool> {
        if self.memory {
            return self.write(|w| w.set(key, value, opts));
        }
        let job = Arc::new(SetJob {
            key: key.to_vec(),
            value: value.to_vec(),
            opts,
            result: Mutex::new(None),
        });
        let mut state = self.group_state();
        state.queue.push(Arc::clone(&job));
        loop {
            if let Some(done) = job
                .result
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
            {
                return done;
            }
            if state.leader {
                state = self
                    .group
                    .turn
                    .wait(state)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                continue;
            }
            state.leader = true;
            let group = std::mem::take(&mut state.queue);
            drop(state);
            self.commit_group(&group);
            state = self.group_state();
            state.leader = false;
            self.group.turn.notify_all();
        }
    }

    fn group_state(&self) -> std::sync::MutexGuard<'_, GroupState> {
        self.group
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Apply a group of `set`s in one transaction and deliver each result.
    fn commit_group(&self, group: &[Arc<SetJob>]) {
        let mut results = Vec::with_capacity(group.len());
        let together = self.write(|w| {
            for job in group {
                results.push(w.set(&job.key, &job.value, job.opts)?);
            }
            Ok(())
        });
        let deliver = |job: &SetJob, r: Result<bool>| {
            *job.result
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(r);
        };
        if together.is_ok() {
            for (job, r) in group.iter().zip(results) {
                deliver(job, Ok(r));
            }
        } else {
            // The shared transaction was dropped (aborted): give each call its
            // own attempt, so each gets its own error (a closed store...).
            for job in group {
                deliver(job, self.write(|w| w.set(&job.key, &job.value, job.opts)));
            }
        }
    }

    /// Write transactions committed since the store was opened.
    #[must_use]
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    pub fn set_many(&self, items: &[(Vec<u8>, Vec<u8>)], ttl_ms: Option<u64>) -> Result<()> {
        self.write(|w| {
            let opts = SetOptions {
                ttl_ms,
                mode: SetMode::Always,
            };
            for (k, v) in items {
                w.set(k, v, opts)?;
            }
            Ok(())
        })
    }

    pub fn delete_many(&self, keys: &[Vec<u8>]) -> Result<u64> {
        self.write(|w| {
            let mut n = 0;
            for k in keys {
                n += u64::from(w.remove(k)?);
            }
            Ok(n)
        })
    }

    pub fn incr(&self, key: &[u8], by: i64) -> Result<i64> {
        self.write(|w| w.incr(key, by))
    }

    pub fn compare_and_swap(
        &self,
        key: &[u8],
        expected: Option<&[u8]>,
        new: &[u8],
        ttl_ms: Option<u64>,
    ) -> Result<bool> {
        self.write(|w| {
            let current = w.live(key)?;
            if current.as_ref().map(|(_, p)| p.as_slice()) != expected {
                return Ok(false);
            }
            let expires = ttl_ms.map_or(0, |t| w.now + t);
            w.put(key, new, expires)?;
            Ok(true)
        })
    }

    pub fn expire(&self, key: &[u8], ttl_ms: Option<u64>) -> Result<bool> {
        self.write(|w| w.expire(key, ttl_ms))
    }

    /// Apply every operation in one transaction: all or nothing.
    pub fn batch(&self, ops: &[BatchOp]) -> Result<Vec<BatchResult>> {
        self.write(|w| {
            ops.iter()
                .map(|op| {
                    Ok(match op {
                        BatchOp::Set { key, value, opts } => {
                            BatchResult::Bool(w.set(key, value, *opts)?)
                        }
                        BatchOp::Delete { key } => BatchResult::Bool(w.remove(key)?),
                        BatchOp::Incr { key, by } => BatchResult::Int(w.incr(key, *by)?),
                        BatchOp::Expire { key, ttl_ms } => {
                            BatchResult::Bool(w.expire(key, *ttl_ms)?)
                        }
                    })
                })
                .collect()
        })
    }

    pub fn lock_acquire(
        &self,
        lock_key: &[u8],
        fence_key: &[u8],
        owner: &[u8],
        ttl_ms: u64,
    ) -> Result<Option<i64>> {
        self.write(|w| {
            if w.live(lock_key)?.is_some() {
                return Ok(None);
            }
            let token = w.incr(fence_key, 1)?;
            let expires = w.now + ttl_ms;
            w.put(lock_key, owner, expires)?;
            Ok(Some(token))
        })
    }

    pub fn lock_release(&self, lock_key: &[u8], owner: &[u8]) -> Result<bool> {
        self.write(|w| match w.live(lock_key)? {
            Some((_, holder)) if holder == owner => w.remove(lock_key),
            _ => Ok(false),
        })
    }

    pub fn lock_extend(&self, lock_key: &[u8], owner: &[u8], ttl_ms: u64) -> Result<bool> {
        self.write(|w| match w.live(lock_key)? {
            Some((_, holder)) if holder == owner => {
                let expires = w.now + ttl_ms;
                w.put(lock_key, owner, expires)?;
                Ok(true)
            }
            _ => Ok(false),
        })
    }

    /// Entries physically stored, expired ones not yet reclaimed included
    /// (for tests of the reaper and `ob kv` statistics).
    pub fn stored_entries(&self) -> Result<(u64, u64)> {
        let guard = self.guard();
        let db = guard
            .as_ref()
            .ok_or_else(|| KvError::Closed(self.shown.clone()))?;
        let txn = db.begin_read().map_err(|e| self.err(e))?;
        let data = txn.open_table(DATA).map_err(|e| self.err(e))?;
        let expiry = txn.open_table(EXPIRY).map_err(|e| self.err(e))?;
        Ok((
            data.len().map_err(|e| self.err(e))?,
            expiry.len().map_err(|e| self.err(e))?,
        ))
    }

    /// Delete up to [`REAP_BATCH`] expired entries; returns how many.
    pub fn reap(&self) -> Result<usize> {
        let now = now_ms();
        // Look first with a read transaction so an idle store never commits.
        let due: Vec<(u64, Vec<u8>)> = {
            let guard = self.guard();
            let Some(db) = guard.as_ref() else {
                return Ok(0);
            };
            let txn = db.begin_read().map_err(|e| self.err(e))?;
            let expiry = txn.open_table(EXPIRY).map_err(|e| self.err(e))?;
            let end: (u64, &[u8]) = (now + 1, &[]);
            let mut due = Vec::new();
            for item in expiry.range(..end).map_err(|e| self.err(e))? {
                let (k, ()) = item.map(|(k, v)| (k, v.value())).map_err(|e| self.err(e))?;
                let (t, key) = k.value();
                due.push((t, key.to_vec()));
                if due.len() == REAP_BATCH {
                    break;
                }
            }
            due
        };
        if due.is_empty() {
            return Ok(0);
        }
        self.write(|w| {
            for (t, key) in &due {
                w.expiry_remove(*t, key)?;
                let still_expired = match w
                    .data
                    .get(key.as_slice())
                    .map_err(|e| storage(w.shown, e))?
                {
                    Some(raw) => split(raw.value()).0 == *t,
                    None => false,
                };
                if still_expired {
                    w.data_remove(key)?;
                }
                w.dirty = true;
            }
            Ok(due.len())
        })
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        // The last handle went away without `close`: leave an empty log.
        let _ = self.checkpoint();
    }
}

/// Background reclamation: runs while the store is alive, every `interval`.
fn reaper(store: &Weak<Embedded>, interval: Duration) {
    loop {
        std::thread::sleep(interval);
        let Some(store) = store.upgrade() else { return };
        if store.closed.load(Ordering::Acquire) {
            return;
        }
        // Errors here (a full disk) resurface on the user's next write; the
        // reaper tries again next round. Keep going while whole batches are due.
        while let Ok(n) = store.reap() {
            if n < REAP_BATCH {
                break;
            }
        }
        let _ = store.checkpoint();
    }
}

/// The tables of one write transaction and the helpers every write uses.
struct Writer<'t> {
    data: Table<'t, &'static [u8], &'static [u8]>,
    expiry: Table<'t, (u64, &'static [u8]), ()>,
    now: u64,
    dirty: bool,
    shown: &'t str,
    /// The change-log frame being built (a non-durable commit), header first.
    log: Option<Vec<u8>>,
    /// Reused buffer of the stored form `[expires][payload]`.
    scratch: Vec<u8>,
}

impl Writer<'_> {
    fn err(&self, e: impl std::fmt::Display) -> KvError {
        storage(self.shown, e)
    }

    /// The live entry: `(expires_at, payload)`.
    fn live(&self, key: &[u8]) -> Result<Option<(u64, Vec<u8>)>> {
        let raw = self.data.get(key).map_err(|e| self.err(e))?;
        Ok(raw.and_then(|raw| {
            let (expires, payload) = split(raw.value());
            is_live(expires, self.now).then(|| (expires, payload.to_vec()))
        }))
    }

    fn put(&mut self, key: &[u8], payload: &[u8], expires: u64) -> Result<()> {
        let mut raw = std::mem::take(&mut self.scratch);
        raw.clear();
        raw.extend_from_slice(&expires.to_be_bytes());
        raw.extend_from_slice(payload);
        let old = self
            .data
            .insert(key, raw.as_slice())
            .map_err(|e| storage(self.shown, e))?
            .map(|old| split(old.value()).0);
        if let Some(log) = &mut self.log {
            log.push(REC_PUT);
            log_key(log, key);
            log_key(log, &raw);
        }
        self.scratch = raw;
        self.dirty = true;
        self.reindex(key, old, expires)
    }

    /// Replace the expiry index entry of `key` (`old` -> `expires`).
    fn reindex(&mut self, key: &[u8], old: Option<u64>, expires: u64) -> Result<()> {
        if let Some(old) = old.filter(|t| *t != 0 && *t != expires) {
            self.expiry_remove(old, key)?;
        }
        if expires != 0 && old != Some(expires) {
            self.expiry
                .insert((expires, key), ())
                .map_err(|e| storage(self.shown, e))?;
            if let Some(log) = &mut self.log {
                log.push(REC_EXP_PUT);
                log.extend_from_slice(&expires.to_le_bytes());
                log_key(log, key);
            }
        }
        Ok(())
    }

    fn expiry_remove(&mut self, t: u64, key: &[u8]) -> Result<()> {
        self.expiry
            .remove((t, key))
            .map_err(|e| storage(self.shown, e))?;
        if let Some(log) = &mut self.log {
            log.push(REC_EXP_DEL);
            log.extend_from_slice(&t.to_le_bytes());
            log_key(log, key);
        }
        self.dirty = true;
        Ok(())
    }

    /// Remove `key` from the data table; its old expiry, if it was stored.
    fn data_remove(&mut self, key: &[u8]) -> Result<Option<u64>> {
        let old = self
            .data
            .remove(key)
            .map_err(|e| storage(self.shown, e))?
            .map(|old| split(old.value()).0);
        if old.is_some() {
            if let Some(log) = &mut self.log {
                log.push(REC_DEL);
                log_key(log, key);
            }
            self.dirty = true;
        }
        Ok(old)
    }

    /// Remove `key`; true if a live entry was removed.
    fn remove(&mut self, key: &[u8]) -> Result<bool> {
        let Some(expires) = self.data_remove(key)? else {
            return Ok(false);
        };
        if expires != 0 {
            self.expiry_remove(expires, key)?;
        }
        Ok(is_live(expires, self.now))
    }

    fn set(&mut self, key: &[u8], value: &[u8], opts: SetOptions) -> Result<bool> {
        let exists = match opts.mode {
            SetMode::Always => None,
            _ => Some(self.live(key)?.is_some()),
        };
        match (opts.mode, exists) {
            (SetMode::IfAbsent, Some(true)) | (SetMode::IfPresent, Some(false)) => {
                return Ok(false)
            }
            _ => {}
        }
        let expires = opts.ttl_ms.map_or(0, |t| self.now + t);
        self.put(key, value, expires)?;
        Ok(true)
    }

    fn incr(&mut self, key: &[u8], by: i64) -> Result<i64> {
        let (expires, current) = match self.live(key)? {
            None => (0, 0),
            Some((expires, payload)) => {
                let n = parse_int(&payload).ok_or_else(|| {
                    KvError::NotAnInteger(format!(
                        "the value of {:?} is not an integer; incr/decr need one",
                        String::from_utf8_lossy(key)
                    ))
                })?;
                (expires, n)
            }
        };
        let next = current.checked_add(by).ok_or_else(|| {
            KvError::NotAnInteger(format!(
                "incrementing {:?} ({current}) by {by} overflows a 64-bit integer",
                String::from_utf8_lossy(key)
            ))
        })?;
        self.put(key, next.to_string().as_bytes(), expires)?;
        Ok(next)
    }

    fn expire(&mut self, key: &[u8], ttl_ms: Option<u64>) -> Result<bool> {
        let Some((_, payload)) = self.live(key)? else {
            return Ok(false);
        };
        let expires = ttl_ms.map_or(0, |t| self.now + t);
        self.put(key, &payload, expires)?;
        Ok(true)
    }
}

#[cfg(test)]
mod commit_cost {
    //! What one lone writer's commit costs under each of redb's commit
    //! settings (the numbers behind the "Lone writer" note of docs/kv.md).
    //! Not a pass/fail test: `cargo test -p ouroboros-kv-core --profile ci
    //! --lib -- --ignored --nocapture commit_cost`.

    use super::*;

    #[allow(clippy::print_stdout)] // the measurement is the output
    fn run(name: &str, sync: bool, f: impl Fn(&mut redb::WriteTransaction)) {
        let dir = std::env::temp_dir().join(format!("kv-commit-cost-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.redb", name.replace(' ', "-")));
        let _ = std::fs::remove_file(&path);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .unwrap();
        let backend = redb::backends::FileBackend::new(file).unwrap();
        let db = if sync {
            Database::builder().create_with_backend(backend).unwrap()
        } else {
            Database::builder()
                .create_with_backend(NoSyncFile(backend))
                .unwrap()
        };
        let n: u32 = if sync { 300 } else { 20_000 };
        let value = [7u8; 108];
        let started = std::time::Instant::now();
        for i in 0..n {
            let mut txn = db.begin_write().unwrap();
            f(&mut txn);
            {
                let mut t = txn.open_table(DATA).unwrap();
                t.insert(format!("key:{i:08}").as_bytes(), &value[..])
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        let per = started.elapsed() / n;
        println!("{name:48} {per:>10.1?} per commit ({n} commits)");
        drop(db);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    #[ignore = "a measurement, run by hand"]
    fn lone_writer_commit_settings() {
        run("no fsync, 1-phase (durable, no log)", false, |_| {});
        run("no fsync, 2-phase commit", false, |t| {
            t.set_two_phase_commit(true);
        });
        run("no fsync, quick repair", false, |t| {
            t.set_quick_repair(true);
        });
        run(
            "Durability::None alone (lost if the process dies)",
            false,
            |t| {
                t.set_durability(Durability::None).unwrap();
            },
        );
        // durability=eventual: non-durable commits (plus the change log's
        // write, not counted here) and a durable one every LOG_COMMITS.
        let n = std::cell::Cell::new(0u32);
        run(
            "None + durable every 64 (durability=eventual)",
            false,
            |t| {
                n.set(n.get() + 1);
                if n.get() % LOG_COMMITS != 0 {
                    t.set_durability(Durability::None).unwrap();
                }
            },
        );
        run("fsync, 1-phase (durability=immediate)", true, |_| {});
        run("fsync, 2-phase commit", true, |t| {
            t.set_two_phase_commit(true);
        });
    }
}
