//! Atlassian Connect JWTs for requests an app makes to Jira: HS256 tokens
//! (RFC 7519, RFC 7515) carrying Atlassian's query string hash (`qsh`).
//!
//! Source: docs/jira-semantics.md §10.1, which follows Atlassian's
//! "Understanding JWT for Connect apps" and the `atlassian-jwt` reference
//! library: `qsh = hex(SHA-256(METHOD & canonical-uri & canonical-query))`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use url::Url;

/// Seconds a token stays valid: `exp = iat + 180`, as Atlassian's libraries do.
pub const TOKEN_LIFETIME_S: i64 = 180;

/// The canonical request `METHOD&uri&query` for `url`.
///
/// `context_path` is the path of the site's base URL (empty for
/// `https://your-domain.atlassian.net`); it is not part of the canonical URI.
/// The `jwt` query parameter is left out; names and the values of a repeated
/// parameter are sorted as **decoded** strings by UTF-16 code units (the
/// order of JavaScript's and Java's string sorts, so upper case sorts first
/// and U+1F600 sorts before U+FF5E), then percent-encoded; repeated values are
/// joined with `,`. Source: atlassian-jwt 2.0.3 `createCanonicalRequest`,
/// vectors in `tests/vectors/connect-qsh-vectors.json`.
pub fn canonical_request(method: &str, url: &Url, context_path: &str) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        canonical_uri(url.path(), context_path),
        canonical_query(url)
    )
}

/// The `qsh` claim: lower-case hex SHA-256 of [`canonical_request`].
pub fn query_string_hash(method: &str, url: &Url, context_path: &str) -> String {
    hex(&Sha256::digest(
        canonical_request(method, url, context_path).as_bytes(),
    ))
}

/// A compact HS256 token for one request: claims `iss` (the app key), `iat`
/// and `exp = iat + 180` (seconds since the UNIX epoch) and `qsh`, signed
/// with the app's shared secret. Send it as `Authorization: JWT <token>`.
pub fn request_token(
    app_key: &str,
    shared_secret: &str,
    method: &str,
    url: &Url,
    context_path: &str,
    now_s: i64,
) -> String {
    let claims = serde_json::json!({
        "iss": app_key,
        "iat": now_s,
        "exp": now_s + TOKEN_LIFETIME_S,
        "qsh": query_string_hash(method, url, context_path),
    });
    sign_hs256(&claims, shared_secret.as_bytes())
}

fn sign_hs256(claims: &serde_json::Value, secret: &[u8]) -> String {
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

fn canonical_uri(path: &str, context_path: &str) -> String {
    let context_path = context_path.trim_end_matches('/');
    let path = path.strip_prefix(context_path).unwrap_or(path);
    let path = match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    };
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    path.replace('&', "%26")
}

fn canonical_query(url: &Url) -> String {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in url.query_pairs().filter(|(name, _)| name != "jwt") {
        match grouped.iter_mut().find(|(seen, _)| *seen == name) {
            Some((_, values)) => values.push(value.into_owned()),
            None => grouped.push((name.into_owned(), vec![value.into_owned()])),
        }
    }
    grouped.sort_by(|a, b| utf16_order(&a.0, &b.0));
    let entries: Vec<String> = grouped
        .into_iter()
        .map(|(name, mut values)| {
            values.sort_by(|a, b| utf16_order(a, b));
            let values: Vec<String> = values.iter().map(|v| encode(v)).collect();
            format!("{}={}", encode(&name), values.join(","))
        })
        .collect();
    entries.join("&")
}

/// JavaScript's and Java's string order: by UTF-16 code units, so a
/// character outside the Basic Multilingual Plane (a surrogate pair starting
/// at 0xD800) sorts before U+E000..U+FFFF, unlike Rust's `str` order.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// RFC 3986 unreserved characters stay; everything else is percent-encoded,
/// so a space is `%20` (never `+`) and `*` is `%2A`.
fn encode(text: &str) -> String {
    crate::request::encode_component(text)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    /// Every vector of docs/jira-semantics.md §10.1: the request, the
    /// context path, the canonical request and its hash.
    const VECTORS: &[(&str, &str, &str, &str, &str)] = &[
        (
            "GET",
            "http://localhost:2990/path/to/service?a=1&A=2&b=3&B=4",
            "",
            "GET&/path/to/service&A=2&B=4&a=1&b=3",
            "70282c7cf82834bd5a3d6dacda1b4ccd5cf5860a63a1fa2fb86b64d576e6a1d5",
        ),
        (
            "GET",
            "http://localhost:2990/jira/addon?xdm_e=http%3A%2F%2Flocalhost%3A2990&xdm_c=channel-servlet-click-me&cp=%2Fjira&xdm_p=1&tz=Europe%2FMoscow&loc=en-US&user_id=admin&user_key=admin&lic=none",
            "/jira",
            "GET&/addon&cp=%2Fjira&lic=none&loc=en-US&tz=Europe%2FMoscow&user_id=admin&user_key=admin&xdm_c=channel-servlet-click-me&xdm_e=http%3A%2F%2Flocalhost%3A2990&xdm_p=1",
            "3a6ff1b66f60eb275d0e4cb6be4261d5d3b0216b91c58dc6524509227ef346de",
        ),
        (
            "get",
            "https://x.example/path/to/service?zee_last=param&repeated=parameter%202&first=param&repeated=parameter%201",
            "",
            "GET&/path/to/service&first=param&repeated=parameter%201,parameter%202&zee_last=param",
            "e52bb281606c3bd9ca16cfe96fe2df78f5d9ffa126f06befd750dfa10fa1a897",
        ),
        (
            "GET",
            "https://x.example?param=foo",
            "",
            "GET&/&param=foo",
            "557b49d80f3f963f6bec47b74d9832d8d601d6ed0979476bdb35bae4abafb0a4",
        ),
        (
            "POST",
            "https://x.example/user",
            "",
            "POST&/user&",
            "18f9496a296abb418647d87857700529a1f4b2d18b4c1cfa77bbebdeeda6f068",
        ),
        (
            "GET",
            "https://x.atlassian.net/rest/api/3/webhook",
            "",
            "GET&/rest/api/3/webhook&",
            "5f2decc7f4a8635b984bcf1239aa24d0558484b815393b2d518b878d172ff3ea",
        ),
        (
            "PUT",
            "https://x.atlassian.net/rest/api/3/webhook/refresh",
            "",
            "PUT&/rest/api/3/webhook/refresh&",
            "76885a42cab22006820c9b05bb583a381f02e334fb19da14e328b15ccea54039",
        ),
        (
            "GET",
            "https://x.atlassian.net/rest/api/3/webhook/?startAt=0&maxResults=50",
            "",
            "GET&/rest/api/3/webhook&maxResults=50&startAt=0",
            "91ea01014f875c58150c75aa4ba5a9d565b0a9238859e508c1b6b9133af6c0b8",
        ),
        (
            "GET",
            "https://x.atlassian.net/rest/api/3/webhook/failed?maxResults=100&after=1573118132000&jwt=ignored",
            "",
            "GET&/rest/api/3/webhook/failed&after=1573118132000&maxResults=100",
            "30f23405846dc0a523759ed068cdf7f0e8236702d988542f335799cd769fd0cb",
        ),
        (
            "GET",
            "https://x.atlassian.net/rest/api/3/search/jql?jql=project%20%3D%20%22A%26B%22%20ORDER%20BY%20created&fields=summary&fields=status",
            "",
            "GET&/rest/api/3/search/jql&fields=status,summary&jql=project%20%3D%20%22A%26B%22%20ORDER%20BY%20created",
            "9e63d4c6f34f07679e5540ff517f5cc58f8c3fc6a248f8a8def4d6442ae01bcf",
        ),
    ];

    #[test]
    fn qsh_matches_every_vector_of_the_semantics_page() {
        for &(method, request, context, canonical, hash) in VECTORS {
            let request = url(request);
            assert_eq!(canonical_request(method, &request, context), canonical);
            assert_eq!(
                query_string_hash(method, &request, context),
                hash,
                "{canonical}"
            );
        }
    }

    /// `tests/vectors/connect-qsh-vectors.json`: requests canonicalised by
    /// Atlassian's reference library (atlassian-jwt 2.0.3).
    #[test]
    fn qsh_matches_every_vector_of_the_reference_library() {
        let text = include_str!("../../../tests/vectors/connect-qsh-vectors.json");
        let fixture: serde_json::Value = serde_json::from_str(text).expect("fixture JSON");
        assert!(
            fixture["source"]
                .as_str()
                .unwrap()
                .contains("atlassian-jwt 2.0.3")
        );
        let vectors = fixture["vectors"].as_array().expect("vectors");
        assert!(vectors.len() >= 10);
        for v in vectors {
            let field = |k: &str| v[k].as_str().expect(k).to_owned();
            let request = url(&field("url"));
            let context = url(&field("baseUrl")).path().to_owned();
            let method = field("method");
            assert_eq!(
                canonical_request(&method, &request, &context),
                field("canonical"),
                "{}",
                field("name")
            );
            assert_eq!(
                query_string_hash(&method, &request, &context),
                field("qsh"),
                "{}",
                field("name")
            );
        }
    }

    #[test]
    fn sha256_sanity_vector() {
        assert_eq!(
            hex(&Sha256::digest(b"foo")),
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
        );
    }

    #[test]
    fn the_reference_token_of_the_semantics_page_is_reproduced() {
        let token = request_token(
            "com.example.my-app",
            "test-shared-secret",
            "GET",
            &url("https://x.atlassian.net/rest/api/3/webhook"),
            "",
            1_700_000_000,
        );
        assert_eq!(
            token,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJjb20uZXhhbXBsZS5teS1hcHAiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDE4MCwicXNoIjoiNWYyZGVjYzdmNGE4NjM1Yjk4NGJjZjEyMzlhYTI0ZDA1NTg0ODRiODE1MzkzYjJkNTE4Yjg3OGQxNzJmZjNlYSJ9.h8tX4w5HLL17q9s1lqn5Wam7XTENwiq33CR6DLAXOSQ"
        );
    }

    #[test]
    fn spaces_ampersands_and_non_ascii_are_encoded_once() {
        let request = url("https://x.example/a&b/?q=%C3%A9%20x%2By&p=*~");
        assert_eq!(
            canonical_request("GET", &request, ""),
            "GET&/a%26b&p=%2A~&q=%C3%A9%20x%2By"
        );
    }
}
