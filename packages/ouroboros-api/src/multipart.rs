//! `multipart/form-data` bodies (uploads), parsed with multer on the I/O
//! thread: text fields feed `Form()` parameters, files `File()`/`UploadFile`.

use bytes::Bytes;
use hyper::header::{HeaderMap, CONTENT_TYPE};

/// One uploaded file, kept in memory (bodies are bounded by `max_body_size`).
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub filename: String,
    pub content_type: String,
    pub data: Bytes,
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

/// Parse a complete multipart body.
///
/// The body is already in memory, so driving multer's stream with a local
/// executor never waits on I/O.
pub fn parse(body: Bytes, boundary: &str) -> Result<FormParts, String> {
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    futures::executor::block_on(async move {
        let mut parts = FormParts::default();
        while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or_default().to_owned();
            let filename = field.file_name().map(ToOwned::to_owned);
            let content_type = field.content_type().map_or_else(
                || "application/octet-stream".to_owned(),
                ToString::to_string,
            );
            let data = field.bytes().await.map_err(|e| e.to_string())?;
            match filename {
                Some(filename) => parts.files.push(UploadedFile {
                    field: name,
                    filename,
                    content_type,
                    data,
                }),
                None => parts
                    .fields
                    .push((name, String::from_utf8_lossy(&data).into_owned())),
            }
        }
        Ok(parts)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_separated() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nfile body\r\n--XX--\r\n";
        let parts = parse(Bytes::from(body), "XX").unwrap();
        assert_eq!(parts.fields, vec![("title".to_owned(), "hello".to_owned())]);
        assert_eq!(parts.files.len(), 1);
        assert_eq!(parts.files[0].filename, "a.txt");
        assert_eq!(parts.files[0].content_type, "text/plain");
        assert_eq!(&parts.files[0].data[..], b"file body");
    }

    #[test]
    fn broken_bodies_are_errors() {
        assert!(parse(Bytes::from_static(b"--XX\r\nnot a header\r\n"), "XX").is_err());
    }
}
