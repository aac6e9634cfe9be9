//! The request journal: every request the fake received outside the
//! control API, as it arrived (credentials redacted by jr-core's one rule,
//! [`jr_core::redact`]) with the status answered and the virtual time.
//! `GET /_mock/requests` reads it ([`crate::control`]); reset clears it.
//!
//! It is bounded: at most [`MAX_BYTES`] of entries (bodies over
//! [`MAX_BODY_BYTES`] are cut and marked), the oldest dropped first and
//! counted in `dropped`. Each entry has a sequence number, from 1, never
//! reused (not even after reset), for `?after=SEQ` paging.
//!
//! Each entry says where its answer came from ([`Source`]): the routes mark
//! each answer with [`SOURCE_HEADER`], which the front door takes off
//! before sending it and records here.
//!
//! This module imports no other module of the crate.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::{Map, Value};

/// The most the journal holds, in bytes (roughly: the lengths of its texts).
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// The most of one request body kept, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The internal response header carrying an answer's [`Source`] from the
/// routes to the front door (never sent): `model`, `catalog`, `control`,
/// or `fixture <file name, percent-encoded>`.
pub const SOURCE_HEADER: &str = "x-jr-mock-source";

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A recording of `jr-mock --fixtures DIR` (`crate::fixtures`).
    Fixture,
    /// A modelled operation: the webhook operations, OAuth 2.0, the
    /// stateful issues.
    Model,
    /// The catalog of the spec's operations (examples, 401, 404, 405, 410).
    Catalog,
    /// jr-mock's own machinery: a fault rule, a front-door refusal (body too
    /// large, not a path), the authentication in front of the fixtures.
    Control,
}

impl Source {
    /// The lower-case name, as journaled.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Fixture => "fixture",
            Source::Model => "model",
            Source::Catalog => "catalog",
            Source::Control => "control",
        }
    }

    /// The source and, for a fixture, its file name, from a
    /// [`SOURCE_HEADER`] value; `None` for anything else.
    pub fn parse(marker: &str) -> Option<(Source, Option<String>)> {
        let (kind, file) = match marker.split_once(' ') {
            Some((kind, file)) => (kind, Some(file)),
            None => (marker, None),
        };
        let source = [
            Source::Fixture,
            Source::Model,
            Source::Catalog,
            Source::Control,
        ]
        .into_iter()
        .find(|s| s.as_str() == kind)?;
        let file = file.map(|f| {
            percent_encoding::percent_decode_str(f)
                .decode_utf8_lossy()
                .into_owned()
        });
        Some((source, file))
    }
}

/// One request, as `GET /_mock/requests` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Its sequence number (1, 2, …).
    pub seq: u64,
    /// Virtual time it arrived, ms since the UNIX epoch.
    pub time_ms: i64,
    /// Upper-case method.
    pub method: String,
    /// The path as sent (gateway prefix included), not decoded.
    pub path: String,
    /// The query string without `?`, credentials redacted; empty when none.
    pub query: String,
    /// Header names (lower case) and values, credentials redacted.
    pub headers: Map<String, Value>,
    /// The body as text (lossy UTF-8), credentials redacted; cut at
    /// [`MAX_BODY_BYTES`] with `bodyTruncated` set.
    pub body: String,
    /// Whether `body` was cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    /// The status answered (0 when the connection was closed unanswered).
    pub status: u16,
    /// Where the answer came from; absent for a test's own wiremock mock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// For [`Source::Fixture`], the recording's file name relative to the
    /// fixtures directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixture: Option<String>,
}

/// A request as it arrived, before redaction.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    /// Upper-case method.
    pub method: &'a str,
    /// The path as sent.
    pub path: &'a str,
    /// The query string without `?`.
    pub query: &'a str,
    /// Header names and values.
    pub headers: &'a [(String, String)],
    /// The body's bytes.
    pub body: &'a [u8],
}

impl Entry {
    /// Builds an entry for `raw`, answered `status` at `time_ms`,
    /// redacting with [`jr_core::redact`]: the `Authorization`-like
    /// headers, credential query parameters and token-endpoint body fields.
    pub fn redacted(time_ms: i64, raw: Raw<'_>, status: u16) -> Entry {
        let Raw {
            method,
            path,
            query,
            headers,
            body,
        } = raw;
        let content_type = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str());
        let headers = headers
            .iter()
            .map(|(name, value)| {
                let shown = jr_core::redact::header_value(name, value);
                (name.to_ascii_lowercase(), Value::String(shown.to_owned()))
            })
            .collect();
        let redacted = jr_core::redact::body(content_type, body);
        let cut = redacted.len() > MAX_BODY_BYTES;
        let kept = &redacted[..redacted.len().min(MAX_BODY_BYTES)];
        Entry {
            seq: 0,
            time_ms,
            method: method.to_owned(),
            path: path.to_owned(),
            query: jr_core::redact::query(query).into_owned(),
            headers,
            body: String::from_utf8_lossy(kept).into_owned(),
            body_truncated: cut,
            status,
            source: None,
            fixture: None,
        }
    }

    /// The same entry, its answer from `source` (and the recording `fixture`).
    pub fn with_source(mut self, source: Option<(Source, Option<String>)>) -> Entry {
        if let Some((source, fixture)) = source {
            self.source = Some(source);
            self.fixture = fixture;
        }
        self
    }

    fn size(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum();
        let fixture = self.fixture.as_ref().map_or(0, String::len);
        64 + self.method.len()
            + self.path.len()
            + self.query.len()
            + headers
            + self.body.len()
            + fixture
    }
}

/// The journal: entries oldest first, within [`MAX_BYTES`].
#[derive(Debug, Default)]
pub struct Journal {
    entries: VecDeque<Entry>,
    bytes: usize,
    next_seq: u64,
    dropped: u64,
}

/// One page of the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalPage {
    /// Entries after the cursor, oldest first.
    pub entries: Vec<Entry>,
    /// The `seq` to pass as `after` for the next page, when more remain.
    pub next_after: Option<u64>,
    /// How many entries were dropped to stay within [`MAX_BYTES`] since the
    /// last reset.
    pub dropped: u64,
}

impl Journal {
    /// Appends `entry` (its `seq` is assigned here), dropping the oldest
    /// entries beyond [`MAX_BYTES`].
    pub fn record(&mut self, mut entry: Entry) {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        self.bytes += entry.size();
        self.entries.push_back(entry);
        while self.bytes > MAX_BYTES && self.entries.len() > 1 {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= old.size();
                self.dropped += 1;
            }
        }
    }

    /// The sequence number of the newest entry ever recorded (0 before any;
    /// entries kept are numbered consecutively up to it).
    pub fn last_seq(&self) -> u64 {
        self.next_seq
    }

    /// Forgets every entry and the drop count; sequence numbers go on.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
        self.dropped = 0;
    }

    /// Up to `limit` entries with `seq` > `after` (all when `None`).
    pub fn page(&self, after: Option<u64>, limit: Option<usize>) -> JournalPage {
        let after = after.unwrap_or(0);
        let mut rest = self.entries.iter().filter(|e| e.seq > after);
        let entries: Vec<Entry> = match limit {
            Some(n) => rest.by_ref().take(n).cloned().collect(),
            None => rest.by_ref().cloned().collect(),
        };
        let more = rest.next().is_some();
        JournalPage {
            next_after: entries.last().filter(|_| more).map(|e| e.seq),
            entries,
            dropped: self.dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &[u8]) -> Entry {
        let headers = [("Authorization".to_owned(), "Bearer secret".to_owned())];
        let raw = Raw {
            method: "GET",
            path: "/rest/api/3/myself",
            query: "jwt=abc&a=1",
            headers: &headers,
            body,
        };
        Entry::redacted(1, raw, 200)
    }

    #[test]
    fn source_markers_read_back() {
        assert_eq!(Source::parse("model"), Some((Source::Model, None)));
        assert_eq!(
            Source::parse("fixture docs/getIssue%20%C3%A9.1.json"),
            Some((Source::Fixture, Some("docs/getIssue é.1.json".to_owned())))
        );
        assert_eq!(Source::parse("nonsense"), None);
        let entry = entry(b"").with_source(Source::parse("catalog"));
        let shown = serde_json::to_value(&entry).unwrap();
        assert_eq!(shown["source"], "catalog");
        assert!(shown.get("fixture").is_none());
    }

    #[test]
    fn credentials_are_redacted_by_jr_cores_rule() {
        let e = entry(b"");
        assert!(
            !e.headers["authorization"]
                .as_str()
                .unwrap()
                .contains("secret")
        );
        assert!(!e.query.contains("abc"), "{}", e.query);
    }

    #[test]
    fn pages_follow_seq_and_the_oldest_go_first_beyond_the_bound() {
        let mut j = Journal::default();
        for _ in 0..3 {
            j.record(entry(b"{}"));
        }
        let first = j.page(None, Some(2));
        assert_eq!(first.entries.len(), 2);
        assert_eq!(first.next_after, Some(2));
        let second = j.page(first.next_after, Some(2));
        assert_eq!((second.entries.len(), second.next_after), (1, None));
        let big = vec![b'x'; MAX_BODY_BYTES * 2];
        for _ in 0..(MAX_BYTES / MAX_BODY_BYTES + 5) {
            j.record(entry(&big));
        }
        let all = j.page(None, None);
        assert!(all.dropped > 0);
        assert!(all.entries.iter().all(|e| e.body_truncated));
        j.clear();
        assert!(j.page(None, None).entries.is_empty());
    }
}
