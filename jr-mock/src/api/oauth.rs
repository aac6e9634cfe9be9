//! The other side of OAuth 2.0 (3LO), so a client's whole login runs offline:
//! Atlassian's authorization server (`/authorize`, `/oauth/token`) and the API
//! gateway's site discovery (`/oauth/token/accessible-resources`), plus the
//! unauthenticated `/_edge/tenant_info`. Requests then go to the gateway
//! prefix `/ex/jira/{cloudId}`, which the webhook paths already accept.
//!
//! Source: docs/jira-semantics.md §10.2; RFC 6749 §4.1 (authorization
//! code grant), §5.2 (error responses), §6 (refresh).

use serde_json::{Value, json};
use wiremock::Request;

use crate::routes::Responder;
use crate::wire::Reply;

use super::Ctx;
use super::auth::bearer_token;
use crate::model::Model;
use crate::model::oauth::{OAuthError, TokenSet};
use crate::wire::{ApiError, json_response, query_value};

/// The cloud ID the fake's one site has unless configured
/// ([`crate::MockConfig::cloud_id`]).
pub const CLOUD_ID: &str = crate::model::DEFAULT_CLOUD_ID;

/// `GET /authorize?client_id&redirect_uri&state&scope&response_type=code`:
/// approves at once (the fake has no consent screen) and redirects (302) to
/// `redirect_uri?code=...&state=...`. 400 `{"error": ...}` for an unknown
/// client, a missing or non-HTTP redirect URI, or another response type.
pub struct Authorize(pub(crate) Ctx);

impl Responder for Authorize {
    fn respond(&self, req: &Request) -> Reply {
        let answer = self.0.store.write(|model, _| authorize(req, model));
        answer.unwrap_or_else(|e| ApiError::from(e).template())
    }
}

/// [`Authorize`]'s answer; issues a code in `model`.
fn authorize(req: &Request, model: &mut Model) -> Reply {
    let client_id = query_value(&req.url, "client_id").unwrap_or_default();
    let redirect_uri = query_value(&req.url, "redirect_uri").unwrap_or_default();
    if model.identities.oauth_app(&client_id).is_none() {
        return oauth_error(400, "invalid_client", "Unknown client_id");
    }
    let Ok(mut target) = url::Url::parse(&redirect_uri) else {
        return oauth_error(
            400,
            "invalid_request",
            "redirect_uri must be an absolute URL",
        );
    };
    // Never redirect a browser to `javascript:`, `data:` or `file:`.
    if !matches!(target.scheme(), "http" | "https") {
        return oauth_error(
            400,
            "invalid_request",
            "redirect_uri must be an http or https URL",
        );
    }
    if query_value(&req.url, "response_type").as_deref() != Some("code") {
        return oauth_error(
            400,
            "unsupported_response_type",
            "response_type must be code",
        );
    }
    let scopes = query_value(&req.url, "scope")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let (sessions, rng) = model.oauth_parts();
    let code = sessions.issue_code(rng, &client_id, &redirect_uri, scopes);
    {
        let mut pairs = target.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(state) = query_value(&req.url, "state") {
            pairs.append_pair("state", &state);
        }
    }
    Reply::new(302).insert_header("Location", target.as_str())
}

/// `POST /oauth/token` with a JSON (or form) body: `grant_type`
/// `authorization_code` (`code`, `redirect_uri`) or `refresh_token`
/// (`refresh_token`), each with `client_id` and `client_secret`. 200
/// `{"access_token", "expires_in", "token_type": "Bearer", "scope",
/// "refresh_token"?}`; 401 `invalid_client`; 403 `invalid_grant` for a used
/// code or a rotated refresh token (as Atlassian answers); 400 otherwise.
pub struct Token(pub(crate) Ctx);

impl Responder for Token {
    fn respond(&self, req: &Request) -> Reply {
        let Some(form) = token_request(req) else {
            return oauth_error(400, "invalid_request", "the body must be JSON or a form");
        };
        let answer = self.0.store.write(|model, now| token(&form, model, now));
        answer.unwrap_or_else(|e| ApiError::from(e).template())
    }
}

/// [`Token`]'s answer to the request fields `form` at `now` (ms since the
/// UNIX epoch); issues tokens in `model`.
fn token(form: &serde_json::Map<String, Value>, model: &mut Model, now: i64) -> Reply {
    let field = |name: &str| form.get(name).and_then(Value::as_str).unwrap_or_default();
    let known = model
        .identities
        .oauth_app(field("client_id"))
        .is_some_and(|app| app.client_secret == field("client_secret"));
    if !known {
        return oauth_error(
            401,
            "invalid_client",
            "Unknown client or wrong client_secret",
        );
    }
    let (sessions, rng) = model.oauth_parts();
    let result = match field("grant_type") {
        "authorization_code" => sessions.exchange_code(
            rng,
            field("client_id"),
            field("code"),
            field("redirect_uri"),
            now,
        ),
        "refresh_token" => sessions.refresh(rng, field("client_id"), field("refresh_token"), now),
        other => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                &format!("grant_type {other:?} is not supported"),
            );
        }
    };
    let refused = match field("grant_type") {
        "authorization_code" => "Unknown or invalid authorization code.",
        _ => "Unknown or invalid refresh token.",
    };
    match result {
        Ok(set) => json_response(200, &token_body(&set)),
        Err(OAuthError::InvalidGrant) => oauth_error(403, "invalid_grant", refused),
    }
}

fn token_request(req: &Request) -> Option<serde_json::Map<String, Value>> {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&req.body) {
        return Some(map);
    }
    let text = std::str::from_utf8(&req.body).ok()?;
    let pairs = url::form_urlencoded::parse(text.as_bytes());
    let map: serde_json::Map<String, Value> = pairs
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    (!map.is_empty()).then_some(map)
}

fn token_body(set: &TokenSet) -> Value {
    let mut body = json!({
        "access_token": set.access_token,
        "expires_in": set.expires_in_s,
        "token_type": "Bearer",
        "scope": set.scope,
    });
    if let Some(refresh) = &set.refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    body
}

/// `GET /oauth/token/accessible-resources` with an issued bearer token: the
/// fake's one site, `[{"id", "name", "url", "scopes", "avatarUrl"}]`; 401
/// for an unknown or expired token.
pub struct AccessibleResources(pub(crate) Ctx);

impl Responder for AccessibleResources {
    fn respond(&self, req: &Request) -> Reply {
        let token = bearer_token(req);
        let (scopes, cloud_id) = self.0.store.read(|model| {
            let scopes = token.and_then(|t| Some(model.oauth.scopes(t, model.now_ms())?.to_vec()));
            (scopes, model.cloud_id.clone())
        });
        match scopes {
            Some(scopes) => json_response(
                200,
                &json!([{
                    "id": cloud_id,
                    "name": "jr-mock",
                    "url": site_url(req, &self.0),
                    "scopes": scopes,
                    "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
                }]),
            ),
            None => oauth_error(
                401,
                "invalid_token",
                "The access token is unknown or has expired",
            ),
        }
    }
}

/// `GET /_edge/tenant_info`: `{"cloudId": "<the site's cloud ID>"}`,
/// unauthenticated, as Atlassian's sites answer (jira-semantics §10.2).
pub struct TenantInfo(pub(crate) Ctx);

impl Responder for TenantInfo {
    fn respond(&self, _req: &Request) -> Reply {
        let cloud_id = self.0.store.read(|m| m.cloud_id.clone());
        json_response(200, &json!({ "cloudId": cloud_id }))
    }
}

/// The site's URL as the caller reached it (wiremock reports `localhost`,
/// so the `Host` header decides, as docs/architecture.md §6 says).
fn site_url(req: &Request, ctx: &Ctx) -> String {
    req.headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(|host| format!("http://{host}"))
        .unwrap_or_else(|| ctx.base_url.clone())
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    json_response(
        status,
        &json!({"error": error, "error_description": description}),
    )
}
