//! Documents on disk (or in Redis) through the project's key-value store,
//! ouroboros-kv: `file:///path.redb` (redb, crash-safe commits),
//! `redis://host:port/db`, or `memory://` for tests.
//!
//! A document is a log of Yjs updates under keys
//! `sheet-collab:<hex room name>:<16 hex digit sequence>`; the hex name
//! keeps one room's keys from being a prefix of another's. Once a log holds
//! [`COMPACT_AFTER`] entries it is replaced, in one transaction, by a
//! single snapshot update of the whole document.

use std::fmt::Write as _;
use std::future::Future;

use ouroboros_kv_core::{BatchOp, SetOptions, Store};

use crate::CollabError;

/// Log entries after which the log is replaced by one snapshot.
pub const COMPACT_AFTER: u64 = 1000;

const PREFIX: &str = "sheet-collab:";
const SCAN_PAGE: usize = 1000;

/// Where documents are kept.
#[derive(Clone)]
pub struct DocStore {
    store: Store,
}

fn room_prefix(room: &str) -> Vec<u8> {
    let mut key = String::with_capacity(PREFIX.len() + room.len() * 2 + 1);
    key.push_str(PREFIX);
    for b in room.as_bytes() {
        let _ = write!(key, "{b:02x}");
    }
    key.push(':');
    key.into_bytes()
}

fn entry_key(room: &str, seq: u64) -> Vec<u8> {
    let mut key = room_prefix(room);
    key.extend_from_slice(format!("{seq:016x}").as_bytes());
    key
}

fn seq_of(key: &[u8]) -> Option<u64> {
    let tail = key.get(key.len().checked_sub(16)?..)?;
    u64::from_str_radix(std::str::from_utf8(tail).ok()?, 16).ok()
}

/// A stored document: its updates in order and the next free sequence number.
#[derive(Debug, Default)]
pub struct Loaded {
    pub updates: Vec<Vec<u8>>,
    pub first_seq: u64,
    pub next_seq: u64,
}

impl DocStore {
    /// Opens `file:///path`, `memory://` or `redis://...`.
    pub fn open(url: &str) -> Result<Self, CollabError> {
        let store = Store::open(url).map_err(|e| CollabError::Store(e.to_string()))?;
        Ok(DocStore { store })
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
        let prefix = room_prefix(room);
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
        if let (Some(first), Some(last)) = (keys.first(), keys.last()) {
            loaded.first_seq = seq_of(first).unwrap_or(0);
            loaded.next_seq = seq_of(last).map_or(0, |s| s + 1);
        }
        for chunk in keys.chunks(SCAN_PAGE) {
            let chunk = chunk.to_vec();
            let values = self
                .call(move |s| async move { s.get_many(chunk).await })
                .await?;
            // A key removed between scan and read was compacted away by
            // another process; what remains is still a valid history.
            loaded.updates.extend(values.into_iter().flatten());
        }
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
            .map(|(u, s)| (entry_key(room, s), u))
            .collect();
        self.call(move |s| async move { s.set_many(items, None).await })
            .await
    }

    /// Replaces the entries `from..upto` of a room's log with one snapshot
    /// stored at `upto`, in one transaction.
    pub async fn compact(
        &self,
        room: &str,
        from: u64,
        upto: u64,
        snapshot: Vec<u8>,
    ) -> Result<(), CollabError> {
        let mut ops: Vec<BatchOp> = (from..upto)
            .map(|s| BatchOp::Delete {
                key: entry_key(room, s),
            })
            .collect();
        ops.push(BatchOp::Set {
            key: entry_key(room, upto),
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
        let a = room_prefix("a");
        let ab = room_prefix("a/b");
        assert!(!ab.starts_with(&a));
        assert_eq!(seq_of(&entry_key("a/b", 0x2a)), Some(0x2a));
        assert_eq!(
            entry_key("a", 1),
            b"sheet-collab:61:0000000000000001".to_vec()
        );
    }
}
