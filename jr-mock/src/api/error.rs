//! Errors of the Jira endpoints, answered as Jira's `ErrorCollection`:
//! `{"errorMessages": [...], "errors": {...}}` (no `status` field).

use serde_json::{Map, Value, json};
use wiremock::ResponseTemplate;

/// The text of the 403 Jira sends to callers that are not apps
/// (observed on a live site; no trailing full stop).
pub const NOT_AN_APP: &str = "Only Connect and OAuth 2.0 apps can use this operation";

/// A failed Jira request; each variant is one HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: missing, unknown or invalid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403: the caller may not use the operation.
    #[error("{0}")]
    Forbidden(String),
    /// 400: a malformed body or query value.
    #[error("{0}")]
    BadRequest(String),
    /// 400 naming the offending field in `errors`.
    #[error("{field}: {message}")]
    BadField {
        /// The field name.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// 404: nothing answers this method and path.
    #[error("{0}")]
    NotFound(String),
    /// 503: the fake is shutting down.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated(_) => 401,
            Self::Forbidden(_) => 403,
            Self::BadRequest(_) | Self::BadField { .. } => 400,
            Self::NotFound(_) => 404,
            Self::Unavailable(_) => 503,
        }
    }

    /// The `ErrorCollection` body.
    pub fn body(&self) -> Value {
        match self {
            Self::BadField { field, message } => {
                let mut errors = Map::new();
                errors.insert(field.clone(), message.clone().into());
                json!({"errorMessages": [], "errors": errors})
            }
            other => json!({"errorMessages": [other.to_string()], "errors": {}}),
        }
    }

    /// The response: status plus `ErrorCollection` JSON.
    pub fn template(&self) -> ResponseTemplate {
        ResponseTemplate::new(self.status()).set_body_json(self.body())
    }
}

/// A JSON response with `status`.
pub fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// Turns a handler's result into the response.
pub fn reply(result: Result<ResponseTemplate, ApiError>) -> ResponseTemplate {
    result.unwrap_or_else(|e| e.template())
}

/// The 503 for a change that could not be saved to the state file: the
/// change is not acknowledged, so a client retries rather than trusting it.
pub fn unsaved(e: crate::state::StateError) -> ApiError {
    ApiError::Unavailable(format!("jr-mock could not save its state: {e}"))
}
