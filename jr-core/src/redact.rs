//! The one rule that decides what is a credential, wherever jr or jr-mock
//! shows or stores a request: `--dry-run`, `--verbose`, error messages,
//! recordings and jr-mock's request journal all apply it.
//!
//! A header, query parameter, form field or JSON member is a credential when
//! its name, compared case-insensitively, is
//! - `authorization`, `proxy-authorization`, `cookie`, `set-cookie`, `jwt`,
//!   `sig`, `signature`, `code` or `code_verifier`, or
//! - contains `token`, `secret`, `password`, `session`, `api-key`, `api_key`
//!   or `apikey`,
//!
//! except `X-Atlassian-Token` (Jira's XSRF switch, always `no-check`) and
//! `nextPageToken` (the opaque cursor of Jira's token-paged listings, such
//! as `GET /rest/api/3/search/jql`: no credential, and a recording whose
//! page cursors were redacted could not be replayed page by page).
//! The user information of a URL (`https://user:pass@host`) is always a
//! credential. A credential's value is shown as [`REDACTED`].
//!
//! Sources: RFC 9110 §11 (authentication fields), RFC 6265 (cookies),
//! RFC 6749 §4.1 and RFC 7636 (OAuth 2.0 code, code verifier, tokens),
//! RFC 3986 §3.2.1 (user information), and Atlassian's Connect JWT (`jwt`
//! query parameter, docs/jira-semantics.md §10.1).

use serde_json::Value;
use std::borrow::Cow;

/// What a redacted value is shown as.
pub const REDACTED: &str = "<redacted>";

/// Names that are credentials exactly.
const EXACT: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "jwt",
    "sig",
    "signature",
    "code",
    "code_verifier",
];

/// Parts of names that make a name a credential.
const PARTS: &[&str] = &[
    "token", "secret", "password", "session", "api-key", "api_key", "apikey",
];

/// Whether a header, query parameter, form field or JSON member called
/// `name` holds a credential (the rule of this module).
pub fn is_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if name == "x-atlassian-token" || name == "nextpagetoken" {
        return false;
    }
    EXACT.contains(&name.as_str()) || PARTS.iter().any(|part| name.contains(part))
}

/// A header's value as it may be shown: [`REDACTED`] for a credential.
pub fn header_value<'a>(name: &str, value: &'a str) -> &'a str {
    if is_credential(name) { REDACTED } else { value }
}

/// `url` as it may be shown: user information and credential query values
/// replaced by [`REDACTED`]. Works on text that does not parse as a URL too
/// (`http://admin:hunter2@host:99999`), so an error about a bad URL never
/// echoes its password.
pub fn url(url: &str) -> Cow<'_, str> {
    let (before_fragment, fragment) = match url.find('#') {
        Some(at) => url.split_at(at),
        None => (url, ""),
    };
    let (before_query, query) = match before_fragment.find('?') {
        Some(at) => (&before_fragment[..at], Some(&before_fragment[at + 1..])),
        None => (before_fragment, None),
    };
    let authority_start = before_query.find("://").map_or(0, |at| at + 3);
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |at| authority_start + at);
    let authority = &before_query[authority_start..authority_end];
    let userinfo = authority.rfind('@');
    let query_redacted = query.map(self::query);
    let query_changed = matches!(&query_redacted, Some(Cow::Owned(_)));
    if userinfo.is_none() && !query_changed {
        return Cow::Borrowed(url);
    }
    let mut shown = String::with_capacity(url.len());
    shown.push_str(&before_query[..authority_start]);
    match userinfo {
        Some(at) => {
            shown.push_str(REDACTED);
            shown.push_str(&authority[at..]);
        }
        None => shown.push_str(authority),
    }
    shown.push_str(&before_query[authority_end..]);
    if let Some(query) = query_redacted {
        shown.push('?');
        shown.push_str(&query);
    }
    shown.push_str(fragment);
    Cow::Owned(shown)
}

/// A query string (or `application/x-www-form-urlencoded` body) as it may be
/// shown: the value of every credential parameter replaced by [`REDACTED`],
/// everything else byte for byte.
pub fn query(query: &str) -> Cow<'_, str> {
    let secret = |pair: &str| {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        let decoded = percent_encoding::percent_decode_str(&name.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned();
        pair.contains('=') && is_credential(&decoded)
    };
    if !query.split('&').any(secret) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<Cow<str>> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret(pair) => Cow::Owned(format!("{name}={REDACTED}")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// Replaces, in place, the value of every member of `value` (at any depth)
/// whose name is a credential with the string [`REDACTED`]. Walks with an
/// explicit stack, so any depth is safe.
pub fn json(value: &mut Value) {
    let mut stack = vec![value];
    while let Some(current) = stack.pop() {
        match current {
            Value::Object(members) => {
                for (name, member) in members.iter_mut() {
                    if is_credential(name) && !member.is_null() {
                        *member = Value::String(REDACTED.to_owned());
                    } else {
                        stack.push(member);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// A request or response body as it may be shown or stored: a JSON body with
/// [`json`] applied, a form body with [`query`] applied, anything else as it is.
pub fn body<'a>(content_type: Option<&str>, bytes: &'a [u8]) -> Cow<'a, [u8]> {
    let mime = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if mime == "application/x-www-form-urlencoded" {
        return match std::str::from_utf8(bytes).map(query) {
            Ok(Cow::Owned(text)) => Cow::Owned(text.into_bytes()),
            _ => Cow::Borrowed(bytes),
        };
    }
    let looks_json = mime.ends_with("json") || (mime.is_empty() && bytes.first() == Some(&b'{'));
    if !looks_json {
        return Cow::Borrowed(bytes);
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
        return Cow::Borrowed(bytes);
    };
    let before = value.clone();
    json(&mut value);
    if value == before {
        Cow::Borrowed(bytes)
    } else {
        Cow::Owned(value.to_string().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_covers_every_documented_name_and_nothing_ordinary() {
        let credentials = [
            "Authorization",
            "Proxy-Authorization",
            "Cookie",
            "Set-Cookie",
            "jwt",
            "sig",
            "Signature",
            "code",
            "code_verifier",
            "access_token",
            "refresh_token",
            "id_token",
            "X-Auth-Token",
            "client_secret",
            "sharedSecret",
            "Api-Password",
            "password",
            "X-Session-Id",
            "JSESSIONID",
            "X-Api-Key",
            "apikey",
            "api_key",
        ];
        for name in credentials {
            assert!(is_credential(name), "{name}");
        }
        let ordinary = [
            "X-Atlassian-Token",
            "nextPageToken",
            "Content-Type",
            "jql",
            "expand",
            "startAt",
            "codename",
            "signed",
            "issueIdOrKey",
            "accountId",
        ];
        for name in ordinary {
            assert!(!is_credential(name), "{name}");
        }
    }

    #[test]
    fn urls_lose_their_userinfo_and_credential_query_values() {
        let cases = [
            (
                "http://admin:hunter2@host:99999/x",
                "http://<redacted>@host:99999/x",
            ),
            (
                "https://site.example/rest?jwt=eyJ.a.b&jql=project%20%3D%20A&access_token=t#frag",
                "https://site.example/rest?jwt=<redacted>&jql=project%20%3D%20A&access_token=<redacted>#frag",
            ),
            (
                "https://site.example/rest?a=1",
                "https://site.example/rest?a=1",
            ),
            (
                "/rest/api/3/x?code=abc&state=s",
                "/rest/api/3/x?code=<redacted>&state=s",
            ),
            ("https://u@h/p?q@r=1", "https://<redacted>@h/p?q@r=1"),
        ];
        for (given, shown) in cases {
            assert_eq!(url(given), shown, "{given}");
        }
    }

    /// The members a recording must never keep (issue 19): the OAuth 2.0
    /// token endpoint's and Connect's, in requests and answers alike.
    #[test]
    fn the_token_exchange_members_are_credentials_in_json_and_forms() {
        let names = [
            "client_secret",
            "refresh_token",
            "access_token",
            "id_token",
            "code",
            "code_verifier",
            "password",
            "sharedSecret",
        ];
        for name in names {
            let mut value = serde_json::json!({"outer": [{ name: "v4lue" }]});
            json(&mut value);
            assert_eq!(value["outer"][0][name], REDACTED, "{name}");
            let form = format!("{name}=v4lue&grant_type=x");
            let shown = body(Some("application/x-www-form-urlencoded"), form.as_bytes());
            assert!(!String::from_utf8_lossy(&shown).contains("v4lue"), "{name}");
        }
    }

    #[test]
    fn bodies_lose_credential_members_at_any_depth() {
        let form = body(
            Some("application/x-www-form-urlencoded"),
            b"grant_type=refresh_token&refresh_token=r1&client_secret=s2",
        );
        assert_eq!(
            &*form,
            b"grant_type=refresh_token&refresh_token=<redacted>&client_secret=<redacted>"
        );
        let shown = body(
            Some("application/json; charset=utf-8"),
            br#"{"access_token":"a","scope":"read","nested":[{"sharedSecret":"x","key":"k"}],"expires_in":3600}"#,
        );
        assert_eq!(
            String::from_utf8_lossy(&shown),
            r#"{"access_token":"<redacted>","scope":"read","nested":[{"sharedSecret":"<redacted>","key":"k"}],"expires_in":3600}"#
        );
        let plain = body(Some("application/json"), br#"{"fields":{"summary":"x"}}"#);
        assert!(matches!(plain, Cow::Borrowed(_)));
    }
}
