//! The request body of a generated command, from flags to bytes on the wire.
//!
//! `--body` (JSON, `@file` or `-`) is checked against the operation's request
//! schema before anything is sent, unless `--no-validate`. The other content
//! types the spec uses work too: multipart uploads (`--file`, repeatable, with
//! form fields from `--body`), binary bodies (`*/*`, avatars) from `@file`,
//! `application/json-patch+json`, and `text/plain` (`--content-type`).

use clap::ArgMatches;
use jr_core::Error;
use jr_core::body::{self as encode, FilePart, NO_CHECK};
use jr_core::ops::{self, Operation};

/// Where the request body comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum BodySource {
    /// `--body '{...}'` or built from helper flags: the bytes themselves.
    Inline(Vec<u8>),
    /// `--body @path`.
    File(String),
    /// `--body -`.
    Stdin,
}

impl BodySource {
    /// Reads the text of `--body`: `-` is stdin, `@path` a file, anything
    /// else the body itself.
    pub fn from_flag(text: &str) -> BodySource {
        if text == "-" {
            BodySource::Stdin
        } else if let Some(path) = text.strip_prefix('@') {
            BodySource::File(path.to_owned())
        } else {
            BodySource::Inline(text.as_bytes().to_vec())
        }
    }
}

/// The body flags besides `--body` (stage 1: strings only, no I/O).
#[derive(Debug, Default, Clone)]
pub struct BodyOptions {
    /// `--no-validate`: skip the request-schema check.
    pub no_validate: bool,
    /// `--file PATH`, in order.
    pub files: Vec<String>,
    /// `--content-type`, one of the operation's content types.
    pub content_type: Option<String>,
}

impl BodyOptions {
    /// Reads the flags; absent ones (operations without them) are defaults.
    pub fn from_matches(matches: &ArgMatches) -> BodyOptions {
        BodyOptions {
            no_validate: matches
                .try_get_one::<bool>("no-validate")
                .ok()
                .flatten()
                .copied()
                .unwrap_or(false),
            files: matches
                .try_get_many::<String>("file")
                .ok()
                .flatten()
                .map(|files| files.cloned().collect())
                .unwrap_or_default(),
            content_type: matches
                .try_get_one::<String>("content-type")
                .ok()
                .flatten()
                .cloned(),
        }
    }
}

/// A body in its final form: the bytes, and the `Content-Type` and headers
/// to use instead of the spec's defaults.
#[derive(Debug, Default)]
pub struct Prepared {
    pub body: Option<Vec<u8>>,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    /// What `--dry-run` shows instead of the bytes: a binary body read from
    /// a file or stdin as `<file NAME, N bytes, TYPE>`, a multipart body
    /// with each file part so; `None` shows the body itself.
    pub shown: Option<String>,
}

/// Reads and checks the body (stage 2).
///
/// `read` turns `@file` and `-` into bytes. Errors: exit 4 for a body that
/// is not JSON where JSON is sent, breaks the request schema, or a file
/// that cannot be read.
pub fn prepare(
    op: &'static Operation,
    source: Option<BodySource>,
    options: &BodyOptions,
    read: impl Fn(BodySource) -> Result<Vec<u8>, Error>,
) -> Result<Prepared, Error> {
    let Some(spec) = op.body else {
        return Ok(Prepared {
            body: source
                .map(|source| read_source(source, &read))
                .transpose()?,
            ..Prepared::default()
        });
    };
    let chosen = options
        .content_type
        .as_deref()
        .unwrap_or(spec.content_type());
    let file_name = match &source {
        Some(BodySource::File(path)) => Some(path.clone()),
        Some(BodySource::Stdin) => Some(STDIN_NAME.to_owned()),
        _ => None,
    };
    let body = source
        .map(|source| read_source(source, &read))
        .transpose()?;
    if chosen == "multipart/form-data" {
        return multipart(body.as_deref(), &options.files, &read);
    }
    if !options.files.is_empty() {
        return Err(Error::validation(format!(
            "--file needs a multipart body; `{} {}` sends {chosen}",
            op.group(),
            op.command()
        )));
    }
    let Some(bytes) = body else {
        return Ok(Prepared::default());
    };
    if chosen.contains("json") {
        check_json(&bytes)?;
        if !options.no_validate && chosen == spec.content_type() {
            ops::body::validate(op, &bytes)?;
        }
    }
    let (content_type, headers) = match chosen {
        "*/*" => {
            let sent = file_name
                .as_deref()
                .filter(|name| *name != STDIN_NAME)
                .map_or("application/octet-stream", encode::guess_type);
            (Some(sent.to_owned()), no_check())
        }
        other if other != spec.content_type() => (Some(other.to_owned()), Vec::new()),
        _ => (None, Vec::new()),
    };
    let sent_type = content_type.as_deref().unwrap_or(chosen);
    let shown = file_name
        .filter(|_| is_binary(sent_type))
        .map(|name| encode::file_summary(&name, bytes.len(), sent_type));
    Ok(Prepared {
        body: Some(bytes),
        content_type,
        headers,
        shown,
    })
}

/// How [`Prepared::shown`] names a body read from stdin.
const STDIN_NAME: &str = "(stdin)";

/// A body that is neither JSON nor text: `--dry-run` shows its size, not its bytes.
fn is_binary(content_type: &str) -> bool {
    !(content_type.contains("json") || content_type.starts_with("text/"))
}

fn read_source(
    source: BodySource,
    read: &impl Fn(BodySource) -> Result<Vec<u8>, Error>,
) -> Result<Vec<u8>, Error> {
    match source {
        BodySource::Inline(bytes) => Ok(bytes),
        other => read(other),
    }
}

/// Rejects a body that is not JSON, naming the line and column of the fault.
///
/// Errors: exit 4.
pub fn check_json(bytes: &[u8]) -> Result<(), Error> {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .map(|_| ())
        .map_err(|e| {
            Error::validation(format!(
                "--body is not valid JSON: {} at line {}, column {}",
                describe(&e),
                e.line(),
                e.column()
            ))
            .with_hint("pass a JSON document, @file, or - for stdin")
        })
}

fn describe(error: &serde_json::Error) -> String {
    // serde_json appends " at line L column C" to its message; we say it once.
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

fn no_check() -> Vec<(String, String)> {
    vec![(NO_CHECK.0.to_owned(), NO_CHECK.1.to_owned())]
}

/// Form fields from a JSON `--body` object and a `file` part per `--file`.
fn multipart(
    fields: Option<&[u8]>,
    files: &[String],
    read: &impl Fn(BodySource) -> Result<Vec<u8>, Error>,
) -> Result<Prepared, Error> {
    if fields.is_none() && files.is_empty() {
        return Ok(Prepared::default());
    }
    let parts = files
        .iter()
        .map(|path| {
            let file_name = std::path::Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.clone());
            Ok(FilePart {
                file_name,
                bytes: read(BodySource::File(path.clone()))?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let encoded = encode::multipart(fields, &parts)?;
    Ok(Prepared {
        body: Some(encoded.bytes),
        content_type: Some(encoded.content_type),
        headers: no_check(),
        shown: Some(encode::multipart_shown(fields, &parts)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(_: BodySource) -> Result<Vec<u8>, Error> {
        Err(Error::validation("no files in this test"))
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let err = check_json(b"{\n  \"url\": ,\n}").unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message().contains("line 2, column 10"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn body_sources_are_recognised() {
        assert_eq!(BodySource::from_flag("-"), BodySource::Stdin);
        assert_eq!(
            BodySource::from_flag("@a.json"),
            BodySource::File("a.json".into())
        );
        assert_eq!(
            BodySource::from_flag("{}"),
            BodySource::Inline(b"{}".to_vec())
        );
    }

    #[test]
    fn a_json_body_is_checked_against_the_schema() {
        let op = ops::find("webhook", "register-dynamic").expect("in the table");
        let bad = Some(BodySource::Inline(br#"{"webhooks": []}"#.to_vec()));
        let err = prepare(op, bad.clone(), &BodyOptions::default(), no_files)
            .expect_err("url is required");
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message().contains("rule: required"),
            "{}",
            err.message()
        );
        let skip = BodyOptions {
            no_validate: true,
            ..BodyOptions::default()
        };
        assert!(prepare(op, bad, &skip, no_files).is_ok());
    }

    #[test]
    fn uploads_are_multipart_with_the_no_check_header() {
        let op = ops::find("issue", "add-attachment").expect("in the table");
        let options = BodyOptions {
            files: vec!["dir/a.txt".into()],
            ..BodyOptions::default()
        };
        let prepared = prepare(op, None, &options, |_| Ok(b"contents".to_vec())).expect("encodes");
        let content_type = prepared.content_type.expect("a content type");
        assert!(content_type.starts_with("multipart/form-data; boundary="));
        assert_eq!(prepared.headers, no_check());
        let text = String::from_utf8(prepared.body.expect("a body")).expect("text");
        assert!(text.contains("filename=\"a.txt\""), "{text}");
    }

    #[test]
    fn a_binary_body_gets_its_type_from_the_file_name() {
        let op = ops::find("project", "create-avatar").expect("in the table");
        let source = Some(BodySource::File("face.png".into()));
        let prepared = prepare(op, source, &BodyOptions::default(), |_| {
            Ok(vec![0x89, b'P'])
        })
        .expect("reads");
        assert_eq!(prepared.content_type.as_deref(), Some("image/png"));
        assert_eq!(prepared.headers, no_check());
        assert_eq!(
            prepared.shown.as_deref(),
            Some("<file face.png, 2 bytes, image/png>")
        );
    }

    #[test]
    fn text_plain_is_sent_as_is_when_chosen() {
        let op = ops::find("mypreferences", "set-preference").expect("in the table");
        let options = BodyOptions {
            content_type: Some("text/plain".into()),
            ..BodyOptions::default()
        };
        let source = Some(BodySource::Inline(b"dark mode".to_vec()));
        let prepared = prepare(op, source, &options, no_files).expect("not JSON, fine");
        assert_eq!(prepared.content_type.as_deref(), Some("text/plain"));
    }

    #[test]
    fn a_file_where_no_multipart_is_sent_is_refused() {
        let op = ops::find("webhook", "register-dynamic").expect("in the table");
        let options = BodyOptions {
            files: vec!["a.txt".into()],
            ..BodyOptions::default()
        };
        assert!(prepare(op, None, &options, no_files).is_err());
    }
}
