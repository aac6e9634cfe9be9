//! `DELETE /rest/api/3/webhook` (deleteWebhookById).

use serde::Deserialize;
use wiremock::Request;

use crate::routes::Responder;
use crate::wire::Reply;

use super::Ctx;
use super::auth::require_app_in;
use crate::wire::{ApiError, json_body, reply};

/// The body of delete and refresh (`ContainerForWebhookIDs`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookIds {
    pub(crate) webhook_ids: Vec<i64>,
}

/// Deletes the calling app's webhooks among `{"webhookIds": [int64]}`;
/// other apps' and unknown IDs are ignored. 202 with an empty body; 400 when
/// the list is missing or malformed; 401; 403 for non-apps.
/// Source: Jira `deleteWebhookById`.
pub struct DeleteWebhookById(pub(crate) Ctx);

impl Responder for DeleteWebhookById {
    fn respond(&self, req: &Request) -> Reply {
        reply(self.handle(req))
    }
}

impl DeleteWebhookById {
    fn handle(&self, req: &Request) -> Result<Reply, ApiError> {
        self.0.store.try_write(|model, _| {
            let caller = require_app_in(req, model)?;
            let ids = webhook_ids(req)?;
            model.delete(&caller, &ids);
            Ok::<_, ApiError>(())
        })?;
        Ok(Reply::new(202))
    }
}

/// Reads `{"webhookIds": [...]}`.
/// Errors: [`ApiError::BadRequest`] when the body or the list is missing or malformed.
pub(crate) fn webhook_ids(req: &Request) -> Result<Vec<i64>, ApiError> {
    json_body::<WebhookIds>(req)
        .map(|b| b.webhook_ids)
        .map_err(|e| {
            ApiError::BadRequest(format!(
                "The list of webhook IDs is missing or invalid. {e}"
            ))
        })
}
