//! The local server that `benchmarks/bench_http.py` measures clients against.
//!
//! A minimal HTTP/1.1 keep-alive server on tokio (one worker thread, so it
//! can be pinned to one core): `GET /json` answers a fixed 1 KB JSON document,
//! any request with a body is read in full (Content-Length) and answered with
//! its size. Written for throughput, not generality: no chunked requests.
//!
//! Usage: `bench_server [PORT]` (0 picks a free port); prints `PORT <n>` when ready.

use std::fmt::Write as _;
use std::io::Write as _;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn json_body() -> Vec<u8> {
    let mut s = String::from("{\"id\":1,\"name\":\"ouroboros\",\"items\":[");
    for i in 0..22 {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"n\":{i},\"label\":\"item-{i}\",\"ok\":{}}}",
            i % 2 == 0
        );
    }
    s.push_str("]}");
    s.into_bytes()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> usize {
    let text = String::from_utf8_lossy(head);
    text.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

async fn serve(mut sock: TcpStream, json: std::sync::Arc<Vec<u8>>) -> std::io::Result<()> {
    sock.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 256 * 1024];
    let mut out = Vec::with_capacity(2048);
    loop {
        let head_end = loop {
            if let Some(p) = find(&buf, b"\r\n\r\n") {
                break p + 4;
            }
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let need = content_length(&buf[..head_end]);
        // The body is counted and dropped, not accumulated: the server must
        // not be what limits the large-upload rows.
        let in_buf = buf.len() - head_end;
        if in_buf >= need {
            buf.drain(..head_end + need);
        } else {
            buf.clear();
            let mut missing = need - in_buf;
            while missing > 0 {
                let n = sock.read(&mut chunk).await?;
                if n == 0 {
                    return Ok(());
                }
                if n > missing {
                    // Bytes of a pipelined next request: keep them.
                    buf.extend_from_slice(&chunk[missing..n]);
                    missing = 0;
                } else {
                    missing -= n;
                }
            }
        }
        out.clear();
        if need == 0 {
            write!(
                out,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                json.len()
            )?;
            out.extend_from_slice(&json);
        } else {
            let body = format!("{{\"received\":{need}}}");
            write!(out, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len())?;
        }
        sock.write_all(&out).await?;
    }
}

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "PORT {}", listener.local_addr()?.port())?;
        stdout.flush()?;
        let json = std::sync::Arc::new(json_body());
        loop {
            let (sock, _) = listener.accept().await?;
            let json = std::sync::Arc::clone(&json);
            tokio::spawn(async move {
                let _ = serve(sock, json).await;
            });
        }
    })
}
