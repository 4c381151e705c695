//! Documents on disk (or in Redis) through the project's key-value store,
//! ouroboros-kv: `file:///path.redb` (redb, crash-safe commits),
//! `redis://host:port/db`, or `memory://` for tests.
//!
//! A document is a log of Yjs updates under keys
//! `<namespace>:<hex room name>:<16 hex digit writer>:<16 hex digit sequence>`;
//! the hex name keeps one room's keys from being a prefix of another's, and
//! each server process writes under its own random writer id, so several
//! processes can share one store. Updates commute, so a document is the
//! union of its entries in any order. Once a writer has added
//! [`COMPACT_AFTER`] entries it replaces them, and every entry it read when
//! it opened the room, with one snapshot of the whole document, in one
//! transaction.

use std::fmt::Write as _;
use std::future::Future;

use ouroboros_kv_core::{BatchOp, SetOptions, Store};

use crate::CollabError;

/// Log entries after which the log is replaced by one snapshot.
pub const COMPACT_AFTER: u64 = 1000;

const SCAN_PAGE: usize = 1000;

/// Where documents are kept.
#[derive(Clone)]
pub struct DocStore {
    store: Store,
    namespace: String,
    writer: u64,
}

/// Hex of a room name: never a prefix of another room's hex followed by `:`.
#[must_use]
pub fn hex_name(room: &str) -> String {
    let mut out = String::with_capacity(room.len() * 2);
    for b in room.as_bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The room name back from [`hex_name`]'s output.
#[must_use]
pub fn unhex_name(hex: &str) -> Option<String> {
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// A stored document: its updates, and the keys they came from.
#[derive(Debug, Default)]
pub struct Loaded {
    pub updates: Vec<Vec<u8>>,
    pub keys: Vec<Vec<u8>>,
}

impl DocStore {
    /// Opens `file:///path`, `memory://` or `redis://...`; keys start with
    /// `sheet-collab:`.
    pub fn open(url: &str) -> Result<Self, CollabError> {
        Self::open_in(url, "sheet-collab")
    }

    /// Opens a store whose keys start with `<namespace>:`.
    pub fn open_in(url: &str, namespace: &str) -> Result<Self, CollabError> {
        let store = Store::open(url).map_err(|e| CollabError::Store(e.to_string()))?;
        Ok(DocStore {
            store,
            namespace: namespace.to_owned(),
            writer: fastrand::u64(..),
        })
    }

    fn room_prefix(&self, room: &str) -> Vec<u8> {
        format!("{}:{}:", self.namespace, hex_name(room)).into_bytes()
    }

    fn entry_key(&self, room: &str, seq: u64) -> Vec<u8> {
        let mut key = self.room_prefix(room);
        key.extend_from_slice(format!("{:016x}:{seq:016x}", self.writer).as_bytes());
        key
    }

    #[must_use]
    pub fn describe(&self) -> String {
        self.store.describe()
    }

    /// Runs a store call. redb commits wait for fsync, so embedded calls run
    /// on the blocking pool; Redis calls are ordinary futures.
    async fn call<T, F, Fut>(&self, f: F) -> Result<T, CollabError>
    where
        T: Send + 'static,
        F: FnOnce(Store) -> Fut + Send + 'static,
        Fut: Future<Output = ouroboros_kv_core::Result<T>> + Send,
    {
        let store = self.store.clone();
        let out = match &self.store {
            Store::Embedded(_) => {
                tokio::task::spawn_blocking(move || futures::executor::block_on(f(store)))
                    .await
                    .map_err(|e| CollabError::Store(format!("store task failed: {e}")))?
            }
            Store::Redis(_) => f(store).await,
        };
        out.map_err(|e| CollabError::Store(e.to_string()))
    }

    /// Reads a room's log.
    pub async fn load(&self, room: &str) -> Result<Loaded, CollabError> {
        let prefix = self.room_prefix(room);
        let mut keys = Vec::new();
        let mut cursor = None;
        loop {
            let p = prefix.clone();
            let c = cursor.take();
            let page = self
                .call(move |s| async move { s.scan(p, c, SCAN_PAGE).await })
                .await?;
            keys.extend(page.keys);
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut loaded = Loaded::default();
        for chunk in keys.chunks(SCAN_PAGE) {
            let chunk = chunk.to_vec();
            let values = self
                .call(move |s| async move { s.get_many(chunk).await })
                .await?;
            // A key removed between scan and read was compacted away by
            // another process; what remains is still a valid history.
            loaded.updates.extend(values.into_iter().flatten());
        }
        loaded.keys = keys;
        Ok(loaded)
    }

    /// Appends updates to a room's log from sequence `seq` on, in one commit.
    pub async fn append(
        &self,
        room: &str,
        seq: u64,
        updates: Vec<Vec<u8>>,
    ) -> Result<(), CollabError> {
        let items: Vec<(Vec<u8>, Vec<u8>)> = updates
            .into_iter()
            .zip(seq..)
            .map(|(u, s)| (self.entry_key(room, s), u))
            .collect();
        self.call(move |s| async move { s.set_many(items, None).await })
            .await
    }

    /// Replaces this writer's entries `from..upto` and the `inherited` keys
    /// (read when the room was opened) with one snapshot stored at `upto`,
    /// in one transaction.
    pub async fn compact(
        &self,
        room: &str,
        from: u64,
        upto: u64,
        inherited: Vec<Vec<u8>>,
        snapshot: Vec<u8>,
    ) -> Result<(), CollabError> {
        let mut ops: Vec<BatchOp> = (from..upto)
            .map(|s| BatchOp::Delete {
                key: self.entry_key(room, s),
            })
            .chain(inherited.into_iter().map(|key| BatchOp::Delete { key }))
            .collect();
        ops.push(BatchOp::Set {
            key: self.entry_key(room, upto),
            value: snapshot,
            opts: SetOptions::default(),
        });
        self.call(move |s| async move { s.batch(ops).await })
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_room_never_prefix_another() {
        let store = DocStore::open_in("memory://", "ns").unwrap();
        let a = store.room_prefix("a");
        let ab = store.room_prefix("a/b");
        assert!(!ab.starts_with(&a));
        assert_eq!(a, b"ns:61:".to_vec());
        let key = String::from_utf8(store.entry_key("a", 42)).unwrap();
        assert_eq!(key, format!("ns:61:{:016x}:{:016x}", store.writer, 42));
        assert_eq!(
            unhex_name(&hex_name("Q3 budget/é")).as_deref(),
            Some("Q3 budget/é")
        );
        assert_eq!(unhex_name("6"), None);
    }
}
