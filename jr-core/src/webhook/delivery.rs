//! A webhook delivery as the receiving app sees it: the `X-Atlassian-Webhook-*`
//! headers and the signature in `Authorization`, checked the way an app must
//! check it.
//!
//! Jira signs a dynamic-webhook delivery in one of two ways
//! (docs/jira-semantics.md §8.3):
//! - to an OAuth 2.0 app: `Authorization: Bearer <JWT>`, HS256 signed with the
//!   app's client secret; only the signature and `exp` are to be checked (the
//!   claim set is not documented);
//! - to a Connect app: `Authorization: JWT <token>`, HS256 signed with the
//!   install's shared secret, carrying the `qsh` of the delivery request
//!   (`POST`, the receiving path, its query) as Atlassian's "Understanding
//!   JWT for Connect apps" describes.
//!
//! Source: RFC 7519 (JWT), RFC 7515 (JWS, HS256), RFC 2104 (HMAC).

use crate::auth::connect;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use url::Url;

/// Seconds of clock skew tolerated on `exp`, as Atlassian's libraries allow.
pub const EXP_LEEWAY_S: i64 = 30;

/// How a delivery was signed, from its `Authorization` scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer <JWT>`: an OAuth 2.0 (3LO) app's delivery.
    OauthBearer,
    /// `Authorization: JWT <token>`: a Connect app's delivery.
    ConnectJwt,
    /// No `Authorization` header, or one of another scheme.
    None,
}

impl Scheme {
    /// The scheme's name in `jr webhook listen` output:
    /// `oauth-bearer`, `connect-jwt` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::OauthBearer => "oauth-bearer",
            Scheme::ConnectJwt => "connect-jwt",
            Scheme::None => "none",
        }
    }
}

/// The verdict on one delivery's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// How it was signed.
    pub scheme: Scheme,
    /// Whether the signature (and `exp`, and for Connect `qsh`) checked out.
    /// Always false without a secret to check against.
    pub valid: bool,
    /// Why it is not valid, or what was checked (one sentence).
    pub reason: String,
}

impl Verdict {
    /// `{"scheme": "...", "valid": bool, "reason": "..."}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "scheme": self.scheme.as_str(),
            "valid": self.valid,
            "reason": self.reason,
        })
    }
}

/// Checks the `Authorization` header of a delivery received as
/// `POST <path_and_query>`.
///
/// `secret` is the OAuth 2.0 app's client secret or the Connect app's
/// shared secret (`None`: the scheme is reported, `valid` is false).
/// `now_s` is seconds since the UNIX epoch (for `exp`).
pub fn verify(
    authorization: Option<&str>,
    secret: Option<&str>,
    path_and_query: &str,
    now_s: i64,
) -> Verdict {
    let (scheme, token) = split_scheme(authorization);
    let verdict = |valid: bool, reason: String| Verdict {
        scheme,
        valid,
        reason,
    };
    let Some(token) = token else {
        return verdict(false, "the delivery carries no Authorization header".into());
    };
    let Some(secret) = secret else {
        return verdict(
            false,
            "not checked: no secret given (--secret or JR_WEBHOOK_SECRET)".into(),
        );
    };
    let claims = match check_hs256(token, secret.as_bytes(), now_s) {
        Ok(claims) => claims,
        Err(reason) => return verdict(false, reason),
    };
    if scheme == Scheme::ConnectJwt {
        if let Err(reason) = check_qsh(&claims, path_and_query) {
            return verdict(false, reason);
        }
        return verdict(true, "HS256 signature, exp and qsh verified".into());
    }
    verdict(true, "HS256 signature and exp verified".into())
}

fn split_scheme(authorization: Option<&str>) -> (Scheme, Option<&str>) {
    let Some(value) = authorization.map(str::trim) else {
        return (Scheme::None, None);
    };
    let (name, rest) = value.split_once(' ').unwrap_or((value, ""));
    match name.to_ascii_lowercase().as_str() {
        "bearer" => (Scheme::OauthBearer, Some(rest.trim())),
        "jwt" => (Scheme::ConnectJwt, Some(rest.trim())),
        _ => (Scheme::None, None),
    }
}

/// Checks an HS256 compact token's shape, signature and `exp`; returns its claims.
fn check_hs256(token: &str, secret: &[u8], now_s: i64) -> Result<Map<String, Value>, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the token is not a compact JWT (three dot-separated parts)".into());
    };
    let header = decode_part(header, "header")?;
    match header.get("alg").and_then(Value::as_str) {
        Some("HS256") => {}
        other => return Err(format!("the token's alg is {other:?}, not \"HS256\"")),
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "the token's signature is not base64url".to_owned())?;
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return Err("the secret cannot key HMAC-SHA256".into());
    };
    let signing_input_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
    mac.update(&token.as_bytes()[..signing_input_len]);
    if mac.verify_slice(&signature).is_err() {
        return Err("the HS256 signature does not match the secret".into());
    }
    let claims = decode_part(claims, "claims")?;
    let Some(exp) = claims.get("exp").and_then(Value::as_f64) else {
        return Err("the token has no numeric exp claim".into());
    };
    if exp + (EXP_LEEWAY_S as f64) < now_s as f64 {
        return Err(format!(
            "the token expired at {exp} (now {now_s}, seconds since the UNIX epoch)"
        ));
    }
    Ok(claims)
}

fn decode_part(part: &str, what: &str) -> Result<Map<String, Value>, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| format!("the token's {what} is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| format!("the token's {what} is not a JSON object"))
}

/// Compares the token's `qsh` with the one of `POST path_and_query`.
fn check_qsh(claims: &Map<String, Value>, path_and_query: &str) -> Result<(), String> {
    let Some(claimed) = claims.get("qsh").and_then(Value::as_str) else {
        return Err("the Connect token has no qsh claim".into());
    };
    // Any origin will do: only the path and query enter the hash.
    let url = Url::parse("http://receiver.invalid")
        .and_then(|base| base.join(path_and_query))
        .map_err(|e| format!("the request path {path_and_query:?} cannot be read: {e}"))?;
    let expected = connect::query_string_hash("POST", &url, "");
    if claimed == expected {
        Ok(())
    } else {
        Err(format!(
            "the qsh claim does not match POST {path_and_query} (expected {expected})"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &Value, secret: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{header}.{body}").as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{header}.{body}.{sig}")
    }

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn an_oauth_delivery_signed_with_the_client_secret_is_valid() {
        let t = token(
            &serde_json::json!({"iss": "oauth-app", "exp": NOW + 60}),
            "s3",
        );
        let v = verify(Some(&format!("Bearer {t}")), Some("s3"), "/hook", NOW);
        assert_eq!(
            (v.scheme, v.valid),
            (Scheme::OauthBearer, true),
            "{}",
            v.reason
        );
    }

    #[test]
    fn a_wrong_secret_an_expired_token_and_a_missing_header_are_reported() {
        let t = token(&serde_json::json!({"exp": NOW + 60}), "s3");
        let wrong = verify(Some(&format!("Bearer {t}")), Some("other"), "/hook", NOW);
        assert!(
            !wrong.valid && wrong.reason.contains("signature"),
            "{wrong:?}"
        );
        let old = token(&serde_json::json!({"exp": NOW - 31}), "s3");
        let expired = verify(Some(&format!("Bearer {old}")), Some("s3"), "/hook", NOW);
        assert!(
            !expired.valid && expired.reason.contains("expired"),
            "{expired:?}"
        );
        let none = verify(None, Some("s3"), "/hook", NOW);
        assert_eq!((none.scheme, none.valid), (Scheme::None, false));
        let unchecked = verify(Some(&format!("Bearer {t}")), None, "/hook", NOW);
        assert!(!unchecked.valid && unchecked.reason.contains("--secret"));
    }

    #[test]
    fn a_connect_delivery_needs_the_qsh_of_its_own_request() {
        let url = Url::parse("http://x/hook?b=2&a=1").unwrap();
        let qsh = connect::query_string_hash("POST", &url, "");
        let t = token(
            &serde_json::json!({"iss": "k", "exp": NOW + 180, "qsh": qsh}),
            "shh",
        );
        let ok = verify(Some(&format!("JWT {t}")), Some("shh"), "/hook?b=2&a=1", NOW);
        assert_eq!(
            (ok.scheme, ok.valid),
            (Scheme::ConnectJwt, true),
            "{}",
            ok.reason
        );
        let moved = verify(Some(&format!("JWT {t}")), Some("shh"), "/other", NOW);
        assert!(!moved.valid && moved.reason.contains("qsh"), "{moved:?}");
    }

    #[test]
    fn a_token_with_another_alg_or_shape_is_refused() {
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"exp":9999999999}"#)
        );
        let v = verify(Some(&format!("Bearer {none_alg}")), Some("s"), "/", NOW);
        assert!(!v.valid && v.reason.contains("alg"), "{v:?}");
        let v = verify(Some("Bearer not-a-token"), Some("s"), "/", NOW);
        assert!(!v.valid && v.reason.contains("three"), "{v:?}");
    }
}
