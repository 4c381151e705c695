//! `multipart/form-data` bodies (uploads), parsed with multer on the I/O
//! thread: text fields feed `Form()` parameters, files `File()`/`UploadFile`.
//!
//! The server streams the body through the parser as it arrives: a file
//! stays in memory up to a threshold (1 MiB, Starlette's), then moves to an
//! unnamed temporary file, so an upload of any size holds a bounded amount
//! of memory.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use hyper::header::{HeaderMap, CONTENT_TYPE};

/// Where an uploaded file's bytes are.
#[derive(Debug, Clone)]
pub enum FileContent {
    Memory(Bytes),
    /// Spooled to an unnamed temporary file (gone when its last handle closes).
    Disk(Arc<std::fs::File>),
}

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub filename: String,
    pub content_type: String,
    /// The part's own headers (lower-case names), as Starlette keeps them.
    pub headers: Vec<(String, String)>,
    pub size: u64,
    pub content: FileContent,
    /// The Python `UploadFile` of this part, shared by every parameter that
    /// reads it during one request (FastAPI hands them one object).
    pub python: Arc<OnceLock<pyo3::Py<pyo3::PyAny>>>,
}

impl UploadedFile {
    /// The whole content (read back from disk when spooled).
    pub fn bytes(&self) -> std::io::Result<Bytes> {
        match &self.content {
            FileContent::Memory(b) => Ok(b.clone()),
            FileContent::Disk(file) => {
                use std::os::unix::fs::FileExt;
                let len = usize::try_from(self.size).map_err(std::io::Error::other)?;
                let mut buf = vec![0u8; len];
                file.read_exact_at(&mut buf, 0)?;
                Ok(Bytes::from(buf))
            }
        }
    }
}

/// The parts of a multipart body.
#[derive(Debug, Default, Clone)]
pub struct FormParts {
    pub fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
}

/// The multipart boundary, when the body is `multipart/form-data`.
pub fn boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(ct).ok()
}

/// FastAPI's `form_limits` (Starlette's parser limits): how many text fields
/// and files a form may have, and how large one text field may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLimits {
    pub max_fields: usize,
    pub max_files: usize,
    pub max_part_size: usize,
}

impl Default for FormLimits {
    /// Starlette's defaults: 1,000 fields, 1,000 files, 1 MiB per text field.
    fn default() -> Self {
        Self {
            max_fields: 1000,
            max_files: 1000,
            max_part_size: 1024 * 1024,
        }
    }
}

impl FormLimits {
    /// The refusal for one more text field than allowed.
    pub fn too_many_fields(&self) -> String {
        format!(
            "Too many fields. Maximum number of fields is {}.",
            self.max_fields
        )
    }

    /// The refusal for a text field over `max_part_size`, in Starlette's words
    /// (`multipart`: a part; urlencoded: a field).
    pub fn too_large(&self, what: &str) -> String {
        format!(
            "{what} exceeded maximum size of {}KB.",
            self.max_part_size / 1024
        )
    }
}

/// Why reading a streamed body stopped (the body stream's error, carried
/// through multer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Over the body limit (413).
    TooLarge,
    /// The client stopped sending (408).
    TimedOut,
    /// The connection failed while reading (400).
    Unreadable,
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::TooLarge => "Request body is too large",
            Self::TimedOut => "Timed out reading the request body",
            Self::Unreadable => "Could not read the request body",
        })
    }
}

impl std::error::Error for BodyError {}

/// Why a multipart body was not parsed.
#[derive(Debug, PartialEq, Eq)]
pub enum FormError {
    /// Not a valid multipart body (422 `multipart_invalid`).
    Invalid(String),
    /// Valid, but over a `form_limits` setting (400, the message says which).
    Limit(String),
    /// The body itself could not be read (413, 408 or 400).
    Body(BodyError),
    /// A spooled file could not be written (500; the disk is full...).
    Storage(String),
}

fn parse_error(e: multer::Error) -> FormError {
    if let multer::Error::StreamReadFailed(inner) = &e {
        if let Some(body) = inner.downcast_ref::<BodyError>() {
            return FormError::Body(*body);
        }
    }
    FormError::Invalid(e.to_string())
}

/// Bytes collected before each write to a spool file.
const SPOOL_WRITE: usize = 256 * 1024;

/// Run a file operation on tokio's blocking pool (never on the I/O thread),
/// or here when no runtime drives the parse (`FormFeed`, whose caller
/// already runs it off the event loop once files spool).
async fn on_blocking_pool<T: Send + 'static>(
    op: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, FormError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return op().map_err(|e| FormError::Storage(e.to_string()));
    }
    match tokio::task::spawn_blocking(op).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(FormError::Storage(e.to_string())),
        Err(e) => Err(FormError::Storage(e.to_string())),
    }
}

/// Read one file part: in memory up to `spool_after` bytes, then to disk.
async fn read_file(
    field: &mut multer::Field<'_>,
    spool_after: Option<usize>,
) -> Result<(FileContent, u64), FormError> {
    let mut pending = BytesMut::new();
    let mut disk: Option<Arc<std::fs::File>> = None;
    let mut size = 0u64;
    loop {
        let chunk = field.chunk().await.map_err(parse_error)?;
        let done = chunk.is_none();
        if let Some(chunk) = chunk {
            size += chunk.len() as u64;
            pending.extend_from_slice(&chunk);
        }
        let Some(threshold) = spool_after else {
            if done {
                break;
            }
            continue;
        };
        let write = if disk.is_some() {
            pending.len() >= SPOOL_WRITE || (done && !pending.is_empty())
        } else {
            pending.len() > threshold
        };
        if write {
            if disk.is_none() {
                disk = Some(Arc::new(on_blocking_pool(tempfile::tempfile).await?));
            }
            let file = disk.clone().expect("created above");
            let batch = pending.split().freeze();
            on_blocking_pool(move || (&*file).write_all(&batch)).await?;
        }
        if done {
            break;
        }
    }
    Ok(match disk {
        Some(file) => (FileContent::Disk(file), size),
        None => (FileContent::Memory(pending.freeze()), size),
    })
}

/// Parse a multipart body as it arrives from `stream`, stopping at the
/// first limit passed. With `spool_after`, files larger than that many
/// bytes are written to temporary files (this needs a tokio runtime).
pub async fn parse_stream<S, E>(
    stream: S,
    boundary: &str,
    limits: FormLimits,
    spool_after: Option<usize>,
) -> Result<FormParts, FormError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    // An empty body is an empty form (Starlette's parser), not a broken one.
    let received = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&received);
    let stream = stream.map(move |chunk| {
        if let Ok(bytes) = &chunk {
            counter.fetch_add(bytes.len(), Ordering::Relaxed);
        }
        chunk
    });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = FormParts::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) if received.load(Ordering::Relaxed) == 0 => break,
            Err(e) => return Err(parse_error(e)),
        };
        let mut field = field;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(ToOwned::to_owned);
        let content_type = field.content_type().map_or_else(
            || "application/octet-stream".to_owned(),
            ToString::to_string,
        );
        if let Some(filename) = filename {
            if parts.files.len() >= limits.max_files {
                return Err(FormError::Limit(format!(
                    "Too many files. Maximum number of files is {}.",
                    limits.max_files
                )));
            }
            let headers = field
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let (content, size) = read_file(&mut field, spool_after).await?;
            parts.files.push(UploadedFile {
                field: name,
                filename,
                content_type,
                headers,
                size,
                content,
                python: Arc::default(),
            });
        } else {
            if parts.fields.len() >= limits.max_fields {
                return Err(FormError::Limit(limits.too_many_fields()));
            }
            // Read chunk by chunk: an endless text field stops at the limit.
            let mut data = BytesMut::new();
            while let Some(chunk) = field.chunk().await.map_err(parse_error)? {
                if data.len() + chunk.len() > limits.max_part_size {
                    return Err(FormError::Limit(limits.too_large("Part")));
                }
                data.extend_from_slice(&chunk);
            }
            parts
                .fields
                .push((name, String::from_utf8_lossy(&data).into_owned()));
        }
    }
    Ok(parts)
}

/// Parse a complete multipart body (kept in memory), stopping at the first
/// limit passed.
///
/// The body is already in memory, so driving multer's stream with a local
/// executor never waits on I/O.
pub fn parse(body: Bytes, boundary: &str, limits: FormLimits) -> Result<FormParts, FormError> {
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    futures::executor::block_on(parse_stream(stream, boundary, limits, None))
}

/// What a `FormFeed` has received and not yet handed to the parser.
#[derive(Default)]
struct Inbox {
    chunks: std::collections::VecDeque<Bytes>,
    closed: bool,
    failed: Option<BodyError>,
}

/// The parser's side of an `Inbox`: its chunks, then its end (or failure);
/// `Pending` while it waits for the next `feed`.
struct InboxStream(Arc<std::sync::Mutex<Inbox>>);

impl Stream for InboxStream {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let mut inbox = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = inbox.failed.take() {
            return Poll::Ready(Some(Err(e)));
        }
        match inbox.chunks.pop_front() {
            Some(chunk) => Poll::Ready(Some(Ok(chunk))),
            None if inbox.closed => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

type Parse =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<FormParts, FormError>> + Send>>;

/// A multipart body parsed as its chunks are pushed in (the ASGI path,
/// where the body arrives through Python's `receive()`): the same parser
/// and spooling as the server's streamed bodies, driven without a runtime.
/// Each `feed` runs the parser over what it was given, so at most one chunk
/// and the file part's pending batch are held in memory.
pub struct FormFeed {
    inbox: Arc<std::sync::Mutex<Inbox>>,
    /// (In a mutex only to be `Sync`: it is used through `&mut self`.)
    parse: std::sync::Mutex<Option<Parse>>,
    result: Option<Result<FormParts, FormError>>,
    received: usize,
    limit: Option<usize>,
}

impl FormFeed {
    /// A parser for a body with this `boundary`, refused past `limit`
    /// bytes (at once when the announced length is over it).
    pub fn new(
        boundary: &str,
        limits: FormLimits,
        spool_after: usize,
        limit: Option<usize>,
        declared: Option<u64>,
    ) -> Self {
        let inbox = Arc::new(std::sync::Mutex::new(Inbox::default()));
        let stream = InboxStream(Arc::clone(&inbox));
        let boundary = boundary.to_owned();
        let parse: Parse =
            Box::pin(
                async move { parse_stream(stream, &boundary, limits, Some(spool_after)).await },
            );
        let mut feed = Self {
            inbox,
            parse: std::sync::Mutex::new(Some(parse)),
            result: None,
            received: 0,
            limit,
        };
        if let (Some(limit), Some(n)) = (limit, declared) {
            if n > limit as u64 {
                feed.result = Some(Err(FormError::Body(BodyError::TooLarge)));
                feed.parse = std::sync::Mutex::new(None);
            }
        }
        feed
    }

    /// Whether the parse is over (the body ended, or was refused): further
    /// chunks are not needed.
    pub fn done(&self) -> bool {
        self.result.is_some()
    }

    /// Bytes received so far.
    pub fn received(&self) -> usize {
        self.received
    }

    fn with_inbox(&self, f: impl FnOnce(&mut Inbox)) {
        f(&mut self
            .inbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    /// Hand the parser the next chunk of the body and run it as far as it goes.
    pub fn feed(&mut self, chunk: Bytes) {
        if self.done() {
            return;
        }
        self.received = self.received.saturating_add(chunk.len());
        let over = self.limit.is_some_and(|l| self.received > l);
        self.with_inbox(|inbox| {
            if over {
                inbox.failed = Some(BodyError::TooLarge);
            } else {
                inbox.chunks.push_back(chunk);
            }
        });
        self.run();
    }

    /// The body ended (`failed`: the client left or the read failed).
    pub fn finish(&mut self, failed: Option<BodyError>) {
        self.with_inbox(|inbox| {
            inbox.closed = true;
            if failed.is_some() {
                inbox.failed = failed;
            }
        });
        self.run();
        if !self.done() {
            // Cannot happen: a closed inbox never leaves the parser waiting.
            *self.parse_slot() = None;
            self.result = Some(Err(FormError::Invalid("incomplete body".into())));
        }
    }

    /// The parsed form (or why it was refused); `None` before the end.
    pub fn take(&mut self) -> Option<Result<FormParts, FormError>> {
        self.result.take()
    }

    fn parse_slot(&mut self) -> &mut Option<Parse> {
        self.parse
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn run(&mut self) {
        let slot = self.parse_slot();
        let Some(parse) = slot.as_mut() else {
            return;
        };
        let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
        if let std::task::Poll::Ready(result) = parse.as_mut().poll(&mut cx) {
            *slot = None;
            self.result = Some(result);
        }
    }
}

/// Check the pairs of an urlencoded form against `limits`.
pub fn check_urlencoded<K, V: AsRef<str>>(
    pairs: &[(K, V)],
    limits: FormLimits,
) -> Result<(), FormError> {
    if pairs.len() > limits.max_fields {
        return Err(FormError::Limit(limits.too_many_fields()));
    }
    if pairs
        .iter()
        .any(|(_, v)| v.as_ref().len() > limits.max_part_size)
    {
        return Err(FormError::Limit(limits.too_large("Field")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_body_is_an_empty_form() {
        let parts = parse(Bytes::new(), "XX", FormLimits::default()).unwrap();
        assert!(parts.fields.is_empty() && parts.files.is_empty());
        assert!(parse(Bytes::from("garbage"), "XX", FormLimits::default()).is_err());
    }

    #[test]
    fn fields_and_files_are_separated() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nfile body\r\n--XX--\r\n";
        let parts = parse(Bytes::from(body), "XX", FormLimits::default()).unwrap();
        assert_eq!(parts.fields, vec![("title".to_owned(), "hello".to_owned())]);
        assert_eq!(parts.files.len(), 1);
        assert_eq!(parts.files[0].filename, "a.txt");
        assert_eq!(parts.files[0].content_type, "text/plain");
        assert_eq!(&parts.files[0].bytes().unwrap()[..], b"file body");
    }

    #[test]
    fn large_files_are_spooled_and_streams_stop_at_their_errors() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let head = "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big\"\r\n\r\n";
        let chunks = |n: usize| {
            let mut v = vec![Ok::<Bytes, BodyError>(Bytes::from(head))];
            v.extend((0..n).map(|i| {
                Ok(Bytes::from(vec![
                    b'a' + u8::try_from(i % 26).unwrap();
                    100_000
                ]))
            }));
            v
        };
        // `n` chunks of 100,000 bytes, then the closing boundary or `last`.
        let run = |n: usize, last: Result<Bytes, BodyError>| {
            let mut body = chunks(n);
            body.push(last);
            let stream = futures::stream::iter(body);
            runtime.block_on(parse_stream(
                stream,
                "XX",
                FormLimits::default(),
                Some(1 << 20),
            ))
        };
        let end = || Ok(Bytes::from_static(b"\r\n--XX--\r\n"));
        let parts = run(30, end()).unwrap();
        let file = &parts.files[0];
        assert!(matches!(file.content, FileContent::Disk(_)));
        assert_eq!(file.size, 3_000_000);
        let bytes = file.bytes().unwrap();
        assert_eq!(bytes.len(), 3_000_000);
        assert_eq!(bytes[2_999_999], b'a' + 29 % 26);
        // Under the threshold the file stays in memory.
        let parts = run(3, end()).unwrap();
        assert!(matches!(parts.files[0].content, FileContent::Memory(_)));
        // A body error (here: over the body limit) ends the parse as itself.
        let err = run(3, Err(BodyError::TooLarge)).unwrap_err();
        assert_eq!(err, FormError::Body(BodyError::TooLarge));
    }

    #[test]
    fn a_fed_body_is_parsed_and_spooled_chunk_by_chunk() {
        let head = "--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big\"\r\n\r\n";
        let mut feed = FormFeed::new("XX", FormLimits::default(), 1 << 20, Some(10 << 20), None);
        // Split inside the boundary too: the parser waits for the rest.
        feed.feed(Bytes::from(&head[..7]));
        feed.feed(Bytes::from(&head[7..]));
        for _ in 0..30 {
            feed.feed(Bytes::from(vec![b'z'; 100_000]));
            assert!(!feed.done());
        }
        feed.feed(Bytes::from_static(b"\r\n--X"));
        feed.feed(Bytes::from_static(b"X--\r\n"));
        feed.finish(None);
        let parts = feed.take().unwrap().unwrap();
        assert_eq!(parts.fields, vec![("note".to_owned(), "hi".to_owned())]);
        assert!(matches!(parts.files[0].content, FileContent::Disk(_)));
        assert_eq!(parts.files[0].size, 3_000_000);
        assert_eq!(parts.files[0].bytes().unwrap()[2_999_999], b'z');
        assert_eq!(feed.received(), head.len() + 3_000_000 + 10);

        // Past the limit, and when the announced length is over it.
        let mut feed = FormFeed::new("XX", FormLimits::default(), 1 << 20, Some(1000), None);
        feed.feed(Bytes::from(head));
        feed.feed(Bytes::from(vec![b'z'; 1000]));
        assert!(feed.done());
        assert_eq!(
            feed.take().unwrap().unwrap_err(),
            FormError::Body(BodyError::TooLarge)
        );
        let mut feed = FormFeed::new("XX", FormLimits::default(), 1 << 20, Some(1000), Some(1001));
        assert!(feed.done());
        assert_eq!(
            feed.take().unwrap().unwrap_err(),
            FormError::Body(BodyError::TooLarge)
        );
        // A body that ends early is invalid; an empty one is an empty form.
        let mut feed = FormFeed::new("XX", FormLimits::default(), 1 << 20, None, None);
        feed.feed(Bytes::from(head));
        feed.finish(None);
        assert!(matches!(feed.take(), Some(Err(FormError::Invalid(_)))));
        let mut feed = FormFeed::new("XX", FormLimits::default(), 1 << 20, None, None);
        feed.finish(None);
        assert!(feed.take().unwrap().unwrap().fields.is_empty());
    }

    #[test]
    fn broken_bodies_are_errors() {
        assert!(matches!(
            parse(
                Bytes::from_static(b"--XX\r\nnot a header\r\n"),
                "XX",
                FormLimits::default()
            ),
            Err(FormError::Invalid(_))
        ));
    }

    #[test]
    fn limits_name_what_was_passed() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabcd\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\nx\r\n--XX--\r\n";
        let limits = |max_fields, max_files, max_part_size| FormLimits {
            max_fields,
            max_files,
            max_part_size,
        };
        let run = |l| parse(Bytes::from(body), "XX", l);
        assert!(run(limits(1, 1, 4)).is_ok());
        assert_eq!(
            run(limits(0, 1, 4)).unwrap_err(),
            FormError::Limit("Too many fields. Maximum number of fields is 0.".into())
        );
        assert_eq!(
            run(limits(1, 0, 4)).unwrap_err(),
            FormError::Limit("Too many files. Maximum number of files is 0.".into())
        );
        assert_eq!(
            run(limits(1, 1, 3)).unwrap_err(),
            FormError::Limit("Part exceeded maximum size of 0KB.".into())
        );
        let pairs = [("a", "abcd"), ("b", "")];
        assert!(check_urlencoded(&pairs, limits(2, 0, 4)).is_ok());
        assert!(matches!(
            check_urlencoded(&pairs, limits(1, 0, 4)),
            Err(FormError::Limit(_))
        ));
        assert!(matches!(
            check_urlencoded(&pairs, limits(2, 0, 3)),
            Err(FormError::Limit(_))
        ));
    }
}
