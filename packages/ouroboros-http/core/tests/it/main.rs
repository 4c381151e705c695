//! Engine tests against tiny servers on 127.0.0.1 (no Python).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ouroboros_http_core::{
    ClientConfig, Engine, ErrorKind, Method, RequestBody, RequestSpec, RetryPolicy, Url,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serve each connection with `respond(request_count, request_head) -> raw response`.
async fn serve(
    respond: impl Fn(usize, &str) -> String + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = Arc::new(AtomicUsize::new(0));
    let respond = Arc::new(respond);
    let c = Arc::clone(&count);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let respond = Arc::clone(&respond);
            let c = Arc::clone(&c);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut head = Vec::new();
                loop {
                    let Ok(n) = sock.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    head.extend_from_slice(&buf[..n]);
                    if let Some(p) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                        let text = String::from_utf8_lossy(&head[..p]).into_owned();
                        head.drain(..p + 4);
                        let i = c.fetch_add(1, Ordering::SeqCst);
                        let out = respond(i, &text);
                        if out.is_empty() || sock.write_all(out.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

/// A server that accepts connections and never reads or answers.
async fn stalling_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    addr
}

fn spec(url: &str) -> RequestSpec {
    RequestSpec {
        method: Method::GET,
        url: Url::parse(url).expect("url"),
        headers: ouroboros_http_core::header::HeaderMap::new(),
        body: RequestBody::Empty,
        timeouts: None,
        follow_redirects: None,
    }
}

fn ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn redirects_are_followed_and_recorded() {
    let (base, _) = serve(|_, head| {
        if head.starts_with("GET /a ") {
            "HTTP/1.1 302 Found\r\nlocation: /b\r\ncontent-length: 0\r\n\r\n".into()
        } else {
            ok("done")
        }
    })
    .await;
    let engine = Engine::new(ClientConfig {
        follow_redirects: true,
        ..ClientConfig::default()
    })
    .expect("engine");
    let done = engine
        .execute(spec(&format!("{base}/a")))
        .await
        .expect("response");
    assert_eq!(done.head.status.as_u16(), 200);
    assert_eq!(done.head.url.path(), "/b");
    assert_eq!(&done.body[..], b"done");
    assert_eq!(done.history.len(), 1);
    assert_eq!(done.history[0].head.status.as_u16(), 302);
}

#[tokio::test]
async fn a_redirect_loop_ends_in_too_many_redirects() {
    let (base, count) =
        serve(|_, _| "HTTP/1.1 302 Found\r\nlocation: /loop\r\ncontent-length: 0\r\n\r\n".into())
            .await;
    let engine = Engine::new(ClientConfig {
        follow_redirects: true,
        max_redirects: 5,
        ..ClientConfig::default()
    })
    .expect("engine");
    let err = engine
        .execute(spec(&format!("{base}/loop")))
        .await
        .expect_err("loop");
    assert_eq!(err.kind, ErrorKind::TooManyRedirects);
    assert_eq!(err.url, format!("{base}/loop"));
    assert!(err.message.contains("maximum of 5 redirects"), "{err}");
    assert_eq!(count.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn retries_on_503_then_succeeds() {
    let (base, count) = serve(|i, _| {
        if i < 2 {
            "HTTP/1.1 503 Service Unavailable\r\nretry-after: 0\r\ncontent-length: 0\r\n\r\n".into()
        } else {
            ok("fine")
        }
    })
    .await;
    let retry = RetryPolicy {
        retries: 3,
        backoff_factor: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let engine = Engine::new(ClientConfig {
        retry,
        ..ClientConfig::default()
    })
    .expect("engine");
    let done = engine
        .execute(spec(&format!("{base}/")))
        .await
        .expect("response");
    assert_eq!(done.head.status.as_u16(), 200);
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn post_is_not_retried_on_status() {
    let (base, count) =
        serve(|_, _| "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n".into()).await;
    let retry = RetryPolicy {
        retries: 3,
        backoff_factor: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let engine = Engine::new(ClientConfig {
        retry,
        ..ClientConfig::default()
    })
    .expect("engine");
    let mut s = spec(&format!("{base}/"));
    s.method = Method::POST;
    let done = engine.execute(s).await.expect("response");
    assert_eq!(done.head.status.as_u16(), 503);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn dropped_connections_are_remote_protocol_errors() {
    let (base, _) = serve(|_, _| String::new()).await;
    let engine = Engine::new(ClientConfig::default()).expect("engine");
    let err = engine
        .execute(spec(&format!("{base}/x")))
        .await
        .expect_err("dropped");
    assert_eq!(err.kind, ErrorKind::RemoteProtocolError, "{err}");
    assert!(
        err.to_string().starts_with(&format!("GET {base}/x: ")),
        "{err}"
    );
}

#[tokio::test]
async fn refused_connections_are_connect_errors() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let engine = Engine::new(ClientConfig::default()).expect("engine");
    let err = engine
        .execute(spec(&format!("http://{addr}/")))
        .await
        .expect_err("refused");
    assert_eq!(err.kind, ErrorKind::ConnectError, "{err}");
}

#[tokio::test]
async fn bad_tls_material_is_rejected_up_front() {
    let err = Engine::new(ClientConfig {
        ca_pem: Some(b"not a pem".to_vec()),
        ..ClientConfig::default()
    })
    .expect_err("bad CA");
    assert_eq!(err.kind, ErrorKind::InvalidArgument);
    assert!(err.message.contains("CA bundle"), "{err}");
    let err = Engine::new(ClientConfig {
        proxy: Some("::not a url".into()),
        ..ClientConfig::default()
    })
    .expect_err("bad proxy");
    assert!(err.message.contains("proxy"), "{err}");
}

#[tokio::test]
async fn a_server_that_stops_reading_gives_a_write_timeout() {
    // Accept and never read: the body fills the socket buffers and stalls.
    let addr = stalling_server().await;
    let mut config = ClientConfig::default();
    config.timeouts.write = Some(Duration::from_millis(200));
    config.timeouts.read = Some(Duration::from_secs(30));
    let engine = Engine::new(config).expect("engine");
    let mut s = spec(&format!("http://{addr}/upload"));
    s.method = Method::POST;
    s.body = RequestBody::Bytes(bytes::Bytes::from(vec![b'x'; 64 * 1024 * 1024]));
    let err = engine.execute(s).await.expect_err("stalled upload");
    assert_eq!(err.kind, ErrorKind::WriteTimeout, "{err}");
    assert!(err.message.contains("write timeout 200ms"), "{err}");
}

#[tokio::test]
async fn the_pool_timeout_bounds_waiting_for_a_slot() {
    let (base, _) = serve(|_, _| String::new()).await;
    let stall = stalling_server().await;
    let mut config = ClientConfig::default();
    config.limits.max_connections = Some(1);
    config.timeouts.pool = Some(Duration::from_millis(100));
    config.timeouts.read = Some(Duration::from_secs(30));
    let engine = Arc::new(Engine::new(config).expect("engine"));
    let e2 = Arc::clone(&engine);
    let hog = tokio::spawn(async move { e2.execute(spec(&format!("http://{stall}/hog"))).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let err = engine
        .execute(spec(&format!("{base}/next")))
        .await
        .expect_err("no slot");
    assert_eq!(err.kind, ErrorKind::PoolTimeout);
    assert!(err.message.contains("max_connections=1"), "{err}");
    hog.abort();
}

/// A server that reads one chunked body to its end and answers with its length.
async fn chunked_sink() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut all = Vec::new();
                let mut buf = vec![0u8; 65536];
                // The end of a chunked body: the zero-size chunk.
                while !all.ends_with(b"\r\n0\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => all.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{}",
                    all.len().to_string().len(),
                    all.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_streamed_body_goes_out_through_the_bounded_channel() {
    use ouroboros_http_core::{SendRefused, StreamBody};
    let base = chunked_sink().await;
    let engine = Engine::new(ClientConfig::default()).expect("engine");
    let (tx, body) = StreamBody::channel(2);
    assert_eq!(tx.try_send(bytes::Bytes::from_static(b"a")), Ok(()));
    assert_eq!(tx.try_send(bytes::Bytes::from_static(b"b")), Ok(()));
    assert_eq!(
        tx.try_send(bytes::Bytes::from_static(b"c")),
        Err(SendRefused::Full)
    );
    let producer = tokio::spawn(async move {
        for _ in 0..100 {
            tx.send(bytes::Bytes::from(vec![7u8; 1000]))
                .await
                .expect("room");
        }
        tx.finish();
    });
    let mut s = spec(&format!("{base}/up"));
    s.method = Method::POST;
    s.body = RequestBody::Stream(Arc::clone(&body));
    let done = engine.execute(s.clone()).await.expect("sent");
    producer.await.expect("producer");
    assert_eq!(body.sent(), 100_002);
    assert_eq!(done.head.status.as_u16(), 200);
    // A second send (a retry, a 307) cannot replay it.
    let err = engine.execute(s).await.expect_err("consumed");
    assert_eq!(err.kind, ErrorKind::StreamConsumed);
}

#[tokio::test]
async fn a_producer_that_stops_without_finishing_fails_the_request() {
    use ouroboros_http_core::StreamBody;
    let base = chunked_sink().await;
    let engine = Engine::new(ClientConfig::default()).expect("engine");
    let (tx, body) = StreamBody::channel(4);
    tx.send(bytes::Bytes::from_static(b"partial"))
        .await
        .expect("room");
    drop(tx);
    let mut s = spec(&format!("{base}/up"));
    s.method = Method::POST;
    s.body = RequestBody::Stream(body);
    let err = engine.execute(s).await.expect_err("cut short");
    assert!(err.kind.is_transport(), "{err}");
}

#[tokio::test]
async fn per_request_timeouts_replace_the_clients_phases() {
    let stall = stalling_server().await;
    let mut config = ClientConfig::default();
    config.timeouts.read = Some(Duration::from_secs(30));
    let engine = Engine::new(config).expect("engine");
    let mut s = spec(&format!("http://{stall}/r"));
    let mut t = engine.config().timeouts;
    t.read = Some(Duration::from_millis(150));
    s.timeouts = Some(t);
    let started = std::time::Instant::now();
    let err = engine.execute(s).await.expect_err("read stall");
    assert_eq!(err.kind, ErrorKind::ReadTimeout);
    assert!(started.elapsed() < Duration::from_secs(10));
}
