//! The local server that `benchmarks/bench_http.py` measures clients against.
//!
//! A minimal HTTP/1.1 keep-alive server on tokio (one worker thread, so it
//! can be pinned to one core): `GET /json` answers a fixed 1 KB JSON document,
//! `GET /download/<n>` answers `n` zero bytes, and any request with a body
//! (Content-Length or chunked) is read, counted without being kept, and
//! answered with its size. Written for throughput, not generality.
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

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// One connection's read side: a buffer that is consumed from `start`.
struct Conn {
    sock: TcpStream,
    buf: Vec<u8>,
    start: usize,
    scratch: Vec<u8>,
}

impl Conn {
    /// Read more bytes; false at the end of the stream.
    async fn fill(&mut self) -> std::io::Result<bool> {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 64 * 1024 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let n = self.sock.read(&mut self.scratch).await?;
        self.buf.extend_from_slice(&self.scratch[..n]);
        Ok(n > 0)
    }

    /// The bytes up to and including `pat`, consumed; `None` at the end of the stream.
    async fn take_until(&mut self, pat: &[u8]) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(p) = find(&self.buf[self.start..], pat) {
                let end = self.start + p + pat.len();
                let out = self.buf[self.start..end].to_vec();
                self.start = end;
                return Ok(Some(out));
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }

    /// Drop `n` bytes (a body is counted, never kept); false at the end of the stream.
    async fn skip(&mut self, mut n: usize) -> std::io::Result<bool> {
        loop {
            let avail = self.buf.len() - self.start;
            if avail >= n {
                self.start += n;
                return Ok(true);
            }
            n -= avail;
            self.start = self.buf.len();
            if !self.fill().await? {
                return Ok(false);
            }
        }
    }

    /// Read a request body (Content-Length or chunked); its size, `None` at the end of the stream.
    async fn body(&mut self, head: &str) -> std::io::Result<Option<usize>> {
        let chunked =
            header(head, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if !chunked {
            let need = header(head, "content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            return Ok(self.skip(need).await?.then_some(need));
        }
        let mut total = 0;
        loop {
            let Some(line) = self.take_until(b"\r\n").await? else {
                return Ok(None);
            };
            let text = String::from_utf8_lossy(&line);
            let size = usize::from_str_radix(text.trim().split(';').next().unwrap_or("0"), 16)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            if size == 0 {
                // No trailers from the benchmark's clients: the final CRLF.
                return Ok(self.skip(2).await?.then_some(total));
            }
            if !self.skip(size + 2).await? {
                return Ok(None);
            }
            total += size;
        }
    }
}

async fn serve(sock: TcpStream, json: std::sync::Arc<Vec<u8>>) -> std::io::Result<()> {
    sock.set_nodelay(true)?;
    let mut conn = Conn {
        sock,
        buf: Vec::with_capacity(64 * 1024),
        start: 0,
        scratch: vec![0u8; 256 * 1024],
    };
    let zeros = vec![0u8; 256 * 1024];
    let mut out = Vec::with_capacity(2048);
    loop {
        let Some(head) = conn.take_until(b"\r\n\r\n").await? else {
            return Ok(());
        };
        let head = String::from_utf8_lossy(&head).into_owned();
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let Some(received) = conn.body(&head).await? else {
            return Ok(());
        };
        out.clear();
        if let Some(size) = path.strip_prefix("/download/") {
            // `size` zero bytes, written 256 KiB at a time.
            let mut left: usize = size.parse().unwrap_or(0);
            write!(out, "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {left}\r\n\r\n")?;
            conn.sock.write_all(&out).await?;
            while left > 0 {
                let n = left.min(zeros.len());
                conn.sock.write_all(&zeros[..n]).await?;
                left -= n;
            }
            continue;
        }
        if received == 0 {
            write!(
                out,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                json.len()
            )?;
            out.extend_from_slice(&json);
        } else {
            let body = format!("{{\"received\":{received}}}");
            write!(out, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len())?;
        }
        conn.sock.write_all(&out).await?;
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
