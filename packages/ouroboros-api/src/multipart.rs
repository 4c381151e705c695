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

/// Why a multipart body was not parsed.
#[derive(Debug, PartialEq, Eq)]
pub enum FormError {
    /// Not a valid multipart body (422 `multipart_invalid`).
    Invalid(String),
    /// Valid, but over a `form_limits` setting (400, the message says which).
    Limit(String),
}

/// Parse a complete multipart body, stopping at the first limit passed.
///
/// The body is already in memory, so driving multer's stream with a local
/// executor never waits on I/O.
pub fn parse(body: Bytes, boundary: &str, limits: FormLimits) -> Result<FormParts, FormError> {
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let invalid = |e: multer::Error| FormError::Invalid(e.to_string());
    futures::executor::block_on(async move {
        let mut parts = FormParts::default();
        while let Some(field) = multipart.next_field().await.map_err(invalid)? {
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
                let data = field.bytes().await.map_err(invalid)?;
                parts.files.push(UploadedFile {
                    field: name,
                    filename,
                    content_type,
                    data,
                });
            } else {
                if parts.fields.len() >= limits.max_fields {
                    return Err(FormError::Limit(limits.too_many_fields()));
                }
                let data = field.bytes().await.map_err(invalid)?;
                if data.len() > limits.max_part_size {
                    return Err(FormError::Limit(limits.too_large("Part")));
                }
                parts
                    .fields
                    .push((name, String::from_utf8_lossy(&data).into_owned()));
            }
        }
        Ok(parts)
    })
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
    fn fields_and_files_are_separated() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n\
                    --XX\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\
                    Content-Type: text/plain\r\n\r\nfile body\r\n--XX--\r\n";
        let parts = parse(Bytes::from(body), "XX", FormLimits::default()).unwrap();
        assert_eq!(parts.fields, vec![("title".to_owned(), "hello".to_owned())]);
        assert_eq!(parts.files.len(), 1);
        assert_eq!(parts.files[0].filename, "a.txt");
        assert_eq!(parts.files[0].content_type, "text/plain");
        assert_eq!(&parts.files[0].data[..], b"file body");
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
