//! `PUT /rest/api/3/webhook/refresh` (refreshWebhooks).

use serde_json::json;
use wiremock::Request;

use crate::routes::Responder;
use crate::wire::Reply;

use super::Ctx;
use super::auth::require_app_in;
use super::delete::webhook_ids;
use crate::model::clock::format_jira_datetime;
use crate::wire::{ApiError, json_response, reply};

/// Extends the calling app's webhooks among `{"webhookIds": [int64]}` to
/// now + 30 days (virtual time); others are ignored. 200
/// `{"expirationDate": "yyyy-MM-dd'T'HH:mm:ss.SSS+0000"}` even when nothing
/// was refreshed; 400 for a malformed body; 401; 403 for non-apps.
/// Source: Jira `refreshWebhooks`.
pub struct RefreshWebhooks(pub(crate) Ctx);

impl Responder for RefreshWebhooks {
    fn respond(&self, req: &Request) -> Reply {
        reply(self.handle(req))
    }
}

impl RefreshWebhooks {
    fn handle(&self, req: &Request) -> Result<Reply, ApiError> {
        let expiry = self.0.store.try_write(|model, now| {
            let caller = require_app_in(req, model)?;
            let ids = webhook_ids(req)?;
            Ok::<_, ApiError>(model.refresh(&caller, &ids, now))
        })?;
        let body = json!({"expirationDate": format_jira_datetime(expiry)});
        Ok(json_response(200, &body))
    }
}
