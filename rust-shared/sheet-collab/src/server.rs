//! Connections, rooms and the HTTP side of the server.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, CONNECTION, CONTENT_TYPE, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE,
};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;
use yrs::block::ClientID;

use crate::doc::{encode_update, RoomDoc};
use crate::relay::Relay;
use crate::store::{DocStore, COMPACT_AFTER};
use crate::CollabError;

/// Longest document name accepted in the URL path.
pub const MAX_ROOM_NAME: usize = 256;
/// Relayed messages one room's writer takes per store commit.
const WRITER_BATCH: usize = 512;

/// Server settings.
#[derive(Clone)]
pub struct Config {
    /// Largest WebSocket message (and frame) accepted, in bytes.
    pub max_message_bytes: usize,
    /// Messages waiting to be sent to one connection before it is dropped
    /// as too slow.
    pub send_queue: usize,
    /// Messages waiting for a room's writer (store + relay); a full queue
    /// makes the sending connections wait.
    pub room_queue: usize,
    /// How often a connection is pinged; one silent for two intervals (no
    /// frame, not even a pong) is closed, so dead peers do not pin memory.
    pub ping_interval: Duration,
    /// Where documents are kept; `None` keeps them in memory only.
    pub store: Option<DocStore>,
    /// Files served over plain HTTP GET (the spreadsheet page).
    pub static_dir: Option<PathBuf>,
    /// Redis URL through which several server processes share rooms
    /// (started by [`Server::start_relay`]).
    pub relay: Option<String>,
    /// Prefix of the relay's channel names (and, by convention, of the
    /// store's keys: [`DocStore::open_in`]).
    pub namespace: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_message_bytes: 8 * 1024 * 1024,
            send_queue: 1024,
            ping_interval: Duration::from_secs(30),
            room_queue: 4096,
            store: None,
            static_dir: None,
            relay: None,
            namespace: "sheet-collab".to_owned(),
        }
    }
}

/// Counters, served as JSON at `GET /_stats`.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections: AtomicU64,
    pub updates: AtomicU64,
    pub rejected: AtomicU64,
    pub store_errors: AtomicU64,
}

/// The collaboration server: a registry of open rooms.
pub struct Server {
    config: Config,
    rooms: tokio::sync::Mutex<HashMap<String, Arc<Room>>>,
    next_id: AtomicU64,
    relay: OnceLock<Relay>,
    pub stats: Stats,
}

struct Peer {
    tx: mpsc::Sender<Message>,
    kill: Arc<Notify>,
    clients: HashSet<ClientID>,
}

struct RoomState {
    doc: RoomDoc,
    peers: HashMap<u64, Peer>,
}

enum Outbound {
    Update {
        from: u64,
        update: Vec<u8>,
    },
    Awareness(Vec<u8>),
    /// An update from another server process (stored when `store` is set,
    /// relayed to every local connection, not published again).
    Remote {
        update: Vec<u8>,
        store: bool,
    },
    /// Awareness from another server process.
    RemoteAwareness(Vec<u8>),
    Evict,
    Flush(oneshot::Sender<()>),
}

struct Room {
    name: String,
    state: Mutex<RoomState>,
    outbox: mpsc::Sender<Outbound>,
}

impl Room {
    fn lock(&self) -> MutexGuard<'_, RoomState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Sends to every peer but `except`; peers whose queue is full are removed
/// and told to close.
fn relay(state: &mut RoomState, message: &Message, except: Option<u64>) {
    let mut slow = Vec::new();
    for (id, peer) in &state.peers {
        if Some(*id) != except && peer.tx.try_send(message.clone()).is_err() {
            slow.push(*id);
        }
    }
    for id in slow {
        if let Some(peer) = state.peers.remove(&id) {
            peer.kill.notify_one();
        }
    }
}

fn close(code: CloseCode, reason: &str) -> Message {
    // Close reasons are limited to 123 bytes by the protocol.
    let mut end = reason.len().min(120);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason[..end].to_owned().into(),
    }))
}

impl Server {
    #[must_use]
    pub fn new(config: Config) -> Arc<Self> {
        Arc::new(Server {
            config,
            rooms: tokio::sync::Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            relay: OnceLock::new(),
            stats: Stats::default(),
        })
    }

    /// Connects to the relay named in the configuration (if any) and
    /// subscribes to the other processes' rooms; call before `serve`.
    pub async fn start_relay(self: &Arc<Self>) -> Result<(), CollabError> {
        let Some(url) = &self.config.relay else {
            return Ok(());
        };
        let relay = Relay::start(self, url, &self.config.namespace).await?;
        let _ = self.relay.set(relay);
        Ok(())
    }

    /// A message another server process published for `name`: applied to
    /// the room if it is open here (otherwise the store has it).
    pub(crate) async fn remote(&self, name: &str, frame: &[u8]) {
        let Some(room) = self.rooms.lock().await.get(name).cloned() else {
            return;
        };
        let handled = room.lock().doc.handle_frame(frame, &mut HashSet::new());
        match handled {
            Ok(h) => {
                for update in h.updates {
                    let store = true;
                    let _ = room.outbox.send(Outbound::Remote { update, store }).await;
                }
                for message in h.awareness {
                    let _ = room.outbox.send(Outbound::RemoteAwareness(message)).await;
                }
            }
            Err(e) => eprintln!("sheet-collab: relayed message for {name:?} refused: {e}"),
        }
    }

    /// Accepts connections until the listener fails.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let server = server.clone();
                    async move { Ok::<_, Infallible>(server.route(req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    }

    /// Writes every relayed update still queued in every room (for a clean
    /// shutdown).
    pub async fn flush(&self) {
        let rooms: Vec<Arc<Room>> = self.rooms.lock().await.values().cloned().collect();
        for room in rooms {
            let (tx, rx) = oneshot::channel();
            if room.outbox.send(Outbound::Flush(tx)).await.is_ok() {
                let _ = rx.await;
            }
        }
    }

    /// Number of open rooms.
    pub async fn room_count(&self) -> usize {
        self.rooms.lock().await.len()
    }

    async fn route(self: &Arc<Self>, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_owned();
        if req.headers().contains_key(SEC_WEBSOCKET_KEY) {
            return self.upgrade(req, &path);
        }
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return text(
                StatusCode::METHOD_NOT_ALLOWED,
                "only GET and WebSocket upgrades\n",
            );
        }
        if path == "/_stats" {
            let s = &self.stats;
            let body = format!(
                "{{\"rooms\":{},\"connections\":{},\"updates\":{},\"rejected\":{},\"store_errors\":{}}}\n",
                self.room_count().await,
                s.connections.load(Ordering::Relaxed),
                s.updates.load(Ordering::Relaxed),
                s.rejected.load(Ordering::Relaxed),
                s.store_errors.load(Ordering::Relaxed),
            );
            return with_type(StatusCode::OK, "application/json", body.into());
        }
        match &self.config.static_dir {
            Some(dir) => serve_file(dir, &path).await,
            None => text(
                StatusCode::NOT_FOUND,
                "this is a y-websocket server: connect with WebSocket to /<document name>\n",
            ),
        }
    }

    fn upgrade(self: &Arc<Self>, req: Request<Incoming>, path: &str) -> Response<Full<Bytes>> {
        let room = path.trim_start_matches('/').to_owned();
        if room.is_empty() || room.len() > MAX_ROOM_NAME || room.chars().any(char::is_control) {
            return text(
                StatusCode::BAD_REQUEST,
                &format!(
                    "document name must be 1 to {MAX_ROOM_NAME} bytes without control characters\n"
                ),
            );
        }
        let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY).cloned() else {
            return text(StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key\n");
        };
        let on_upgrade = hyper::upgrade::on(req);
        let server = self.clone();
        tokio::spawn(async move {
            let Ok(upgraded) = on_upgrade.await else {
                return;
            };
            let mut config = WebSocketConfig::default();
            config.max_message_size = Some(server.config.max_message_bytes);
            config.max_frame_size = Some(server.config.max_message_bytes);
            let ws = WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                Some(config),
            )
            .await;
            server.stats.connections.fetch_add(1, Ordering::Relaxed);
            server.connection(room, ws).await;
            server.stats.connections.fetch_sub(1, Ordering::Relaxed);
        });
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = response.headers_mut();
        h.insert(UPGRADE, HeaderValue::from_static("websocket"));
        h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        if let Ok(v) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
            h.insert(SEC_WEBSOCKET_ACCEPT, v);
        }
        response
    }

    /// Opens (loading it from the store) or finds a room and adds a peer to
    /// it; returns the room and the messages to greet the peer with.
    async fn join(
        self: &Arc<Self>,
        name: &str,
        id: u64,
        peer: Peer,
    ) -> Result<(Arc<Room>, Vec<Vec<u8>>), CollabError> {
        let mut rooms = self.rooms.lock().await;
        let room = if let Some(room) = rooms.get(name) {
            room.clone()
        } else {
            let room = self.open_room(name).await?;
            rooms.insert(name.to_owned(), room.clone());
            if self.relay.get().is_some() {
                self.reload(&room);
            }
            room
        };
        let greeting = {
            let mut state = room.lock();
            state.peers.insert(id, peer);
            state.doc.greeting()
        };
        Ok((room, greeting))
    }

    /// Reads a just-opened room's stored updates once more: another process
    /// may have stored and published an update between our read and our
    /// registering the room.
    fn reload(&self, room: &Arc<Room>) {
        let (Some(store), room) = (self.config.store.clone(), room.clone()) else {
            return;
        };
        tokio::spawn(async move {
            let Ok(loaded) = store.load(&room.name).await else {
                return;
            };
            for update in loaded.updates {
                let deltas = room.lock().doc.apply_update(&update);
                for update in deltas.unwrap_or_default() {
                    let store = false;
                    let _ = room.outbox.send(Outbound::Remote { update, store }).await;
                }
            }
        });
    }

    async fn open_room(self: &Arc<Self>, name: &str) -> Result<Arc<Room>, CollabError> {
        let mut doc = RoomDoc::new();
        let mut inherited = Vec::new();
        if let Some(store) = &self.config.store {
            let loaded = store.load(name).await?;
            for update in &loaded.updates {
                doc.apply_update(update).map_err(|e| {
                    CollabError::Store(format!("stored document {name:?} is damaged: {e}"))
                })?;
            }
            inherited = loaded.keys;
        }
        let (outbox, rx) = mpsc::channel(self.config.room_queue);
        let room = Arc::new(Room {
            name: name.to_owned(),
            state: Mutex::new(RoomState {
                doc,
                peers: HashMap::new(),
            }),
            outbox,
        });
        let writer = Writer {
            server: self.clone(),
            room: room.clone(),
            first_seq: 0,
            next_seq: 0,
            inherited,
            must_compact: false,
        };
        tokio::spawn(writer.run(rx));
        Ok(room)
    }

    async fn connection(
        self: &Arc<Self>,
        name: String,
        ws: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
    ) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (mut sink, mut stream) = ws.split();
        let (tx, mut rx) = mpsc::channel::<Message>(self.config.send_queue);
        let kill = Arc::new(Notify::new());
        let peer = Peer {
            tx: tx.clone(),
            kill: kill.clone(),
            clients: HashSet::new(),
        };
        let (room, greeting) = match self.join(&name, id, peer).await {
            Ok(joined) => joined,
            Err(e) => {
                let _ = sink.send(close(CloseCode::Error, &e.to_string())).await;
                return;
            }
        };
        let writer = tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                let last = matches!(message, Message::Close(_));
                if sink.send(message).await.is_err() || last {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        for message in greeting {
            let _ = tx.try_send(Message::Binary(message.into()));
        }
        let mut clients = HashSet::new();
        let interval = self.config.ping_interval;
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        let mut last_heard = Instant::now();
        let ending = loop {
            let frame = tokio::select! {
                () = kill.notified() => break Some(close(CloseCode::Policy, "send queue full: the client reads too slowly")),
                _ = ping.tick() => {
                    if last_heard.elapsed() >= interval * 2 {
                        break Some(close(CloseCode::Away, "no answer to pings"));
                    }
                    let _ = tx.try_send(Message::Ping(Bytes::new()));
                    continue;
                }
                frame = stream.next() => frame,
            };
            last_heard = Instant::now();
            let data = match frame {
                None | Some(Ok(Message::Close(_))) => break None,
                Some(Ok(Message::Binary(data))) => data,
                Some(Ok(Message::Text(_))) => {
                    break Some(close(
                        CloseCode::Unsupported,
                        "text frames are not part of the y-websocket protocol",
                    ))
                }
                Some(Ok(_)) => continue,
                Some(Err(WsError::Capacity(e))) => {
                    break Some(close(CloseCode::Size, &format!("message too big: {e}")))
                }
                Some(Err(_)) => break None,
            };
            match self.handle(&room, id, &data, &mut clients, &tx).await {
                Ok(()) => {}
                Err(e) => {
                    self.stats.rejected.fetch_add(1, Ordering::Relaxed);
                    break Some(close(CloseCode::Invalid, &e.to_string()));
                }
            }
        };
        self.leave(&room, id).await;
        if let Some(message) = ending {
            if tx.try_send(message).is_err() {
                writer.abort();
            }
        }
        drop(tx);
        // A peer that stopped reading must not keep this task forever.
        let abort = writer.abort_handle();
        if tokio::time::timeout(Duration::from_secs(5), writer)
            .await
            .is_err()
        {
            abort.abort();
        }
    }

    async fn handle(
        &self,
        room: &Arc<Room>,
        id: u64,
        data: &[u8],
        clients: &mut HashSet<ClientID>,
        tx: &mpsc::Sender<Message>,
    ) -> Result<(), CollabError> {
        let handled = {
            let mut state = room.lock();
            let handled = state.doc.handle_frame(data, clients)?;
            if let Some(peer) = state.peers.get_mut(&id) {
                peer.clients.clone_from(clients);
            }
            handled
        };
        for reply in handled.replies {
            if tx.try_send(Message::Binary(reply.into())).is_err() {
                return Err(CollabError::Malformed(
                    "send queue full: the client reads too slowly".to_owned(),
                ));
            }
        }
        self.stats
            .updates
            .fetch_add(handled.updates.len() as u64, Ordering::Relaxed);
        for update in handled.updates {
            let _ = room
                .outbox
                .send(Outbound::Update { from: id, update })
                .await;
        }
        for message in handled.awareness {
            let _ = room.outbox.send(Outbound::Awareness(message)).await;
        }
        Ok(())
    }

    async fn leave(&self, room: &Arc<Room>, id: u64) {
        let (gone, empty) = {
            let mut state = room.lock();
            let clients = state
                .peers
                .remove(&id)
                .map(|p| p.clients)
                .unwrap_or_default();
            (state.doc.remove_clients(&clients), state.peers.is_empty())
        };
        if let Some(message) = gone {
            let _ = room.outbox.send(Outbound::Awareness(message)).await;
        }
        if empty {
            let _ = room.outbox.send(Outbound::Evict).await;
        }
    }
}

/// The task behind each room: writes document updates to the store in
/// batches, then relays them, so what a client received is on disk.
struct Writer {
    server: Arc<Server>,
    room: Arc<Room>,
    first_seq: u64,
    next_seq: u64,
    /// Keys read when the room was opened (other writers' or earlier runs'),
    /// replaced by this writer's first snapshot.
    inherited: Vec<Vec<u8>>,
    /// A write failed: the next compaction must store the whole document.
    must_compact: bool,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Outbound>) {
        let mut batch = Vec::with_capacity(WRITER_BATCH);
        while rx.recv_many(&mut batch, WRITER_BATCH).await > 0 {
            self.persist(&batch).await;
            let mut evict = false;
            let mut flushed = Vec::new();
            let mut published = Vec::new();
            {
                let mut state = self.room.lock();
                for item in batch.drain(..) {
                    match item {
                        Outbound::Update { from, update } => {
                            let frame = encode_update(&update);
                            relay(
                                &mut state,
                                &Message::Binary(frame.clone().into()),
                                Some(from),
                            );
                            published.push(frame);
                        }
                        Outbound::Awareness(data) => {
                            relay(&mut state, &Message::Binary(data.clone().into()), None);
                            published.push(data);
                        }
                        Outbound::Remote { update, .. } => {
                            let frame = encode_update(&update);
                            relay(&mut state, &Message::Binary(frame.into()), None);
                        }
                        Outbound::RemoteAwareness(data) => {
                            relay(&mut state, &Message::Binary(data.into()), None);
                        }
                        Outbound::Evict => evict = true,
                        Outbound::Flush(done) => flushed.push(done),
                    }
                }
            }
            if let Some(relay) = self.server.relay.get() {
                if let Err(e) = relay.publish(&self.room.name, &published).await {
                    self.server
                        .stats
                        .store_errors
                        .fetch_add(1, Ordering::Relaxed);
                    eprintln!("sheet-collab: {e}");
                }
            }
            for done in flushed {
                let _ = done.send(());
            }
            self.compact().await;
            if evict && self.evict().await {
                return;
            }
        }
    }

    async fn persist(&mut self, batch: &[Outbound]) {
        let Some(store) = &self.server.config.store else {
            return;
        };
        let updates: Vec<Vec<u8>> = batch
            .iter()
            .filter_map(|item| match item {
                Outbound::Update { update, .. }
                | Outbound::Remote {
                    update,
                    store: true,
                } => Some(update.clone()),
                _ => None,
            })
            .collect();
        if updates.is_empty() {
            return;
        }
        let n = updates.len() as u64;
        // A failed write is retried; the document stays complete in memory
        // meanwhile, and the next successful compaction stores all of it.
        for attempt in 0..3u64 {
            match store
                .append(&self.room.name, self.next_seq, updates.clone())
                .await
            {
                Ok(()) => {
                    self.next_seq += n;
                    return;
                }
                Err(e) => {
                    self.server
                        .stats
                        .store_errors
                        .fetch_add(1, Ordering::Relaxed);
                    eprintln!("sheet-collab: writing {:?}: {e}", self.room.name);
                    tokio::time::sleep(std::time::Duration::from_millis(50 * (attempt + 1))).await;
                }
            }
        }
        self.next_seq += n;
        self.must_compact = true;
    }

    async fn compact(&mut self) {
        let Some(store) = &self.server.config.store else {
            return;
        };
        if !self.must_compact && self.next_seq - self.first_seq < COMPACT_AFTER {
            return;
        }
        let snapshot = self.room.lock().doc.full_state();
        let upto = self.next_seq;
        let inherited = self.inherited.clone();
        match store
            .compact(&self.room.name, self.first_seq, upto, inherited, snapshot)
            .await
        {
            Ok(()) => {
                self.inherited.clear();
                self.first_seq = upto;
                self.next_seq = upto + 1;
                self.must_compact = false;
            }
            Err(e) => {
                self.server
                    .stats
                    .store_errors
                    .fetch_add(1, Ordering::Relaxed);
                eprintln!("sheet-collab: compacting {:?}: {e}", self.room.name);
            }
        }
    }

    /// Drops the room from memory when nobody is connected any more; true
    /// when it did.
    async fn evict(&self) -> bool {
        let mut rooms = self.server.rooms.lock().await;
        if !self.room.lock().peers.is_empty() {
            return false;
        }
        if self.server.config.store.is_none() {
            // Without a store the room's memory is the only copy.
            return false;
        }
        rooms.remove(&self.room.name);
        true
    }
}

fn with_type(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    with_type(
        status,
        "text/plain; charset=utf-8",
        Bytes::from(body.to_owned()),
    )
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

async fn serve_file(dir: &Path, path: &str) -> Response<Full<Bytes>> {
    let relative = if path == "/" {
        "index.html"
    } else {
        path.trim_start_matches('/')
    };
    let relative = Path::new(relative);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
        || relative.as_os_str().len() > 1024
    {
        return text(StatusCode::NOT_FOUND, "not found\n");
    }
    let full = dir.join(relative);
    match tokio::fs::read(&full).await {
        Ok(body) => with_type(StatusCode::OK, content_type(&full), body.into()),
        Err(_) => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// Binds `addr` (port 0 picks a free port).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, CollabError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| CollabError::Config(format!("cannot listen on {addr}: {e}")))
}
