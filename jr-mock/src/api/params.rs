//! Reading requests: query values, JSON bodies, and the base URL for links.

use serde::de::DeserializeOwned;
use wiremock::Request;

use super::error::ApiError;

/// The first value of query parameter `name`, decoded.
pub fn query_value(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Query parameter `name` as an integer of type `T` within `min..=max`.
/// Errors: [`ApiError::BadRequest`] naming the parameter and the value.
pub fn query_int<T>(req: &Request, name: &str, min: T, max: T) -> Result<Option<T>, ApiError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = query_value(req, name) else {
        return Ok(None);
    };
    match raw.trim().parse::<T>() {
        Ok(v) if v >= min && v <= max => Ok(Some(v)),
        _ => Err(ApiError::BadRequest(format!(
            "The value '{raw}' is not valid for the query parameter '{name}': expected an integer from {min} to {max}"
        ))),
    }
}

/// The body as JSON of type `T`.
/// Errors: [`ApiError::BadRequest`] with the parser's message.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    json_bytes(&req.body)
}

/// `body` as JSON of type `T`.
/// Errors: [`ApiError::BadRequest`] with the parser's message.
pub fn json_bytes<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest("The request body is missing".into()));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("The request body is invalid: {e}")))
}

/// `http://<Host header>` plus any gateway prefix (`/ex/jira/<cloudId>`)
/// of the request path; `fallback` when the request has no usable Host.
pub fn links_base(req: &Request, fallback: &str) -> String {
    let host = req
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()));
    let origin = match host {
        Some(h) => format!("http://{h}"),
        None => fallback.trim_end_matches('/').to_owned(),
    };
    let path = req.url.path();
    let prefix = path.find("/rest/").map_or("", |i| &path[..i]);
    format!("{origin}{prefix}")
}
