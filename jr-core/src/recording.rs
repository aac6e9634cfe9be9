//! The recording format, `jr-recording/1`: one HTTP exchange between jr and
//! a Jira site per file, written by `jr --record DIR` and served back by
//! `jr-mock --fixtures DIR`. Its JSON Schema is `docs/recording.schema.json`
//! (the test below keeps the two in step).
//!
//! A file holds the format tag, the time the request was sent (ms since the
//! UNIX epoch), the operationId (or null), the base URL the request was
//! made against (site, or API gateway plus cloud ID), and the request and
//! response: method, path below the base, percent-decoded query pairs,
//! lower-case header pairs and a [`Body`]. Credentials are redacted by
//! [`crate::redact`] before a recording is built; this module only gives
//! the shape, the body codec, file names and the checked reader.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format tag and version every recording carries in `format`.
pub const FORMAT: &str = "jr-recording/1";

/// The JSON Schema of the format (draft 2020-12), `docs/recording.schema.json`.
pub const SCHEMA: &str = include_str!("../../docs/recording.schema.json");

/// The most bytes a recording file may have to be read (64 MiB): larger
/// files are refused rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One recorded exchange (the whole file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recording {
    /// Always [`FORMAT`].
    pub format: String,
    /// When the request was sent, ms since the UNIX epoch.
    pub time: i64,
    /// The spec's operationId, or `None` for `jr raw` and unknown pages.
    pub operation_id: Option<String>,
    /// The base URL the request was made against.
    pub base: Base,
    /// What was sent.
    pub request: Request,
    /// What was answered.
    pub response: Response,
    /// Whether e-mail addresses and account IDs were pseudonymised.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pseudonymised: bool,
}

/// The base URL of a recording: a site, or the API gateway's
/// `/ex/jira/{cloudId}` with its cloud ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Base {
    /// `https://your-domain.atlassian.net` or
    /// `https://api.atlassian.com/ex/jira/{cloudId}`, without user
    /// information and without a trailing `/`.
    pub url: String,
    /// The cloud ID when `url` is the gateway's, else `None`.
    pub cloud_id: Option<String>,
}

/// A recorded request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Upper-case method (`GET`).
    pub method: String,
    /// The path below the base URL's path, percent-encoded as sent,
    /// starting with `/` (`/rest/api/3/issue/ABC-1`).
    pub path: String,
    /// Query names and values, percent-decoded, in the order sent.
    pub query: Vec<(String, String)>,
    /// Header names (lower case) and values, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body, or `None` when there was none.
    pub body: Option<Body>,
}

/// A recorded response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The HTTP status code (100–599).
    pub status: u16,
    /// Header names (lower case) and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, or `None` when there was none.
    pub body: Option<Body>,
}

/// A body, stored so that its exact bytes come back: `json` only when the
/// bytes are the compact serialisation of the value (Jira's usual form,
/// easy to read and diff), else `text` for UTF-8, else `base64`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    /// A JSON value whose compact serialisation is the body's bytes.
    Json(Value),
    /// A UTF-8 body that is not compact JSON.
    Text(String),
    /// Any other body, in standard base64 with padding.
    Base64(String),
}

impl Body {
    /// The form that gives back exactly `bytes` (see [`Body`]).
    pub fn from_bytes(bytes: &[u8]) -> Body {
        if let Ok(value) = serde_json::from_slice::<Value>(bytes)
            && serde_json::to_vec(&value).is_ok_and(|again| again == bytes)
        {
            return Body::Json(value);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Body::Text(text.to_string()),
            Err(_) => Body::Base64(STANDARD.encode(bytes)),
        }
    }

    /// The body's bytes.
    ///
    /// # Errors
    /// A `base64` text that does not decode (only a hand-edited file).
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            Body::Json(value) => serde_json::to_vec(value).map_err(|e| e.to_string()),
            Body::Text(text) => Ok(text.clone().into_bytes()),
            Body::Base64(text) => STANDARD
                .decode(text)
                .map_err(|e| format!("body.base64 does not decode: {e}")),
        }
    }
}

/// The file name of the `n`th recording (from 1) of an operation in a
/// directory: `<operationId>.<n>.json`, or `raw.<METHOD>.<n>.json` without
/// an operationId.
pub fn file_name(operation_id: Option<&str>, method: &str, n: u32) -> String {
    format!("{}.{n}.json", file_prefix(operation_id, method))
}

/// The part of [`file_name`] before `.<n>.json`: the operationId, or
/// `raw.<METHOD>`.
pub fn file_prefix(operation_id: Option<&str>, method: &str) -> String {
    match operation_id {
        Some(id) => id.to_owned(),
        None => format!("raw.{}", method.to_ascii_uppercase()),
    }
}

/// Parses and checks one recording: JSON of the documented shape whose
/// `format` is [`FORMAT`].
///
/// # Errors
/// A message naming what is wrong (not JSON, an unknown format version,
/// a missing or extra member).
pub fn parse(bytes: &[u8]) -> Result<Recording, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    match value.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(format!(
                "format {other:?} is not {FORMAT:?}, the only version this build reads"
            ));
        }
        None => return Err(format!("no \"format\": \"{FORMAT}\" member")),
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Reads and checks the recording at `path` (a regular file of at most
/// [`MAX_FILE_BYTES`]).
///
/// # Errors
/// A message that starts with the path: unreadable, too large, or what
/// [`parse`] refuses.
pub fn read(path: &Path) -> Result<Recording, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown}: not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{shown}: {} bytes, more than the {MAX_FILE_BYTES} a recording may have",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    parse(&bytes).map_err(|e| format!("{shown}: {e}"))
}

/// The text of a recording file: `value` pretty-printed (two-space indent,
/// as `serde_json::to_vec_pretty`), except that an array of exactly two
/// strings (a header or query pair) stays on one line,
/// `["accept", "application/json"]`, so a file reads one pair a line. Ends
/// with a newline. Errors: `value` cannot be serialised (never for a
/// `Value` built from JSON).
pub fn to_file_bytes(value: &Value) -> Result<Vec<u8>, serde_json::Error> {
    let pretty = serde_json::to_string_pretty(value)?;
    Ok(join_pairs(&pretty).into_bytes())
}

/// Joins every `[`, string, string, `]` run of lines of `pretty` into one
/// line. Safe on serde_json's pretty output: a string never holds a raw
/// line break, and a line right after `[` that starts with `"` is an
/// element (keys appear only after `{`).
fn join_pairs(pretty: &str) -> String {
    let lines: Vec<&str> = pretty.lines().collect();
    let mut out = String::with_capacity(pretty.len() + 1);
    let mut i = 0;
    while i < lines.len() {
        if let Some((joined, used)) = pair_at(&lines[i..]) {
            out.push_str(&joined);
            i += used;
        } else {
            out.push_str(lines[i]);
            i += 1;
        }
        out.push('\n');
    }
    out
}

/// `lines` opening with a two-string array, as one line and the number of
/// lines it replaces; `None` otherwise.
fn pair_at(lines: &[&str]) -> Option<(String, usize)> {
    let [open, first, second, close, ..] = lines else {
        return None;
    };
    let head = open.strip_suffix('[')?;
    let first = first.trim_start().strip_suffix(',')?;
    let second = second.trim_start();
    let close = close.trim_start();
    let is_string = |text: &str| serde_json::from_str::<String>(text).is_ok();
    if !(is_string(first) && is_string(second) && (close == "]" || close == "],")) {
        return None;
    }
    let tail = &close[1..];
    Some((format!("{head}[{first}, {second}]{tail}"), 4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_file_has_one_pair_a_line_and_reads_back_the_same() {
        let value = json!({"headers": [["accept", "application/json"], ["x", "a \"]\" b"]],
            "query": [], "ids": ["one", "two", "three"], "pair": [1, 2],
            "nested": [["a", "b"]]});
        let text = String::from_utf8(to_file_bytes(&value).unwrap()).unwrap();
        assert!(
            text.contains("\n    [\"accept\", \"application/json\"],\n"),
            "{text}"
        );
        assert!(
            text.contains("\n    [\"x\", \"a \\\"]\\\" b\"]\n"),
            "{text}"
        );
        assert!(text.contains("\n    [\"a\", \"b\"]\n"), "{text}");
        assert!(
            text.contains("\"ids\": [\n    \"one\",\n"),
            "three strings stay spread: {text}"
        );
        assert!(
            text.contains("\"pair\": [\n    1,\n"),
            "numbers stay spread: {text}"
        );
        assert!(text.ends_with("}\n"), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    fn sample() -> Recording {
        Recording {
            format: FORMAT.to_string(),
            time: 1_764_619_200_000,
            operation_id: Some("getIssue".to_string()),
            base: Base {
                url: "https://api.atlassian.com/ex/jira/a436116f".to_string(),
                cloud_id: Some("a436116f".to_string()),
            },
            request: Request {
                method: "GET".to_string(),
                path: "/rest/api/3/issue/ABC-1".to_string(),
                query: vec![("fields".to_string(), "summary".to_string())],
                headers: vec![("authorization".to_string(), "<redacted>".to_string())],
                body: None,
            },
            response: Response {
                status: 200,
                headers: vec![("content-type".to_string(), "application/json".to_string())],
                body: Some(Body::from_bytes(br#"{"key":"ABC-1","id":"10001"}"#)),
            },
            pseudonymised: false,
        }
    }

    #[test]
    fn bodies_come_back_byte_for_byte_in_the_most_readable_form() {
        let cases: [(&[u8], &str); 4] = [
            (br#"{"b":1,"a":[true,null]}"#, "json"),
            (b"{ \"spaced\": 1 }", "text"),
            (b"plain text\n", "text"),
            (&[0xff, 0x00, 0x10], "base64"),
        ];
        for (bytes, form) in cases {
            let body = Body::from_bytes(bytes);
            let tag = serde_json::to_value(&body).unwrap();
            assert!(tag.get(form).is_some(), "{bytes:?} → {tag}");
            assert_eq!(body.to_bytes().unwrap(), bytes);
        }
    }

    #[test]
    fn a_recording_validates_against_the_schema_and_reads_back() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let value = serde_json::to_value(sample()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let bytes = serde_json::to_vec(&value).unwrap();
        assert_eq!(parse(&bytes).unwrap(), sample());
    }

    #[test]
    fn the_schema_refuses_what_the_reader_refuses() {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let mut extra = serde_json::to_value(sample()).unwrap();
        extra["surprise"] = json!(1);
        let mut version = serde_json::to_value(sample()).unwrap();
        version["format"] = json!("jr-recording/2");
        for bad in [extra, version] {
            assert!(!validator.is_valid(&bad), "{bad}");
            let err = parse(&serde_json::to_vec(&bad).unwrap()).unwrap_err();
            assert!(
                err.contains("surprise") || err.contains("jr-recording/2"),
                "{err}"
            );
        }
    }

    #[test]
    fn file_names_read_well() {
        assert_eq!(file_name(Some("getIssue"), "GET", 3), "getIssue.3.json");
        assert_eq!(file_name(None, "post", 1), "raw.POST.1.json");
    }
}
