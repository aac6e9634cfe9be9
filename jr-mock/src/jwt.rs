//! HS256 JSON Web Tokens and Atlassian's query string hash (`qsh`).
//!
//! Used both ways: to verify the `Authorization: JWT …` of Connect apps
//! calling the fake, and to sign deliveries (`JWT` for Connect apps,
//! `Bearer` for OAuth 2.0 apps). The canonical request follows
//! docs/jira-semantics.md §10.1: `METHOD&path&query`, RFC 3986
//! encoding, repeated values joined with `,`, names and repeated values
//! sorted as decoded strings by UTF-16 code units before encoding (as
//! atlassian-jwt 2.0.3 and Java's `HttpRequestCanonicalizer` do).

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Everything except RFC 3986 unreserved characters is percent-encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    #[error("the JWT is malformed")]
    Malformed,
    /// `alg` is not `HS256`.
    #[error("the JWT algorithm {0:?} is not supported; use HS256")]
    Algorithm(String),
    /// A required claim is missing or has the wrong type.
    #[error("the JWT has no valid {0:?} claim")]
    MissingClaim(&'static str),
    /// `iss` names no known Connect app.
    #[error("the JWT issuer {0:?} is not an installed Connect app")]
    UnknownIssuer(String),
    /// The HMAC does not match the shared secret.
    #[error("the JWT signature is invalid")]
    Signature,
    /// `exp` lies in the past (beyond the leeway).
    #[error("the JWT has expired")]
    Expired,
    /// `qsh` does not match the request.
    #[error("the JWT query string hash (qsh) does not match the request")]
    QshMismatch,
}

/// Signs `claims` with HS256 under `secret`; returns the compact token.
pub fn sign(claims: &Value, secret: &[u8]) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let sig = mac(secret, input.as_bytes()).finalize().into_bytes();
    format!("{input}.{}", B64.encode(sig))
}

fn mac(secret: &[u8], data: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this never falls back.
    let mut m =
        HmacSha256::new_from_slice(secret).unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    m.update(data);
    m
}

/// A decoded, not yet verified token.
#[derive(Debug, Clone)]
pub struct Unverified {
    claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

/// Splits and decodes `token`; checks only its shape and `alg`.
/// Errors: [`JwtError::Malformed`], [`JwtError::Algorithm`].
pub fn decode(token: &str) -> Result<Unverified, JwtError> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Map<String, Value> = json_part(h)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "HS256" {
        return Err(JwtError::Algorithm(alg.to_owned()));
    }
    Ok(Unverified {
        claims: json_part(c)?,
        signing_input: format!("{h}.{c}"),
        signature: B64.decode(s).map_err(|_| JwtError::Malformed)?,
    })
}

fn json_part(part: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = B64.decode(part).map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

impl Unverified {
    /// The `iss` claim, if it is a string.
    pub fn issuer(&self) -> Option<&str> {
        self.claims.get("iss").and_then(Value::as_str)
    }

    /// Checks the signature under `secret` and `exp` against `now_s` (seconds
    /// since the UNIX epoch) with `leeway_s`; returns the claims.
    /// Errors: [`JwtError::Signature`], [`JwtError::MissingClaim`], [`JwtError::Expired`].
    pub fn verify(
        self,
        secret: &[u8],
        now_s: i64,
        leeway_s: i64,
    ) -> Result<Map<String, Value>, JwtError> {
        mac(secret, self.signing_input.as_bytes())
            .verify_slice(&self.signature)
            .map_err(|_| JwtError::Signature)?;
        let exp = self
            .claims
            .get("exp")
            .and_then(Value::as_f64)
            .ok_or(JwtError::MissingClaim("exp"))?;
        if exp + (leeway_s as f64) < now_s as f64 {
            return Err(JwtError::Expired);
        }
        Ok(self.claims)
    }
}

/// The canonical request string: `METHOD&uri&query`. `query` holds the
/// decoded pairs in request order; `jwt` is dropped. With `sort_values`,
/// repeated values are sorted as decoded strings by UTF-16 code units (what
/// Atlassian's signers do), else kept in request order. Names are always
/// sorted that way.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    sort_values: bool,
) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        canonical_uri(path),
        canonical_query(query, sort_values)
    )
}

/// `qsh`: lower-case hex SHA-256 of [`canonical_request`].
pub fn qsh(method: &str, path: &str, query: &[(String, String)], sort_values: bool) -> String {
    let digest = Sha256::digest(canonical_request(method, path, query, sort_values).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn canonical_uri(path: &str) -> String {
    let mut p = if path.is_empty() { "/" } else { path }.to_owned();
    if p.len() > 1 && p.ends_with('/') {
        p.pop();
    }
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    p.replace('&', "%26")
}

fn canonical_query(query: &[(String, String)], sort_values: bool) -> String {
    let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
    for (k, v) in query.iter().filter(|(k, _)| k != "jwt") {
        match grouped.iter_mut().find(|(name, _)| name == k) {
            Some((_, values)) => values.push(v),
            None => grouped.push((k, vec![v])),
        }
    }
    if sort_values {
        grouped
            .iter_mut()
            .for_each(|(_, vs)| vs.sort_by(|a, b| utf16_order(a, b)));
    }
    grouped.sort_by(|a, b| utf16_order(a.0, b.0));
    let entries: Vec<String> = grouped
        .into_iter()
        .map(|(k, vs)| {
            let vs: Vec<String> = vs.into_iter().map(encode).collect();
            format!("{}={}", encode(k), vs.join(","))
        })
        .collect();
    entries.join("&")
}

/// JavaScript's and Java's string order: by UTF-16 code units, so U+1F600
/// (a surrogate pair) sorts before U+FF5E, unlike Rust's `str` order.
fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Base64 (standard alphabet) decoding for basic auth.
pub fn decode_standard_base64(s: &str) -> Option<Vec<u8>> {
    general_purpose::STANDARD.decode(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn qsh_matches_the_published_vectors() {
        let q = pairs(&[("a", "1"), ("A", "2"), ("b", "3"), ("B", "4")]);
        assert_eq!(
            qsh("get", "/path/to/service", &q, true),
            "70282c7cf82834bd5a3d6dacda1b4ccd5cf5860a63a1fa2fb86b64d576e6a1d5"
        );
        let q = pairs(&[
            ("jql", "project = \"A&B\" ORDER BY created"),
            ("fields", "summary"),
            ("fields", "status"),
        ]);
        assert_eq!(
            canonical_request("GET", "/rest/api/3/search/jql", &q, true),
            "GET&/rest/api/3/search/jql&fields=status,summary&jql=project%20%3D%20%22A%26B%22%20ORDER%20BY%20created"
        );
        assert_eq!(
            qsh("GET", "/rest/api/3/search/jql", &q, true),
            "9e63d4c6f34f07679e5540ff517f5cc58f8c3fc6a248f8a8def4d6442ae01bcf"
        );
        let q = pairs(&[("startAt", "0"), ("maxResults", "50")]);
        assert_eq!(
            qsh("GET", "/rest/api/3/webhook/", &q, true),
            "91ea01014f875c58150c75aa4ba5a9d565b0a9238859e508c1b6b9133af6c0b8"
        );
        assert_eq!(
            qsh("POST", "/user", &[], true),
            "18f9496a296abb418647d87857700529a1f4b2d18b4c1cfa77bbebdeeda6f068"
        );
    }

    /// `tests/vectors/connect-qsh-vectors.json`: requests canonicalised by
    /// Atlassian's reference library (atlassian-jwt 2.0.3).
    #[test]
    fn qsh_matches_every_vector_of_the_reference_library() {
        let text = include_str!("../../tests/vectors/connect-qsh-vectors.json");
        let fixture: Value = serde_json::from_str(text).unwrap();
        assert!(
            fixture["source"]
                .as_str()
                .unwrap()
                .contains("atlassian-jwt 2.0.3")
        );
        let vectors = fixture["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 10);
        for v in vectors {
            let field = |k: &str| v[k].as_str().unwrap().to_owned();
            let url = url::Url::parse(&field("url")).unwrap();
            let base = url::Url::parse(&field("baseUrl")).unwrap();
            let context = base.path().trim_end_matches('/');
            let path = url.path().strip_prefix(context).unwrap();
            let query: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let method = field("method");
            assert_eq!(
                canonical_request(&method, path, &query, true),
                field("canonical"),
                "{}",
                field("name")
            );
            assert_eq!(
                qsh(&method, path, &query, true),
                field("qsh"),
                "{}",
                field("name")
            );
        }
    }

    #[test]
    fn the_reference_token_verifies() {
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJjb20uZXhhbXBsZS5teS1hcHAiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDE4MCwicXNoIjoiNWYyZGVjYzdmNGE4NjM1Yjk4NGJjZjEyMzlhYTI0ZDA1NTg0ODRiODE1MzkzYjJkNTE4Yjg3OGQxNzJmZjNlYSJ9.h8tX4w5HLL17q9s1lqn5Wam7XTENwiq33CR6DLAXOSQ";
        let t = decode(token).unwrap();
        assert_eq!(t.issuer(), Some("com.example.my-app"));
        let claims = t
            .clone()
            .verify(b"test-shared-secret", 1_700_000_100, 60)
            .unwrap();
        assert_eq!(claims["qsh"], qsh("GET", "/rest/api/3/webhook", &[], true));
        assert_eq!(
            t.clone().verify(b"wrong", 1_700_000_100, 60),
            Err(JwtError::Signature)
        );
        assert_eq!(
            t.verify(b"test-shared-secret", 1_700_000_241, 60),
            Err(JwtError::Expired)
        );
    }

    #[test]
    fn signed_tokens_round_trip_and_bad_shapes_are_refused() {
        let token = sign(&json!({"iss": "x", "exp": 10}), b"s");
        assert!(decode(&token).unwrap().verify(b"s", 0, 0).is_ok());
        assert_eq!(decode("a.b").map(|_| ()), Err(JwtError::Malformed));
        assert_eq!(decode("!!.??.**").map(|_| ()), Err(JwtError::Malformed));
        let none = format!("{}.{}.", B64.encode(r#"{"alg":"none"}"#), B64.encode("{}"));
        assert_eq!(
            decode(&none).map(|_| ()),
            Err(JwtError::Algorithm("none".into()))
        );
    }
}
