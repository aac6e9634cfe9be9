//! `--record-pseudonymise`: e-mail addresses and Atlassian account IDs
//! replaced by keyed hashes (HMAC-SHA256, RFC 2104) before a recording is
//! written, so that the same real value gets the same pseudonym in every
//! file of one directory and no real value reaches the disk.
//!
//! What counts as personal:
//! - the string value of a JSON member or query parameter whose name ends in
//!   `accountId` (any case: `accountId`, `authorAccountId`), each string of
//!   one ending in `accountIds`, and of one called `emailAddress`;
//! - every e-mail address inside any string (JSON strings and keys, the
//!   path, query values, header values, text bodies);
//! - every further occurrence of a value seen so far in this run, raw or
//!   percent-encoded, inside any string. Account IDs shorter than
//!   [`MIN_SUBSTRING`] characters are replaced only where they are a whole
//!   string (short values such as `-1` would hit unrelated text).
//!
//! Base64 bodies (binary answers) are not inspected.
//!
//! Pseudonyms keep their shape: an e-mail becomes
//! `user-<12 hex>@example.invalid` (RFC 2606's reserved domain, which is
//! therefore never pseudonymised again), an account ID 24 lower-case hex
//! digits, the shape of Atlassian's classic account IDs.

use hmac::{Hmac, Mac};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;
use sha2::Sha256;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// The domain of every pseudonymous e-mail address.
pub const EMAIL_DOMAIN: &str = "example.invalid";

/// The shortest account ID also replaced inside longer strings.
pub const MIN_SUBSTRING: usize = 6;

/// The bytes of a pseudonymisation key.
pub const KEY_BYTES: usize = 32;

/// Which kind of personal value a pseudonym stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Email,
    AccountId,
}

/// Replaces personal values with keyed hashes; remembers (in memory only)
/// the real values seen in this run, so that later occurrences are caught.
pub struct Pseudonyms {
    key: [u8; KEY_BYTES],
    /// Real value → pseudonym.
    seen: Mutex<BTreeMap<String, String>>,
}

impl Pseudonyms {
    /// Pseudonyms under `key` (the directory's, see `store::key`).
    pub fn new(key: [u8; KEY_BYTES]) -> Pseudonyms {
        Pseudonyms {
            key,
            seen: Mutex::new(BTreeMap::new()),
        }
    }

    /// Replaces every personal value in the strings of `value` (a whole
    /// recording as JSON) in place.
    pub fn apply(&self, value: &mut Value) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        collect(value, &mut |kind, real| {
            if !seen.contains_key(real) {
                seen.insert(real.to_owned(), self.pseudonym(kind, real));
            }
        });
        let replacements = replacements(&seen);
        rewrite(value, &|personal, text| {
            match seen.get(text) {
                // A value under a personal name is replaced whole, however short.
                Some(whole) if personal || text.len() >= MIN_SUBSTRING => Some(whole.clone()),
                _ => replace_inside(text, &replacements),
            }
        });
    }

    fn pseudonym(&self, kind: Kind, real: &str) -> String {
        let tag: &[u8] = match kind {
            Kind::Email => b"email\0",
            Kind::AccountId => b"accountId\0",
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(tag);
        mac.update(real.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        match kind {
            Kind::Email => format!("user-{}@{EMAIL_DOMAIN}", &hex[..12]),
            Kind::AccountId => hex[..24].to_owned(),
        }
    }
}

/// Calls `found` with every personal value in `value`.
fn collect(value: &Value, found: &mut dyn FnMut(Kind, &str)) {
    let mut stack = vec![(None::<&str>, value)];
    while let Some((name, current)) = stack.pop() {
        match current {
            Value::String(text) => {
                if let Some(kind) = name.and_then(kind_of_name)
                    && !text.is_empty()
                {
                    found(kind, text);
                }
                for email in emails_in(text) {
                    found(Kind::Email, email);
                }
                // A text body or a query pair may hold JSON of its own.
                if text.starts_with(['{', '['])
                    && let Ok(inner) = serde_json::from_str::<Value>(text)
                {
                    collect(&inner, found);
                }
            }
            Value::Array(items) => {
                // `[name, value]` pairs (query, headers) name their value.
                if let [Value::String(pair_name), Value::String(pair_value)] = items.as_slice()
                    && let Some(kind) = kind_of_name(pair_name)
                    && !pair_value.is_empty()
                {
                    found(kind, pair_value);
                }
                stack.extend(items.iter().map(|item| (name, item)));
            }
            Value::Object(members) => {
                for (key, member) in members {
                    for email in emails_in(key) {
                        found(Kind::Email, email);
                    }
                    stack.push((Some(key.as_str()), member));
                }
            }
            _ => {}
        }
    }
}

/// What a member or parameter called `name` holds, when personal.
fn kind_of_name(name: &str) -> Option<Kind> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("accountid") || lower.ends_with("accountids") {
        Some(Kind::AccountId)
    } else if lower == "emailaddress" {
        Some(Kind::Email)
    } else {
        None
    }
}

/// Every (text, replacement) pair to look for inside strings: each seen
/// value raw and percent-encoded as a path segment and as a whole
/// component, longest first so a longer value wins over its prefix.
fn replacements(seen: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (real, pseudonym) in seen {
        if real.len() < MIN_SUBSTRING {
            continue;
        }
        pairs.push((real.clone(), pseudonym.clone()));
        // As a path segment or query component (RFC 3986's unreserved
        // marks kept), and with every mark encoded.
        let segment = crate::request::encode_component;
        let every_mark = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
        for pair in [
            (segment(real), segment(pseudonym)),
            (every_mark(real), every_mark(pseudonym)),
        ] {
            if pair.0 != *real {
                pairs.push(pair);
            }
        }
    }
    pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    pairs.dedup_by(|a, b| a.0 == b.0);
    pairs
}

/// `text` with every seen value inside it replaced, when there is one.
fn replace_inside(text: &str, replacements: &[(String, String)]) -> Option<String> {
    let mut out = Cow::Borrowed(text);
    for (real, pseudonym) in replacements {
        if out.contains(real.as_str()) {
            out = Cow::Owned(out.replace(real.as_str(), pseudonym));
        }
    }
    match out {
        Cow::Owned(changed) => Some(changed),
        Cow::Borrowed(_) => None,
    }
}

/// Applies `change` to every string and object key of `value`; its first
/// argument says whether the string is the value of a personal member or
/// query pair (see [`kind_of_name`]).
fn rewrite(value: &mut Value, change: &dyn Fn(bool, &str) -> Option<String>) {
    let mut stack = vec![(false, value)];
    while let Some((personal, current)) = stack.pop() {
        match current {
            Value::String(text) => {
                if let Some(changed) = change(personal, text) {
                    *text = changed;
                }
            }
            Value::Array(items) => {
                let pair_of_personal = matches!(items.as_slice(),
                    [Value::String(name), Value::String(_)] if kind_of_name(name).is_some());
                for (i, item) in items.iter_mut().enumerate() {
                    stack.push((personal || (pair_of_personal && i == 1), item));
                }
            }
            Value::Object(members) => {
                let renamed: Vec<(String, String)> = members
                    .keys()
                    .filter_map(|key| change(false, key).map(|new| (key.clone(), new)))
                    .collect();
                for (old, new) in renamed {
                    if let Some(member) = members.shift_remove(&old) {
                        members.insert(new, member);
                    }
                }
                for (key, member) in members.iter_mut() {
                    stack.push((kind_of_name(key).is_some(), member));
                }
            }
            _ => {}
        }
    }
}

/// The e-mail addresses inside `text` (`local@domain.tld`, ASCII), except
/// those at [`EMAIL_DOMAIN`] (pseudonyms already).
pub fn emails_in(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
    let domain = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        let start = bytes[..at]
            .iter()
            .rposition(|b| !local(*b))
            .map_or(0, |i| i + 1);
        let end = bytes[at + 1..]
            .iter()
            .position(|b| !domain(*b))
            .map_or(bytes.len(), |i| at + 1 + i);
        let host = text[at + 1..end].trim_end_matches(['.', '-']);
        let tld = host.rsplit('.').next().unwrap_or_default();
        let plausible = start < at
            && host.contains('.')
            && tld.len() >= 2
            && tld.bytes().all(|b| b.is_ascii_alphabetic())
            && !host.eq_ignore_ascii_case(EMAIL_DOMAIN);
        if plausible {
            found.push(&text[start..at + 1 + host.len()]);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn e_mail_addresses_are_found_inside_text() {
        assert_eq!(
            emails_in("mail ada@example.com, bob.b+x@mail.example.org. or user-1@example.invalid"),
            ["ada@example.com", "bob.b+x@mail.example.org"]
        );
        assert!(emails_in("@home a@b c@d.1 x@.y").is_empty());
    }

    #[test]
    fn real_values_are_replaced_everywhere_and_stably() {
        let pseudonyms = Pseudonyms::new([7; KEY_BYTES]);
        let mut value = json!({
            "request": {"path": "/rest/api/3/user/5b10ac8d82e05b22cc7d4ef5/x%40y.io",
                        "query": [["accountId", "5b10ac8d82e05b22cc7d4ef5"], ["query", "x@y.io"]]},
            "response": {"body": {"json": {"accountId": "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
                "emailAddress": "ada@site.example", "accountIds": ["5b10ac8d82e05b22cc7d4ef5"],
                "comment": "assigned to 557058:f58131cb-b67d-43c7-b30d-6b58d40bd077 by ada@site.example",
                "short": {"accountId": "-1"}, "note": "-1 stays", "x@y.io": 1}},
                "text": {"text": "{\n \"authorAccountId\": \"abcdef123456\"\n}"}}
        });
        pseudonyms.apply(&mut value);
        let text = value.to_string();
        for real in [
            "5b10ac8d82e05b22cc7d4ef5",
            "557058:f58131cb",
            "ada@site.example",
            "x@y.io",
            "x%40y.io",
            "abcdef123456",
        ] {
            assert!(!text.contains(real), "{real} in {text}");
        }
        let body = &value["response"]["body"]["json"];
        assert_eq!(body["accountIds"][0], value["request"]["query"][0][1]);
        assert!(
            body["emailAddress"]
                .as_str()
                .is_some_and(|e| e.starts_with("user-") && e.ends_with("@example.invalid"))
        );
        assert_eq!(body["accountId"].as_str().map(str::len), Some(24));
        assert_ne!(body["short"]["accountId"], "-1");
        assert_eq!(body["note"], "-1 stays");
        // The same key gives the same pseudonyms in a later run.
        let again = Pseudonyms::new([7; KEY_BYTES]);
        let mut second = json!({"emailAddress": "ada@site.example"});
        again.apply(&mut second);
        assert_eq!(second["emailAddress"], body["emailAddress"]);
        let other = Pseudonyms::new([8; KEY_BYTES]);
        let mut third = json!({"emailAddress": "ada@site.example"});
        other.apply(&mut third);
        assert_ne!(third["emailAddress"], body["emailAddress"]);
    }
}
