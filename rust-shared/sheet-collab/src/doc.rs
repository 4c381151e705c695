//! One shared document and the y-sync protocol around it, without I/O: what
//! a frame from a client changes and what goes back to whom. The server
//! (`server.rs`) owns one [`RoomDoc`] per room behind a lock; the benchmark
//! drives it directly.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};

use yrs::block::ClientID;
use yrs::encoding::read::Cursor;
use yrs::encoding::write::Write as _;
use yrs::sync::protocol::{MessageReader, MSG_SYNC, MSG_SYNC_UPDATE};
use yrs::sync::{Awareness, AwarenessUpdate, Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::{Encode, Encoder, EncoderV1};
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use crate::CollabError;

/// How many awareness client ids one connection may announce. Browsers use
/// one; the limit bounds the memory a misbehaving client can pin.
pub const MAX_CLIENTS_PER_CONNECTION: usize = 64;

/// What one incoming frame produced.
#[derive(Debug, Default)]
pub struct Handled {
    /// Encoded messages for the sender only (sync step 2 answers, awareness
    /// query answers).
    pub replies: Vec<Vec<u8>>,
    /// Document updates that changed the document (each a Yjs v1 update):
    /// to persist and to relay to the other connections.
    pub updates: Vec<Vec<u8>>,
    /// Encoded awareness messages to relay to every connection.
    pub awareness: Vec<Vec<u8>>,
}

/// A document with its awareness states.
pub struct RoomDoc {
    awareness: Awareness,
    observed: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Default for RoomDoc {
    fn default() -> Self {
        Self::new()
    }
}

fn take(observed: &Mutex<Vec<Vec<u8>>>) -> Vec<Vec<u8>> {
    std::mem::take(&mut *observed.lock().unwrap_or_else(PoisonError::into_inner))
}

/// Encodes one y-sync message.
#[must_use]
pub fn encode(message: &Message) -> Vec<u8> {
    message.encode_v1()
}

/// Encodes a document update as a y-sync `update` message without copying
/// it into a `Message` first.
#[must_use]
pub fn encode_update(update: &[u8]) -> Vec<u8> {
    let mut enc = EncoderV1::new();
    enc.write_var(MSG_SYNC);
    enc.write_var(MSG_SYNC_UPDATE);
    enc.write_buf(update);
    enc.to_vec()
}

impl RoomDoc {
    #[must_use]
    pub fn new() -> Self {
        let doc = Doc::new();
        let observed = Arc::new(Mutex::new(Vec::new()));
        let sink = observed.clone();
        // Every committed transaction that changed something reports its
        // delta here; an update the document already had reports nothing.
        doc.observe_update_v1("sheet-collab", move |_, e| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(e.update.clone());
        })
        .expect("a new document accepts an observer");
        RoomDoc {
            awareness: Awareness::new(doc),
            observed,
        }
    }

    /// Applies a stored or received Yjs v1 update; returns the deltas it
    /// produced (empty when the document already had it).
    pub fn apply_update(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, CollabError> {
        let update = Update::decode_v1(bytes)
            .map_err(|e| CollabError::Malformed(format!("undecodable update: {e}")))?;
        let doc = self.awareness.doc();
        // yrs validates as it integrates; a panic on a crafted update must
        // close that connection, not the server (the profile unwinds).
        let applied = catch_unwind(AssertUnwindSafe(|| {
            let mut txn = doc.transact_mut();
            txn.apply_update(update)
        }));
        match applied {
            Ok(Ok(())) => Ok(take(&self.observed)),
            Ok(Err(e)) => {
                take(&self.observed);
                Err(CollabError::Malformed(format!("update rejected: {e}")))
            }
            Err(_) => {
                take(&self.observed);
                Err(CollabError::Malformed(
                    "update rejected: the CRDT could not integrate it".to_owned(),
                ))
            }
        }
    }

    /// The whole document as one update (for snapshots and new replicas).
    #[must_use]
    pub fn full_state(&self) -> Vec<u8> {
        self.awareness
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    /// The messages a server sends first: its state vector (sync step 1)
    /// and the awareness states it knows.
    #[must_use]
    pub fn greeting(&self) -> Vec<Vec<u8>> {
        let sv = self.awareness.doc().transact().state_vector();
        let mut out = vec![encode(&Message::Sync(SyncMessage::SyncStep1(sv)))];
        if let Ok(update) = self.awareness.update() {
            if !update.clients.is_empty() {
                out.push(encode(&Message::Awareness(update)));
            }
        }
        out
    }

    /// Handles one binary frame (one or more y-sync messages) from the
    /// connection that announced the awareness ids in `clients`.
    pub fn handle_frame(
        &mut self,
        data: &[u8],
        clients: &mut HashSet<ClientID>,
    ) -> Result<Handled, CollabError> {
        let mut decoder = DecoderV1::new(Cursor::new(data));
        let mut out = Handled::default();
        let mut seen = false;
        for message in MessageReader::new(&mut decoder) {
            seen = true;
            let message =
                message.map_err(|e| CollabError::Malformed(format!("undecodable message: {e}")))?;
            self.handle_message(message, clients, &mut out)?;
        }
        if !seen {
            return Err(CollabError::Malformed(
                "empty frame: a y-websocket message starts with its type".to_owned(),
            ));
        }
        Ok(out)
    }

    fn handle_message(
        &mut self,
        message: Message,
        clients: &mut HashSet<ClientID>,
        out: &mut Handled,
    ) -> Result<(), CollabError> {
        match message {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let update = self
                    .awareness
                    .doc()
                    .transact()
                    .encode_state_as_update_v1(&sv);
                out.replies
                    .push(encode(&Message::Sync(SyncMessage::SyncStep2(update))));
            }
            Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                out.updates.extend(self.apply_update(&update)?);
            }
            Message::Awareness(update) => self.apply_awareness(update, clients, out)?,
            Message::AwarenessQuery => {
                let update = self
                    .awareness
                    .update()
                    .map_err(|e| CollabError::Malformed(e.to_string()))?;
                out.replies.push(encode(&Message::Awareness(update)));
            }
            // Servers grant access by accepting the connection; a client
            // has nothing to say here.
            Message::Auth(_) => {}
            Message::Custom(tag, _) => {
                return Err(CollabError::Malformed(format!(
                    "unknown message type {tag}: expected 0 (sync), 1 (awareness) or 3 (awareness query)"
                )))
            }
        }
        Ok(())
    }

    fn apply_awareness(
        &mut self,
        update: AwarenessUpdate,
        clients: &mut HashSet<ClientID>,
        out: &mut Handled,
    ) -> Result<(), CollabError> {
        for (id, entry) in &update.clients {
            if &*entry.json == "null" {
                clients.remove(id);
            } else {
                clients.insert(*id);
            }
        }
        if clients.len() > MAX_CLIENTS_PER_CONNECTION {
            return Err(CollabError::Malformed(format!(
                "one connection announced more than {MAX_CLIENTS_PER_CONNECTION} awareness clients"
            )));
        }
        let message = encode(&Message::Awareness(update.clone()));
        self.awareness
            .apply_update(update)
            .map_err(|e| CollabError::Malformed(format!("awareness update rejected: {e}")))?;
        out.awareness.push(message);
        Ok(())
    }

    /// Marks the awareness states of a closed connection offline; returns
    /// the message telling the others (None when it announced none).
    pub fn remove_clients(&mut self, clients: &HashSet<ClientID>) -> Option<Vec<u8>> {
        if clients.is_empty() {
            return None;
        }
        for id in clients {
            self.awareness.remove_state(*id);
        }
        let update = self
            .awareness
            .update_with_clients(clients.iter().copied())
            .ok()?;
        Some(encode(&Message::Awareness(update)))
    }

    /// Number of awareness states that are online.
    #[must_use]
    pub fn online_clients(&self) -> usize {
        self.awareness
            .iter()
            .filter(|(_, s)| s.data.is_some())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::sync::awareness::AwarenessUpdateEntry;
    use yrs::{GetString, Map, Text};

    fn client_update(id: u64, key: &str, value: &str) -> Vec<u8> {
        let doc = Doc::with_client_id(id);
        let cells = doc.get_or_insert_map("cells");
        let mut txn = doc.transact_mut();
        cells.insert(&mut txn, key, value);
        txn.encode_update_v1()
    }

    #[test]
    fn an_update_is_applied_once_and_relayed_once() {
        let mut room = RoomDoc::new();
        let mut clients = HashSet::new();
        let frame = encode_update(&client_update(7, "0:0", "=1+1"));
        let first = room.handle_frame(&frame, &mut clients).unwrap();
        assert_eq!(first.updates.len(), 1);
        assert!(first.replies.is_empty());
        // The same update again changes nothing and is not relayed.
        let again = room.handle_frame(&frame, &mut clients).unwrap();
        assert!(again.updates.is_empty());
        // A new replica gets it through sync step 1 -> step 2.
        let replica = Doc::new();
        let sv = replica.transact().state_vector();
        let step1 = encode(&Message::Sync(SyncMessage::SyncStep1(sv)));
        let answer = room.handle_frame(&step1, &mut clients).unwrap();
        assert_eq!(answer.replies.len(), 1);
        let Message::Sync(SyncMessage::SyncStep2(update)) =
            Message::decode_v1(&answer.replies[0]).unwrap()
        else {
            panic!("expected sync step 2");
        };
        replica
            .transact_mut()
            .apply_update(Update::decode_v1(&update).unwrap())
            .unwrap();
        let cells = replica.get_or_insert_map("cells");
        let txn = replica.transact();
        assert_eq!(cells.get(&txn, "0:0").unwrap().to_string(&txn), "=1+1");
    }

    #[test]
    fn bad_frames_are_refused_with_a_reason() {
        let mut room = RoomDoc::new();
        let mut clients = HashSet::new();
        let err = |data: &[u8], room: &mut RoomDoc, clients: &mut HashSet<ClientID>| {
            room.handle_frame(data, clients).unwrap_err().to_string()
        };
        assert!(err(&[], &mut room, &mut clients).contains("empty frame"));
        assert!(err(&[9, 0], &mut room, &mut clients).contains("unknown message type 9"));
        assert!(err(&[0, 2, 3, 1, 2], &mut room, &mut clients).contains("malformed message"));
        assert!(err(&[0, 7, 0], &mut room, &mut clients).contains("undecodable message"));
        // The document is untouched and still works.
        let text = room.awareness.doc().get_or_insert_text("t");
        text.push(&mut room.awareness.doc().transact_mut(), "ok");
        assert_eq!(text.get_string(&room.awareness.doc().transact()), "ok");
    }

    #[test]
    fn awareness_states_are_tracked_per_connection_and_bounded() {
        let mut room = RoomDoc::new();
        let mut clients = HashSet::new();
        let entry = |json: &str| AwarenessUpdateEntry {
            clock: 1,
            json: json.into(),
        };
        let update = AwarenessUpdate {
            clients: [(ClientID::new(5), entry(r#"{"user":{"name":"Ada"}}"#))].into(),
        };
        let handled = room
            .handle_frame(&encode(&Message::Awareness(update)), &mut clients)
            .unwrap();
        assert_eq!(handled.awareness.len(), 1);
        assert_eq!(room.online_clients(), 1);
        assert!(room.remove_clients(&clients).is_some());
        assert_eq!(room.online_clients(), 0);

        let many = AwarenessUpdate {
            clients: (100..=100 + MAX_CLIENTS_PER_CONNECTION as u64)
                .map(|id| (ClientID::new(id), entry("{}")))
                .collect(),
        };
        let err = room
            .handle_frame(&encode(&Message::Awareness(many)), &mut HashSet::new())
            .unwrap_err();
        assert!(err.to_string().contains("more than 64 awareness clients"));
    }
}
