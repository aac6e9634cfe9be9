//! The catch-all: Jira-shaped 404 for anything no operation answers.

use wiremock::{Request, Respond, ResponseTemplate};

use super::error::ApiError;

/// 404 `{"errorMessages": ["jr-mock: no operation matches <METHOD> <path>"], "errors": {}}`.
pub struct NotFound;

impl Respond for NotFound {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let msg = format!(
            "jr-mock: no operation matches {} {}",
            req.method,
            req.url.path()
        );
        ApiError::NotFound(msg).template()
    }
}
