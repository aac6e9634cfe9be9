//! Request bodies that are not plain JSON: multipart form data (RFC 7578)
//! for uploads and form fields, and binary bodies sent as a file's bytes.
//!
//! Bodies are encoded to bytes up front, rather than streamed through
//! reqwest's multipart form, so that a request plan stays plain data:
//! `--dry-run` can print it and a retry can send it again.

use crate::error::Error;
use serde_json::Value;

/// Jira refuses uploads and form posts without this header (its XSRF check).
pub const NO_CHECK: (&str, &str) = ("X-Atlassian-Token", "no-check");

/// A body ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The bytes on the wire.
    pub bytes: Vec<u8>,
    /// The `Content-Type` header value (with the boundary for multipart).
    pub content_type: String,
}

/// One file part: the file name Jira records and the contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The name without directories (`report.pdf`).
    pub file_name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// `multipart/form-data` with a text part per field of `fields` (a JSON
/// object; an array value gives one part per element, other non-strings are
/// sent as their JSON text) and a part named `file` per file, as Jira's
/// attachment upload expects.
///
/// Errors: exit 4 when `fields` is not a JSON object.
pub fn multipart(fields: Option<&[u8]>, files: &[FilePart]) -> Result<Encoded, Error> {
    let parts = parts(fields, files)?;
    let boundary = boundary_for(&parts);
    Ok(Encoded {
        bytes: write_parts(&parts, &boundary, |content, _| content.to_vec()),
        content_type: format!("multipart/form-data; boundary={boundary}"),
    })
}

/// What `--dry-run` shows of [`multipart`]'s body: the same parts and
/// boundary, each file's bytes replaced by [`file_summary`].
///
/// Errors: as [`multipart`].
pub fn multipart_shown(fields: Option<&[u8]>, files: &[FilePart]) -> Result<String, Error> {
    let parts = parts(fields, files)?;
    let boundary = boundary_for(&parts);
    let bytes = write_parts(&parts, &boundary, |content, file_name| match file_name {
        Some(name) => file_summary(name, content.len(), guess_type(name)).into_bytes(),
        None => content.to_vec(),
    });
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A file's bytes as `--dry-run` shows them: `<file NAME, N bytes, TYPE>`.
pub fn file_summary(name: &str, len: usize, content_type: &str) -> String {
    format!("<file {name}, {len} bytes, {content_type}>")
}

/// One part: its name, its file name for a file, its contents.
type Part<'a> = (String, Option<&'a str>, Vec<u8>);

fn parts<'a>(fields: Option<&[u8]>, files: &'a [FilePart]) -> Result<Vec<Part<'a>>, Error> {
    let mut parts: Vec<Part<'a>> = Vec::new();
    if let Some(fields) = fields {
        let object = match serde_json::from_slice::<Value>(fields) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(Error::validation(
                    "--body for a multipart request must be a JSON object of form fields",
                ));
            }
        };
        for (name, value) in object {
            let values = match value {
                Value::Array(items) => items,
                other => vec![other],
            };
            for value in values {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                parts.push((name.clone(), None, text.into_bytes()));
            }
        }
    }
    for file in files {
        parts.push(("file".into(), Some(&file.file_name), file.bytes.clone()));
    }
    Ok(parts)
}

/// The parts on the wire, each part's contents as `content(bytes, file name)` gives them.
fn write_parts(
    parts: &[Part<'_>],
    boundary: &str,
    content: impl Fn(&[u8], Option<&str>) -> Vec<u8>,
) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (name, file_name, contents) in parts {
        bytes.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let disposition = match file_name {
            Some(file) => format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                quote(name),
                quote(file),
                guess_type(file)
            ),
            None => format!(
                "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                quote(name)
            ),
        };
        bytes.extend_from_slice(disposition.as_bytes());
        bytes.extend_from_slice(&content(contents, *file_name));
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    bytes
}

/// A boundary found in none of the parts (RFC 2046 §5.1.1).
fn boundary_for(parts: &[Part<'_>]) -> String {
    let mut n: u64 = 0x006a_722d_6a69_7261;
    loop {
        let boundary = format!("jr-boundary-{n:016x}");
        let clash = parts
            .iter()
            .any(|(_, _, content)| contains(content, boundary.as_bytes()));
        if !clash {
            return boundary;
        }
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A header parameter value in quotes: `"` and line breaks cannot appear.
fn quote(text: &str) -> String {
    text.replace(['"', '\r', '\n'], "_")
}

/// The media type of a file by its extension; `application/octet-stream`
/// when unknown. Jira's avatar uploads need the image type.
pub fn guess_type(file_name: &str) -> &'static str {
    let extension = file_name.rsplit('.').next().unwrap_or_default();
    match extension.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "txt" | "log" => "text/plain",
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_part_is_named_file_with_its_type() {
        let encoded = multipart(
            None,
            &[FilePart {
                file_name: "notes.txt".into(),
                bytes: b"hello".to_vec(),
            }],
        )
        .expect("encodes");
        let boundary = encoded
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .expect("a boundary");
        let text = String::from_utf8(encoded.bytes).expect("text");
        assert_eq!(
            text,
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
            )
        );
    }

    #[test]
    fn json_fields_become_text_parts_and_arrays_repeat() {
        let encoded = multipart(Some(br#"{"columns": ["summary", "status"], "n": 1}"#), &[])
            .expect("encodes");
        let text = String::from_utf8(encoded.bytes).expect("text");
        assert_eq!(text.matches("name=\"columns\"").count(), 2);
        assert!(text.contains("name=\"n\"\r\n\r\n1\r\n"), "{text}");
        assert!(multipart(Some(b"[1]"), &[]).is_err());
    }

    #[test]
    fn the_boundary_never_occurs_in_a_part() {
        let first = multipart(None, &[]).expect("encodes").content_type;
        let boundary = first.rsplit('=').next().expect("boundary").to_owned();
        let sneaky = FilePart {
            file_name: "x.bin".into(),
            bytes: boundary.clone().into_bytes(),
        };
        let encoded = multipart(None, &[sneaky]).expect("encodes");
        assert!(!encoded.content_type.ends_with(&boundary));
    }

    #[test]
    fn a_dry_run_shows_a_file_part_by_name_size_and_type_only() {
        let files = [FilePart {
            file_name: "face.png".into(),
            bytes: vec![0x89, b'P', b'N', b'G'],
        }];
        let sent = multipart(Some(br#"{"a":"b"}"#), &files).expect("encodes");
        let shown = multipart_shown(Some(br#"{"a":"b"}"#), &files).expect("encodes");
        let boundary = sent.content_type.rsplit('=').next().expect("boundary");
        assert!(shown.contains(boundary), "the boundary sent: {shown}");
        assert!(
            shown.contains("\r\n\r\n<file face.png, 4 bytes, image/png>\r\n"),
            "{shown}"
        );
        assert!(
            shown.contains("name=\"a\"\r\n\r\nb\r\n") && !shown.contains("PNG"),
            "{shown}"
        );
    }

    #[test]
    fn types_are_guessed_from_the_extension() {
        assert_eq!(guess_type("avatar.PNG"), "image/png");
        assert_eq!(guess_type("blob"), "application/octet-stream");
    }
}
