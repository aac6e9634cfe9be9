//! Caller identification from the `Authorization` header.
//!
//! - `Bearer <token>`: an OAuth 2.0 app by its static access token, or by an
//!   access token the fake's `/oauth/token` issued and that has not expired
//!   on the virtual clock;
//! - `Basic <base64(email:token)>`: a user (never an app);
//! - `JWT <token>` (or a `jwt` query parameter): a Connect app; HS256 under
//!   the shared secret of the app named by `iss`, `exp` checked against wall
//!   time with 60 s leeway, `qsh` required and checked with repeated values
//!   either sorted or in request order.
//!
//! Anything else is 401; a user on a webhook operation is 403.
//!
//! Where the request arrived matters too ([`authenticate`], jira-semantics
//! §2.4, §10.2, §10.3): the fake plays both the site
//! (`https://{site}.atlassian.net`) and the API gateway
//! (`https://api.atlassian.com/ex/jira/{cloudId}`). API tokens and Connect
//! JWTs work on the site; OAuth 2.0 access tokens and scoped API tokens only
//! through the gateway prefix, and only with the site's own cloud ID (any
//! other gets the gateway's 404). The `lenientAuth` switch restores the old,
//! looser rules (see [`crate::Switches::lenient_auth`]).

use std::time::{SystemTime, UNIX_EPOCH};

use wiremock::Request;

use crate::jwt;
use crate::model::Model;
use crate::model::apps::{AppCaller, AppKind, Caller, Identities};
use crate::wire::{ApiError, query_value};

/// Clock leeway for `exp`, in seconds.
pub const JWT_LEEWAY_S: i64 = 60;

/// The text of the 403 Jira sends to callers that are not apps
/// (observed on a live site; no trailing full stop).
pub const NOT_AN_APP: &str = "Only Connect and OAuth 2.0 apps can use this operation";

/// The text Jira answers a request without valid credentials with
/// (observed, jira-semantics §10.3).
pub const NOT_AUTHENTICATED: &str = "Client must be authenticated to access this resource.";

const GATEWAY_ONLY: &str = "OAuth 2.0 access tokens and scoped API tokens are accepted only through the API gateway (https://api.atlassian.com/ex/jira/{cloudId})";

/// The cloud ID of a path under the gateway prefix `/ex/jira/{cloudId}/…`,
/// or `None` for a path of the site itself.
pub fn gateway_cloud_id(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/ex/jira/")?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// Identifies the caller of `req` as Jira does where the request arrived
/// (see the module docs), with everything `model` knows.
///
/// Errors: [`ApiError::NotFound`] (404) under `/ex/jira/{cloudId}` with
/// another cloud ID; [`ApiError::Unauthenticated`] (401) for missing or
/// bad credentials, and for an OAuth 2.0 token or scoped API token on the
/// site's own paths. With the `lenientAuth` switch, any cloud ID passes
/// and OAuth 2.0 and scoped tokens work on the site too.
pub fn authenticate(req: &Request, model: &Model) -> Result<Caller, ApiError> {
    let lenient = model.rules.switches.lenient_auth;
    let cloud_id = gateway_cloud_id(req.url.path());
    if let Some(id) = cloud_id
        && id != model.cloud_id
        && !lenient
    {
        return Err(ApiError::NotFound(format!(
            "jr-mock: no site has the cloud ID '{id}' (see /_edge/tenant_info)"
        )));
    }
    let caller = identify_in(req, model)?;
    let gateway_only = match &caller {
        Caller::App(app) => app.kind == AppKind::OAuth,
        Caller::User { scoped, .. } => *scoped,
    };
    if gateway_only && cloud_id.is_none() && !lenient {
        return Err(unauthenticated(GATEWAY_ONLY));
    }
    Ok(caller)
}

/// Identifies the caller of `req` among `ids`.
/// Errors: [`ApiError::Unauthenticated`] (401) for missing or bad credentials.
pub fn identify(req: &Request, ids: &Identities) -> Result<Caller, ApiError> {
    let header = req.headers.get("authorization").map(|h| {
        h.to_str()
            .map_err(|_| unauthenticated("The Authorization header is not ASCII"))
    });
    let header = match header {
        Some(h) => h?,
        None => {
            return match query_value(&req.url, "jwt") {
                Some(token) => connect(req, ids, &token),
                None => Err(unauthenticated(NOT_AUTHENTICATED)),
            };
        }
    };
    let (scheme, rest) = header.trim().split_once(' ').unwrap_or((header, ""));
    let rest = rest.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => ids
            .by_bearer(rest)
            .ok_or_else(|| unauthenticated("The access token is unknown or has expired")),
        "basic" => basic(ids, rest),
        "jwt" => connect(req, ids, rest),
        _ => Err(unauthenticated(NOT_AUTHENTICATED)),
    }
}

/// Identifies the caller of `req` with everything `model` knows: the
/// identities and the OAuth 2.0 access tokens issued and still live.
/// Errors: as [`identify`].
pub fn identify_in(req: &Request, model: &Model) -> Result<Caller, ApiError> {
    let issued = bearer_token(req).and_then(|t| model.oauth.caller(t, model.now_ms()));
    match issued {
        Some(caller) => Ok(caller),
        None => identify(req, &model.identities),
    }
}

/// [`require_app`] where the request arrived, with everything `model`
/// knows (see [`authenticate`]).
pub fn require_app_in(req: &Request, model: &Model) -> Result<AppCaller, ApiError> {
    match authenticate(req, model)? {
        Caller::App(app) => Ok(app),
        Caller::User { .. } => Err(ApiError::Forbidden(NOT_AN_APP.into())),
    }
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub fn bearer_token(req: &Request) -> Option<&str> {
    let header = req.headers.get("authorization")?.to_str().ok()?.trim();
    let (scheme, token) = header.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Identifies the caller and requires an app.
/// Errors: 401 as [`identify`]; [`ApiError::Forbidden`] (403, Jira's text) for users.
pub fn require_app(req: &Request, ids: &Identities) -> Result<AppCaller, ApiError> {
    match identify(req, ids)? {
        Caller::App(app) => Ok(app),
        Caller::User { .. } => Err(ApiError::Forbidden(NOT_AN_APP.into())),
    }
}

fn unauthenticated(msg: &str) -> ApiError {
    ApiError::Unauthenticated(msg.to_owned())
}

fn basic(ids: &Identities, encoded: &str) -> Result<Caller, ApiError> {
    let decoded = jwt::decode_standard_base64(encoded)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| unauthenticated("The basic credentials are not valid base64"))?;
    let (email, token) = decoded.split_once(':').unwrap_or((&decoded, ""));
    ids.by_basic(email, token)
        .ok_or_else(|| unauthenticated("The email address or API token is incorrect"))
}

fn connect(req: &Request, ids: &Identities, token: &str) -> Result<Caller, ApiError> {
    let bad = |e: jwt::JwtError| unauthenticated(&e.to_string());
    let token = jwt::decode(token).map_err(bad)?;
    let iss = token
        .issuer()
        .ok_or(jwt::JwtError::MissingClaim("iss"))
        .map_err(bad)?
        .to_owned();
    let app = ids
        .connect_app(&iss)
        .ok_or_else(|| bad(jwt::JwtError::UnknownIssuer(iss.clone())))?;
    let claims = token
        .verify(app.shared_secret.as_bytes(), wall_now_s(), JWT_LEEWAY_S)
        .map_err(bad)?;
    let qsh = claims
        .get("qsh")
        .and_then(|q| q.as_str())
        .ok_or_else(|| bad(jwt::JwtError::MissingClaim("qsh")))?;
    if !qsh_matches(req, qsh) {
        return Err(bad(jwt::JwtError::QshMismatch));
    }
    Ok(Caller::App(AppCaller {
        app: app.key.clone(),
        kind: AppKind::Connect,
        account_id: None,
    }))
}

fn qsh_matches(req: &Request, qsh: &str) -> bool {
    let query: Vec<(String, String)> = req
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let method = req.method.as_str();
    let path = req.url.path();
    [true, false]
        .iter()
        .any(|sorted| jwt::qsh(method, path, &query, *sorted) == qsh)
}

fn wall_now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sha2::{Digest, Sha256};

    fn request(url: &str, auth: Option<&str>) -> Request {
        let mut headers = wiremock::http::HeaderMap::new();
        if let Some(a) = auth {
            headers.insert("authorization", a.parse().unwrap());
        }
        Request {
            url: url.parse().unwrap(),
            method: wiremock::http::Method::GET,
            headers,
            body: Vec::new(),
        }
    }

    fn connect_token(secret: &str, qsh: &str, exp: i64) -> String {
        let claims =
            json!({"iss": "com.example.connect-app", "iat": exp - 180, "exp": exp, "qsh": qsh});
        format!("JWT {}", jwt::sign(&claims, secret.as_bytes()))
    }

    #[test]
    fn each_scheme_identifies_its_caller() {
        let ids = Identities::default();
        let url = "http://localhost/rest/api/3/webhook?startAt=0";
        assert!(require_app(&request(url, Some("Bearer oauth-app-token")), &ids).is_ok());
        assert_eq!(
            identify(&request(url, Some("Bearer nope")), &ids)
                .unwrap_err()
                .status(),
            401
        );
        assert_eq!(
            identify(&request(url, None), &ids).unwrap_err().status(),
            401
        );
        let basic = "Basic dXNlckBleGFtcGxlLmNvbTp1c2VyLXRva2Vu";
        assert_eq!(
            require_app(&request(url, Some(basic)), &ids)
                .unwrap_err()
                .status(),
            403
        );
        assert_eq!(
            identify(&request(url, Some("Basic !!")), &ids)
                .unwrap_err()
                .status(),
            401
        );
    }

    #[test]
    fn connect_jwts_need_the_right_secret_expiry_and_qsh() {
        let ids = Identities::default();
        let url = "http://localhost/rest/api/3/webhook/?startAt=0&maxResults=50";
        let qsh = jwt::qsh(
            "GET",
            "/rest/api/3/webhook",
            &[
                ("startAt".into(), "0".into()),
                ("maxResults".into(), "50".into()),
            ],
            true,
        );
        let exp = wall_now_s() + 100;
        let ok = connect_token("connect-app-secret", &qsh, exp);
        let app = require_app(&request(url, Some(&ok)), &ids).unwrap();
        assert_eq!(app.app, "com.example.connect-app");
        for bad in [
            connect_token("wrong", &qsh, exp),
            connect_token("connect-app-secret", "0000", exp),
            connect_token("connect-app-secret", &qsh, wall_now_s() - 61),
            "JWT garbage".to_owned(),
        ] {
            assert_eq!(
                identify(&request(url, Some(&bad)), &ids)
                    .unwrap_err()
                    .status(),
                401,
                "{bad}"
            );
        }
    }

    /// jira.js and atlassian-jwt sort repeated values decoded (`zeta` before
    /// `émile`); a qsh over the encoded order (`%C3%A9mile` first) is
    /// refused, as Jira refuses it.
    #[test]
    fn repeated_values_are_sorted_decoded_as_atlassian_signers_sort_them() {
        let ids = Identities::default();
        let url = "http://localhost/rest/api/3/webhook?l=zeta&l=ab&l=%C3%A9mile";
        let exp = wall_now_s() + 100;
        let hash = |canonical: &str| {
            Sha256::digest(canonical.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let signed = |canonical: &str| connect_token("connect-app-secret", &hash(canonical), exp);
        let right = signed("GET&/rest/api/3/webhook&l=ab,zeta,%C3%A9mile");
        assert!(require_app(&request(url, Some(&right)), &ids).is_ok());
        let encoded_order = signed("GET&/rest/api/3/webhook&l=%C3%A9mile,ab,zeta");
        assert_eq!(
            identify(&request(url, Some(&encoded_order)), &ids)
                .unwrap_err()
                .status(),
            401
        );
    }
}
