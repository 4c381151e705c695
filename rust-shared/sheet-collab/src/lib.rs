//! The collaboration server of the ouroboros spreadsheet (`rusheet`).
//!
//! Browsers (Yjs with `y-websocket`), Python (`pycrdt`) and any other Yjs
//! client connect over WebSocket to `ws://host:port/<document name>` and
//! speak the y-websocket protocol: sync step 1 and 2, updates, awareness.
//! Each document is a room holding one [`yrs`] document; every update is
//! written to the store (ouroboros-kv: a redb file, Redis, or memory) before
//! it is relayed to the room's other connections, so a restarted server
//! keeps every document.
//!
//! Limits: a frame above `max_message_bytes` or a malformed message closes
//! that connection (close codes 1009 and 1007) and nothing else; each
//! connection has a bounded send queue, and a client too slow to drain it is
//! disconnected (1008) instead of growing the server's memory.
//!
//! The same HTTP port serves static files (`static_dir`), so one process
//! serves the spreadsheet page and its documents. Several processes can
//! serve one document: with `relay` set to a Redis URL, each publishes its
//! clients' updates and awareness on a channel per room and applies the
//! others'.

pub mod doc;
mod relay;
mod server;
pub mod store;

pub use doc::{Handled, RoomDoc};
pub use server::{bind, Config, Server, Stats};
pub use store::DocStore;

/// What can go wrong in the collaboration server.
#[derive(Debug, thiserror::Error)]
pub enum CollabError {
    /// A client sent something that is not a y-websocket message, or an
    /// update the CRDT cannot integrate.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The document store failed.
    #[error("document store: {0}")]
    Store(String),
    /// A bad argument or configuration.
    #[error("{0}")]
    Config(String),
}
