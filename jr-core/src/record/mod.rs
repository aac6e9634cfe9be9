//! `jr --record DIR`: every HTTP exchange [`crate::http::HttpClient`] makes
//! with Jira (each attempt of a retry, each page) is written into `DIR` as
//! one file of the format [`crate::recording`] (`jr-recording/1`).
//!
//! - Credentials are redacted by [`crate::redact`] before the recording is
//!   built ([`exchange`]); with pseudonymisation, e-mail addresses and
//!   account IDs are replaced by keyed hashes ([`pseudonym`]) before it is
//!   serialised. Nothing else is written.
//! - Files are named `<operationId>.<n>.json`, or `raw.<METHOD>.<n>.json`
//!   without an operationId, `n` the next free number; written atomically,
//!   never over an existing file ([`store`]).
//! - Only exchanges with a complete answer are recorded: a request that got
//!   no answer (refused connection, timeout, a body cut short or over
//!   `--max-response-size`) has nothing to replay.
//! - The OAuth 2.0 token endpoint and `accessible-resources`
//!   ([`crate::oauth`]) and deliveries to apps are not Jira API calls and do
//!   not go through the client: they are never recorded.
//! - A failure to write a recording after the exchange does not stop the
//!   command (the exchange happened, its output is still printed); the first
//!   such failure is kept and reported by [`Recorder::failure`], which jr
//!   turns into exit 1 at the end.

pub mod exchange;
pub mod pseudonym;
pub mod store;

use crate::error::Error;
use crate::recording;
pub use exchange::Exchange;
use pseudonym::Pseudonyms;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use store::Store;

/// Writes the exchanges of one invocation into a directory.
pub struct Recorder {
    store: Store,
    pseudonyms: Option<Pseudonyms>,
    /// The first write that failed.
    failure: Mutex<Option<Error>>,
}

impl Recorder {
    /// A recorder for `dir`, created when missing and checked writable; with
    /// `pseudonymise`, the directory's key is read or made
    /// ([`store::KEY_FILE`]). Call it before anything is sent.
    ///
    /// Errors (exit 1): the directory cannot be created or written, or its
    /// key file is unreadable; the message names the path.
    pub fn open(dir: &Path, pseudonymise: bool) -> Result<Recorder, Error> {
        let store = Store::open(dir)?;
        let pseudonyms = match pseudonymise {
            true => Some(Pseudonyms::new(store.key()?)),
            false => None,
        };
        Ok(Recorder {
            store,
            pseudonyms,
            failure: Mutex::new(None),
        })
    }

    /// Records one exchange: redacted, pseudonymised when asked, written as
    /// the next file. A failure is kept for [`Recorder::failure`], never
    /// returned: the exchange itself succeeded.
    pub fn record(&self, exchange: &Exchange<'_>) {
        if let Err(error) = self.write(exchange) {
            let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
            failure.get_or_insert(error);
        }
    }

    /// Writes one exchange and returns the file's path.
    ///
    /// Errors (exit 1): the file cannot be written, naming the directory.
    pub fn write(&self, exchange: &Exchange<'_>) -> Result<PathBuf, Error> {
        let recording = exchange.to_recording();
        let prefix =
            recording::file_prefix(recording.operation_id.as_deref(), &recording.request.method);
        let bytes = self.serialise(recording)?;
        self.store
            .write(&prefix, &bytes)
            .map_err(|e| written_without(self.store.dir(), &e))
    }

    /// The first write that failed, if any (taken: asked once, at the end).
    pub fn failure(&self) -> Option<Error> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn serialise(&self, recording: recording::Recording) -> Result<Vec<u8>, Error> {
        let mut value = serde_json::to_value(&recording)
            .map_err(|e| Error::general(format!("cannot serialise a recording: {e}")))?;
        if let Some(pseudonyms) = &self.pseudonyms {
            for part in ["request", "response"] {
                if let Some(part) = value.get_mut(part) {
                    pseudonyms.apply(part);
                }
            }
            value["pseudonymised"] = serde_json::Value::Bool(true);
        }
        recording::to_file_bytes(&value)
            .map_err(|e| Error::general(format!("cannot serialise a recording: {e}")))
    }
}

/// The error for an exchange that was made but could not be recorded.
fn written_without(dir: &Path, error: &std::io::Error) -> Error {
    Error::general(format!(
        "a request was sent and answered, but its recording could not be written into {}: {error}",
        dir.display()
    ))
    .with_hint("the command's output is complete; free space or fix the permissions of the directory and run it again to record")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn exchange<'a>(base: &'a url::Url, url: &'a url::Url, body: &'a [u8]) -> Exchange<'a> {
        Exchange {
            time_ms: 1_764_619_200_000,
            operation_id: None,
            base_url: base,
            cloud_id: None,
            method: "GET",
            url,
            request_headers: vec![("Authorization".into(), "Bearer tok3n".into())],
            request_body: None,
            status: 200,
            response_headers: vec![("content-type".into(), "application/json".into())],
            response_body: body,
        }
    }

    #[test]
    fn recordings_validate_read_back_and_carry_no_real_person() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::open(dir.path(), true).unwrap();
        let base = url::Url::parse("https://site.example").unwrap();
        let url = url::Url::parse("https://site.example/rest/api/3/myself").unwrap();
        let body =
            json!({"accountId": "5b10ac8d82e05b22cc7d4ef5", "emailAddress": "ada@site.example"})
                .to_string();
        let path = recorder
            .write(&exchange(&base, &url, body.as_bytes()))
            .unwrap();
        assert!(path.ends_with("raw.GET.1.json"), "{path:?}");
        let text = std::fs::read_to_string(&path).unwrap();
        for real in ["5b10ac8d82e05b22cc7d4ef5", "ada@site.example", "tok3n"] {
            assert!(!text.contains(real), "{real} in {text}");
        }
        let schema: Value = serde_json::from_str(recording::SCHEMA).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(validator.is_valid(&value), "{text}");
        let back = recording::read(&path).unwrap();
        assert!(back.pseudonymised);
        assert_eq!(back.request.path, "/rest/api/3/myself");
    }

    #[test]
    fn a_failed_write_is_kept_for_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("rec");
        let recorder = Recorder::open(&target, false).unwrap();
        std::fs::remove_dir(&target).unwrap();
        let base = url::Url::parse("https://site.example").unwrap();
        let url = url::Url::parse("https://site.example/rest/api/3/myself").unwrap();
        recorder.record(&exchange(&base, &url, b"{}"));
        let failure = recorder.failure().expect("kept");
        assert_eq!(failure.exit_code(), 1);
        assert!(failure.message().contains("rec"), "{}", failure.message());
        assert!(recorder.failure().is_none());
    }
}
