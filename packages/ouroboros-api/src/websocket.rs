//! WebSocket routes: the HTTP upgrade in hyper, frames with tungstenite, and
//! events to Python through the same batched queue as requests.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_PROTOCOL,
    UPGRADE,
};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::flow::{Credit, Window, WindowGuard, RECEIVE_WINDOW, SEND_WINDOW};
use crate::params::errors_body;
use crate::queue::{Job, Msg, Queue, RequestParts, WsEvent, WsLink};
use crate::router::{extract, Lookup};
use crate::server::{full, Body, Core};

/// WebSocket routes live in the route table under this extension method, so
/// they share the radix tree and parameter plans with HTTP routes.
pub static WEBSOCKET: LazyLock<Method> =
    LazyLock::new(|| Method::from_bytes(b"WEBSOCKET").unwrap_or(Method::GET));

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Whether a request asks to become a WebSocket.
pub fn is_upgrade(req: &Request<Incoming>) -> bool {
    req.method() == Method::GET
        && req
            .headers()
            .get(UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    full(
        status,
        "text/plain; charset=utf-8",
        Bytes::from_static(text.as_bytes()),
    )
}

/// How the handler answered the upgrade.
pub enum Handshake {
    /// `websocket.accept()`: 101, with the chosen subprotocol and headers.
    Accept {
        subprotocol: Option<String>,
        headers: Vec<(String, String)>,
    },
    /// Closed before accepting: 403, as Starlette's servers answer. The
    /// close code travels in the `x-websocket-close-code` header and the
    /// reason in the body, so a client (our `TestClient`) can report them.
    Reject { code: u16, reason: String },
    /// An HTTP answer instead of the upgrade (ASGI's WebSocket denial
    /// response): the app's status, headers and body.
    Deny {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
}

/// The header of a refused handshake that names the app's close code.
pub const CLOSE_CODE_HEADER: &str = "x-websocket-close-code";

/// 403 for a handshake the app closed before accepting.
fn rejected(code: u16, body: Bytes, content_type: &'static str) -> Response<Body> {
    let mut response = full(StatusCode::FORBIDDEN, content_type, body);
    response
        .headers_mut()
        .insert(CLOSE_CODE_HEADER, HeaderValue::from(code));
    response
}

/// The app's own HTTP answer to a handshake it denied.
fn denied(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    let mut response = full(status, "text/plain; charset=utf-8", Bytes::from(body));
    let h = response.headers_mut();
    let mut typed = false;
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            if n == hyper::header::CONTENT_TYPE {
                if !typed {
                    h.remove(hyper::header::CONTENT_TYPE);
                    typed = true;
                }
            } else if n == hyper::header::CONTENT_LENGTH {
                continue;
            }
            h.append(n, v);
        }
    }
    response
}

/// Hand the connection to Python as a job, wait until the handler accepts
/// (101, then frames are relayed; its frames arrive as events) or closes
/// first (403).
pub async fn upgrade(
    core: &Arc<Core>,
    mut req: Request<Incoming>,
    peer: Option<SocketAddr>,
) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let Lookup::Found { route, params } = core.table.lookup(&WEBSOCKET, &path) else {
        // Starlette's router closes with 1000; the header lets a client report it.
        let mut response = plain(StatusCode::NOT_FOUND, "Not Found");
        response
            .headers_mut()
            .insert(CLOSE_CODE_HEADER, HeaderValue::from_static("1000"));
        return response;
    };
    let path_params = params
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect::<Vec<_>>();
    let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY).cloned() else {
        return plain(StatusCode::BAD_REQUEST, "Missing Sec-WebSocket-Key");
    };
    let plan = &core.plans[route];
    let args = extract(
        plan,
        &path_params,
        req.uri().query(),
        req.headers(),
        &Bytes::new(),
        None,
        None,
    )
    .map_err(|(errors, _)| errors);
    let args = match args {
        Ok(a) => a,
        // Like FastAPI, a WebSocket whose parameters fail is refused.
        Err(errors) => {
            return rejected(1008, errors_body(&errors).into(), "application/json");
        }
    };
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let (out_tx, out_rx) = mpsc::unbounded_channel::<Message>();
    let window = Window::new(SEND_WINDOW, core.queue.clone());
    let credit = Credit::new(RECEIVE_WINDOW);
    let (reply, _) = oneshot::channel();
    let (handshake, answered) = oneshot::channel();
    let on_upgrade = hyper::upgrade::on(&mut req);
    core.queue.push(Msg::Job(Job {
        route,
        args,
        request: Some(Box::new(RequestParts {
            method: Method::GET,
            path,
            query: req.uri().query().unwrap_or("").to_owned(),
            headers: req.headers().clone(),
            body: Bytes::new(),
            client: peer,
            path_params,
        })),
        reply,
        ws: Some(Box::new(WsLink {
            id,
            outgoing: out_tx,
            window: window.clone(),
            credit: credit.clone(),
            handshake,
        })),
        errors: None,
        answer: None,
        body: None,
    }));
    // The handler ending (or failing) without an answer drops the sender.
    let (subprotocol, extra) = match answered.await {
        Ok(Handshake::Accept {
            subprotocol,
            headers,
        }) => (subprotocol, headers),
        Ok(Handshake::Reject { code, reason }) => {
            return rejected(code, reason.into(), "text/plain; charset=utf-8")
        }
        Ok(Handshake::Deny {
            status,
            headers,
            body,
        }) => return denied(status, headers, body),
        Err(_) => return rejected(1000, Bytes::new(), "text/plain; charset=utf-8"),
    };
    tokio::spawn(relay(
        on_upgrade,
        Link {
            out_rx,
            window,
            credit,
        },
        core.queue.clone(),
        id,
        core.config.max_body_size,
    ));
    switching_protocols(&key, subprotocol, extra)
}

/// The 101 answer to an accepted handshake.
fn switching_protocols(
    key: &HeaderValue,
    subprotocol: Option<String>,
    extra: Vec<(String, String)>,
) -> Response<Body> {
    let mut response = full(StatusCode::SWITCHING_PROTOCOLS, "text/plain", Bytes::new());
    let h = response.headers_mut();
    h.remove(hyper::header::CONTENT_TYPE);
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        h.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Some(v) = subprotocol.and_then(|p| HeaderValue::from_str(&p).ok()) {
        h.insert(SEC_WEBSOCKET_PROTOCOL, v);
    }
    for (name, value) in extra {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            h.append(n, v);
        }
    }
    response
}

/// The connection's side of the flow control with Python.
struct Link {
    out_rx: mpsc::UnboundedReceiver<Message>,
    window: Arc<Window>,
    credit: Arc<Credit>,
}

/// Relay frames between the upgraded connection and Python until either side
/// closes. Both directions are bounded: frames for the client count against
/// `window` until written, frames from it against `credit` until the
/// handler receives them (the socket is not read meanwhile).
async fn relay(
    on_upgrade: hyper::upgrade::OnUpgrade,
    link: Link,
    queue: Arc<Queue>,
    id: u64,
    max_message: usize,
) {
    let closed = |code: u16, reason: String| Msg::WsEvent {
        id,
        event: WsEvent::Close(code, reason),
    };
    let Ok(upgraded) = on_upgrade.await else {
        queue.push(closed(1006, String::new()));
        return;
    };
    let mut config = WebSocketConfig::default();
    config.max_message_size = Some(max_message);
    config.max_frame_size = Some(max_message);
    let ws =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
    let (mut sink, mut stream) = ws.split();
    let Link {
        mut out_rx,
        window,
        credit,
    } = link;
    let guard = WindowGuard(window);
    let writer = async move {
        while let Some(msg) = out_rx.recv().await {
            let is_close = matches!(msg, Message::Close(_));
            let n = msg.len();
            let failed = sink.send(msg).await.is_err();
            guard.0.sub(n);
            if failed || is_close {
                break;
            }
        }
        drop(guard);
        let _ = sink.close().await;
    };
    let reader = async {
        loop {
            credit.wait_for_room().await;
            let Some(msg) = stream.next().await else {
                break;
            };
            let event = match msg {
                Ok(Message::Text(t)) => {
                    credit.add(t.len());
                    WsEvent::Text(t.as_str().to_owned())
                }
                Ok(Message::Binary(b)) => {
                    credit.add(b.len());
                    WsEvent::Binary(b)
                }
                Ok(Message::Close(frame)) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.as_str().to_owned())
                    });
                    queue.push(closed(code, reason));
                    return;
                }
                Ok(_) => continue,
                Err(_) => break,
            };
            queue.push(Msg::WsEvent { id, event });
        }
        queue.push(closed(1006, String::new()));
    };
    tokio::select! {
        () = writer => {}
        () = reader => {}
    }
}
